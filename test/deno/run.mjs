// Runs the core's shared cases under Deno (from the npm package `deno`) and writes
// test-results/deno.json ({ passed, failed, skipped }) for test/run-all.mjs.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));
mkdirSync(join(root, 'test-results'), { recursive: true });
const write = (r) => writeFileSync(join(root, 'test-results/deno.json'), JSON.stringify(r) + '\n');

// Deno comes from the npm package `deno`. It is not a devDependency: this registry serves only
// the linux-x64 build of its per-platform packages, and `npm ci` then refuses a lockfile that
// lacks the others. So it is installed on first use into a cache folder (registry only).
const DENO_VERSION = '2.9.6';
const cacheDir = join(root, 'node_modules/.cache/wasmprof/deno');
let deno = join(cacheDir, 'node_modules/deno/bin.cjs');
if (!existsSync(deno)) {
  try {
    deno = join(dirname(createRequire(import.meta.url).resolve('deno/package.json')), 'bin.cjs');
  } catch {
    mkdirSync(cacheDir, { recursive: true });
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const inst = spawnSync(npm, ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', cacheDir, `deno@${DENO_VERSION}`], { encoding: 'utf8' });
    deno = join(cacheDir, 'node_modules/deno/bin.cjs');
    if (inst.status !== 0 || !existsSync(deno)) {
      console.log(`not ok - could not install deno@${DENO_VERSION} from the npm registry: ${(inst.stderr || '').trim().split('\n').pop()}`);
      write({ passed: 0, failed: 1, skipped: 0 });
      process.exit(1);
    }
  }
}
rmSync(join(root, 'test-results/deno-assertions.json'), { force: true });
const r = spawnSync(process.execPath, [deno, 'test', '--sloppy-imports', '--allow-read', '--allow-write=test-results', '--allow-env', '--no-check', 'test/deno/core.deno.ts'], {
  cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
});
process.stdout.write(r.stdout ?? '');
process.stderr.write(r.stderr ?? '');
// Deno's closing line: "ok | 46 passed | 0 failed (3s)" or "FAILED | 45 passed | 1 failed (3s)".
const m = /(\d+) passed[^|]*\| (\d+) failed/.exec(r.stdout ?? '');
const casesPassed = m ? Number(m[1]) : 0, casesFailed = m ? Number(m[2]) : 1;
let assertions = casesPassed;
try { assertions = JSON.parse(readFileSync(join(root, 'test-results/deno-assertions.json'), 'utf8')).assertions; } catch { /* fewer details */ }
const failed = r.status === 0 ? casesFailed : Math.max(1, casesFailed);
console.log(`# deno: ${casesPassed} cases passed, ${casesFailed} failed (${assertions} assertions)`);
write({ passed: failed === 0 ? assertions : casesPassed, failed, skipped: 0 });
process.exit(failed === 0 ? 0 : 1);
