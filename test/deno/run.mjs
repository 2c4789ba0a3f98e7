// The Deno suite (Deno from the npm package `deno`), counted into test-results/deno.json
// ({ passed, failed, skipped }) for test/run-all.mjs:
//   1. the core's shared cases under `deno test` (test/deno/core.deno.ts), counted by assertion;
//   2. the profiler under `deno test` with --allow-sys/--allow-ffi (test/deno/profiler.deno.ts);
//   3. examples/deno/busy.ts run as a user would: its wall pprof decodes with pprof-format with
//      renderThumbnails on top and its heap pprof shows cacheThumbnail; without --allow-sys it
//      prints the one warning line and exits 0; without --allow-ffi the fork addon gives a reason.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Profile } from 'pprof-format';
import { join } from 'node:path';
import { ensureDeno } from './install-deno.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
mkdirSync(join(root, 'test-results'), { recursive: true });
const write = (r) => writeFileSync(join(root, 'test-results/deno.json'), JSON.stringify(r) + '\n');

const found = ensureDeno();
if (found.error) {
  console.log(`not ok - ${found.error}`);
  write({ passed: 0, failed: 1, skipped: 0 });
  process.exit(1);
}
const deno = found.deno;
const denoEnv = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
const denoRun = (args, env = {}) => spawnSync(process.execPath, [deno, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...denoEnv, ...env } });
/** Deno's closing line: "ok | 46 passed | 0 failed (3s)" or "FAILED | 45 passed | 1 failed (3s)". */
const denoCounts = (r) => {
  const m = /(\d+) passed[^|]*\| (\d+) failed/.exec(r.stdout ?? '');
  const passed = m ? Number(m[1]) : 0, failed = m ? Number(m[2]) : 1;
  return { passed, failed: r.status === 0 ? failed : Math.max(1, failed) };
};

// 1. The core's cases.
rmSync(join(root, 'test-results/deno-assertions.json'), { force: true });
const r = denoRun(['test', '--sloppy-imports', '--allow-read', '--allow-write=test-results', '--allow-env', '--no-check', 'test/deno/core.deno.ts']);
process.stdout.write(r.stdout ?? '');
process.stderr.write(r.stderr ?? '');
const core = denoCounts(r);
let assertions = core.passed;
try { assertions = JSON.parse(readFileSync(join(root, 'test-results/deno-assertions.json'), 'utf8')).assertions; } catch { /* fewer details */ }
console.log(`# deno core: ${core.passed} cases passed, ${core.failed} failed (${assertions} assertions)`);
let passed = core.failed === 0 ? assertions : core.passed, failed = core.failed;

// 2. The profiler under deno test.
const pr = denoRun(['test', '--sloppy-imports', '--no-check', '--allow-sys', '--allow-read', '--allow-env', '--allow-ffi', '--allow-run', 'test/deno/profiler.deno.ts']);
process.stdout.write(pr.stdout ?? '');
process.stderr.write(pr.stderr ?? '');
const prof = denoCounts(pr);
console.log(`# deno profiler: ${prof.passed} passed, ${prof.failed} failed`);
passed += prof.passed; failed += prof.failed;

// 3. The example, as a user runs it (importing the working tree instead of npm:wasmprof).
let n = 0;
const check = (ok, name, detail = '') => {
  n++;
  if (ok) { passed++; console.log(`ok ${n} - ${name}`); } else { failed++; console.log(`not ok ${n} - ${name}${detail ? `\n  # ${detail.replace(/\n/g, '\n  # ')}` : ''}`); }
};
/** Self value of the last sample type per leaf function, sorted. */
const topFunctions = (file) => {
  const p = Profile.decode(gunzipSync(readFileSync(file)));
  const st = p.stringTable.strings;
  const fn = new Map(p.function.map((f) => [String(f.id), st[Number(f.name)]]));
  const loc = new Map(p.location.map((l) => [String(l.id), fn.get(String(l.line[0]?.functionId))]));
  const self = new Map();
  let total = 0;
  const vi = p.sampleType.length - 1;
  for (const smp of p.sample) {
    const v = Number(smp.value[vi]);
    total += v;
    const leaf = loc.get(String(smp.locationId[0])) ?? '?';
    self.set(leaf, (self.get(leaf) ?? 0) + v);
  }
  return { top: [...self].sort((a, b) => b[1] - a[1]), total, comments: p.comment.map((i) => st[Number(i)]) };
};
const example = 'examples/deno/busy.ts';
const out = mkdtempSync(join(tmpdir(), 'wasmprof-deno-'));
try {
  const exampleEnv = { WASMPROF_EXAMPLE_IMPORT: pathToFileURL(join(root, 'sdk/index.ts')).href, WASMPROF_EXAMPLE_OUT: out, BUSY_MS: '1500' };
  const full = denoRun(['run', '--sloppy-imports', '--no-check', '--allow-sys', '--allow-read', `--allow-write=${out}`, '--allow-env', example], exampleEnv);
  const warnings = (full.stderr ?? '').split('\n').filter((l) => l.startsWith('wasmprof:'));
  check(full.status === 0, 'example: deno run with --allow-sys exits 0', `${full.status} ${full.stderr}`);
  check(warnings.length === 1 && /node:inspector/.test(warnings[0]), 'example: one warning line naming node:inspector', full.stderr);
  const files = existsSync(out) ? readdirSync(out) : [];
  const wallFile = files.find((f) => /^wall-\d+-\d+\.pb\.gz$/.test(f));
  const heapFile = files.find((f) => /^heap-\d+-\d+\.pb\.gz$/.test(f));
  check(wallFile !== undefined && heapFile !== undefined, 'example: wall and heap pprof files written', files.join(' '));
  if (wallFile) {
    let wall;
    try { wall = topFunctions(join(out, wallFile)); } catch (err) { wall = { top: [], total: 0, err }; }
    check(wall.top.length > 0, 'example: wall pprof decodes with pprof-format', String(wall.err ?? ''));
    check(wall.top[0]?.[0] === 'renderThumbnails', 'example: renderThumbnails on top of the wall profile', JSON.stringify(wall.top.slice(0, 5)));
    const share = (wall.top.find(([f]) => f === 'renderThumbnails')?.[1] ?? 0) / (wall.total || 1);
    check(share > 0.5 && share < 0.95, `example: renderThumbnails has ${(share * 100).toFixed(0)}% of wall time (the program spends ~75%)`);
    check((wall.comments ?? []).some((c) => /^wasmprof forks: .*detected by pid/.test(c)), 'example without --allow-ffi: forks detected by pid comparison (no addon), no extra warning',
      JSON.stringify(wall.comments));
  }
  if (heapFile) {
    let heap;
    try { heap = topFunctions(join(out, heapFile)); } catch (err) { heap = { top: [], total: 0, err }; }
    check(heap.top[0]?.[0] === 'cacheThumbnail', 'example: cacheThumbnail on top of the heap profile', JSON.stringify(heap.top.slice(0, 5)) + String(heap.err ?? ''));
  }

  const noSys = denoRun(['run', '--sloppy-imports', '--no-check', '--allow-read', `--allow-write=${out}`, '--allow-env', example], { ...exampleEnv, BUSY_MS: '200' });
  check(noSys.status === 0, 'example without --allow-sys: exits 0', `${noSys.status} ${noSys.stderr}`);
  const noSysWarnings = (noSys.stderr ?? '').split('\n').filter((l) => l.startsWith('wasmprof:'));
  check(noSysWarnings.length === 1 && /needs --allow-sys; profiling is OFF/.test(noSysWarnings[0]), 'example without --allow-sys: the one warning line says profiling is off', noSys.stderr);
  check(/^busy: /m.test(noSys.stdout ?? ''), 'example without --allow-sys: the program ran to its end', noSys.stdout);

  const regOut = join(out, 'registered');
  const reg = denoRun(['run', '--sloppy-imports', '--no-check', '--allow-sys', '--allow-read', `--allow-write=${out}`, '--allow-env', 'test/deno/registered.ts'],
    { WASMPROF_OUTPUT_DIR: regOut, WASMPROF_PROFILES: 'wall' });
  const regFile = existsSync(regOut) ? readdirSync(regOut).find((f) => /^wall-.*\.pb\.gz$/.test(f)) : undefined;
  let regTop;
  try { regTop = regFile && topFunctions(join(regOut, regFile)).top[0]?.[0]; } catch { regTop = undefined; }
  check(reg.status === 0 && regTop === 'registeredHotLoop', 'wasmprof/register under Deno writes the last period at exit, registeredHotLoop on top',
    `${reg.status} ${regFile} ${regTop} ${reg.stderr}`);

  const bare = denoRun(['run', '--sloppy-imports', '--no-check', 'test/deno/import-only.ts']);
  check(bare.status === 0 && /"start":"function"/.test(bare.stdout ?? ''), 'import of the SDK and the core with no permissions', `${bare.stdout} ${bare.stderr}`);

  const noEnv = denoRun(['run', '--sloppy-imports', '--no-check', '--allow-read', '--allow-sys', 'test/deno/no-env.ts'], { WASMPROF_PROFILES: 'bogus' });
  check(noEnv.status === 0 && /"wall":true/.test(noEnv.stdout ?? '') && /"profiles":\["wall"\]/.test(noEnv.stdout ?? ''),
    'start() without --allow-env: WASMPROF_* do not apply, code options do', `${noEnv.stdout} ${noEnv.stderr}`);

  const noFfi = denoRun(['run', '--sloppy-imports', '--no-check', '--allow-read', 'test/deno/fork-no-ffi.ts']);
  let fork;
  try { fork = JSON.parse(noFfi.stdout); } catch { fork = undefined; }
  check(noFfi.status === 0 && fork?.loaded === false && /--allow-ffi|not found/.test(fork.reason ?? '') && !fork.reason.includes('\n'),
    'fork addon without --allow-ffi: not loaded, one-line reason', `${noFfi.stdout} ${noFfi.stderr}`);
} finally {
  rmSync(out, { recursive: true, force: true });
}

console.log(`# deno: ${passed} passed, ${failed} failed`);
write({ passed, failed, skipped: 0 });
process.exit(failed === 0 ? 0 : 1);
