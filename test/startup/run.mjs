// What a profiled process loads at start and exit: an empty program under each preload
// (`--require wasmprof/register.cjs`, `--import wasmprof/register`) must not load the built-ins
// that only some paths need (docs/performance.md, "Start-up and exit"). Each of them was a
// measured cost in every profiled process: worker_threads (the main-thread check), v8 (a V8
// flag), perf_hooks (the `performance` global), node:util's lazy exports (the ES module bundle's
// interop), fs/promises with readline and os (reading core.wasm), child_process, inspector, …
//
// Runs outside tap on purpose: tap's process-info hook loads most of these into every node it
// spawns, which would hide a regression. Built-ins the same kind of preload loads by itself (an
// empty one: Node's ES module loader on Node 20 reads with fs/promises) do not count. Every
// release is given as `version=/path/to/node` (test/run-all.mjs passes the matrix). Counts go
// to test-results/startup.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { plainSuite } from '../helpers/plain-suite.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const probe = fileURLToPath(new URL('./probe.cjs', import.meta.url));
const empty = join(root, 'bench', 'fixtures', 'empty.cjs');

/** Loaded only where a path needs them (`NativeModule` names of process.moduleLoadList). Not
 *  node:vm: the CommonJS preload's loader compiles its bundle with vm.Script (a code cache). */
const ON_DEMAND = [
  'worker_threads', 'internal/worker', 'v8', 'perf_hooks', 'internal/perf/performance', 'inspector',
  'child_process', 'net', 'dgram', 'os', 'crypto', 'readline', 'internal/readline/interface',
  'fs/promises', 'http', 'https', 'internal/util/parse_args/parse_args', 'internal/util/colors',
];

const { releases, check, finish } = plainSuite('startup');

const work = mkdtempSync(join(tmpdir(), 'wasmprof-startup-'));
const emptyEsm = join(work, 'empty-preload.mjs');
const emptyCjs = join(work, 'empty-preload.cjs');
writeFileSync(emptyEsm, '');
writeFileSync(emptyCjs, '');

/** Built-ins loaded after the probe: { code, loaded, stderr }. */
function loadedBy(node, flags, outDir) {
  const out = join(work, `probe-${Math.random().toString(36).slice(2)}.json`);
  const r = spawnSync(node, ['-r', probe, ...flags, empty], {
    encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: '', WASMPROF_STARTUP_PROBE_OUT: out, WASMPROF_OUTPUT_DIR: outDir },
  });
  const loaded = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : undefined;
  return { code: r.status, loaded, stderr: r.stderr };
}

try {
  for (const { version, node } of releases) {
    for (const [kind, flag, preload, emptyPreload] of [
      ['--require', '--require', join(root, 'register.cjs'), emptyCjs],
      ['--import', '--import', join(root, 'register.mjs'), emptyEsm],
    ]) {
      const name = `Node ${version}, ${kind}`;
      const base = loadedBy(node, [flag, emptyPreload], join(work, 'unused'));
      if (!check(base.code === 0 && base.loaded !== undefined, `${name}: an empty preload runs`, base.stderr)) continue;
      const dir = join(work, `${version}-${kind.slice(2)}`);
      const r = loadedBy(node, [flag, preload], dir);
      if (!check(r.code === 0 && r.loaded !== undefined, `${name}: the profiled empty program exits 0`, r.stderr)) continue;
      const files = existsSync(dir) ? readdirSync(dir) : [];
      check(files.some((f) => /^wall-\d+-1\.pb\.gz$/.test(f)) && files.some((f) => /^cpu-\d+-1\.pb\.gz$/.test(f)), `${name}: the last period was written (wall and cpu)`, files.join(' '));
      check(!/native V8 bridge unavailable/.test(r.stderr), `${name}: the native source started`, r.stderr);
      const extra = ON_DEMAND.filter((m) => r.loaded.includes(m) && !base.loaded.includes(m));
      check(extra.length === 0, `${name}: no built-in only some paths need is loaded`, `loaded: ${extra.join(', ')}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
finish();
