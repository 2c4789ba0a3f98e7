// Runs the core's shared cases under Deno (from the npm package `deno`) and writes
// test-results/deno.json ({ passed, failed, skipped }) for test/run-all.mjs.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));
mkdirSync(join(root, 'test-results'), { recursive: true });
const write = (r) => writeFileSync(join(root, 'test-results/deno.json'), JSON.stringify(r) + '\n');

let deno;
try {
  deno = join(dirname(createRequire(import.meta.url).resolve('deno/package.json')), 'bin.cjs');
} catch {
  console.log('not ok - deno not installed (npm ci installs the `deno` devDependency)');
  write({ passed: 0, failed: 1, skipped: 0 });
  process.exit(1);
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
