// `npm run prebuild` (and `prepack`): compiles the native bridge for every supported Node release
// (native-bridge/releases.json) into prebuilds/<platform>/, which the npm package ships, so
// that installing wasmprof needs no install script and no compiler:
//   wasmprof_v8.abi<N>.node   the V8 bridge, one per NODE_MODULE_VERSION, built against that
//                             release's own headers and with its own node binary running node-gyp
//   wasmprof_fork.node        the atfork counters: Node-API, one build for every release
//   libwasmprof_heap.so       the LD_PRELOAD hooks: plain C, one build
//   manifest.json             what was built, from which release, with which compiler
// Any failure fails the command (a package must not ship with a release missing).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileAddon, compilePreload, here } from './compile.mjs';
import { nodeRelease, supportedReleases } from './node-releases.mjs';

const { platform, releases } = supportedReleases();
const out = join(here, '..', 'prebuilds', platform);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const started = Date.now();
const prefixes = new Map(releases.map((r) => [r.version, nodeRelease(r.version)]));
const jobs = releases.map((r) => ({ label: `v8 for Node ${r.version} (ABI ${r.abi})`, name: 'v8', release: r, outFile: join(out, `wasmprof_v8.abi${r.abi}.node`) }));
// Node-API: built once, against the oldest supported release's headers, so it loads on all.
jobs.push({ label: 'fork (Node-API)', name: 'fork', release: releases[0], outFile: join(out, 'wasmprof_fork.node') });

const failures = [];
async function worker() {
  for (let job = jobs.shift(); job; job = jobs.shift()) {
    const prefix = prefixes.get(job.release.version);
    const t0 = Date.now();
    const r = await compileAddon(job.name, { prefix, nodeExec: join(prefix, 'bin', 'node'), outFile: job.outFile });
    console.log(`prebuild: ${job.label}: ${r.ok ? 'ok' : `FAILED: ${r.reason}`} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    if (!r.ok) failures.push(`${job.label}: ${r.reason}`);
  }
}
await Promise.all([worker(), worker()]);
const heap = compilePreload(out);
console.log(`prebuild: heap preload: ${heap.ok ? 'ok' : `FAILED: ${heap.reason}`}`);
if (!heap.ok) failures.push(`heap preload: ${heap.reason}`);

if (failures.length > 0) {
  console.error(`prebuild: ${failures.length} failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
let compiler = 'unknown';
try { compiler = execFileSync('c++', ['--version'], { encoding: 'utf8' }).split('\n')[0]; } catch { /* reported as unknown */ }
writeFileSync(join(out, 'manifest.json'), JSON.stringify({
  platform,
  compiler,
  v8: releases.map((r) => ({ node: r.version, abi: r.abi, file: `wasmprof_v8.abi${r.abi}.node` })),
  fork: { file: 'wasmprof_fork.node', napiVersion: 8, builtWith: releases[0].version },
  heap: { file: 'libwasmprof_heap.so' },
}, null, 2) + '\n');
console.log(`prebuild: ${releases.length + 2} binaries in ${out} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
