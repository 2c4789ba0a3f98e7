// The test command behind `npm test`: every suite, each with its own count, then one plain
// totals line over all of them (CI reads that line; it cannot read tap's summary).
//   Node   — tap over test/**/*.test.ts (core cases, profiler, viewer, native bridge)
//   Chromium — the core's shared cases in headless Chromium (test/browser/run.mjs)
//   Deno   — the core's shared cases under `deno test`, when test/deno exists
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';

const root = fileURLToPath(new URL('../', import.meta.url));
mkdirSync(join(root, 'test-results'), { recursive: true });

/** Runs a command, streaming its output, and returns { code, output }. */
function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const tee = (stream, out) => stream.on('data', (d) => { output += d; out.write(d); });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
    child.on('error', (err) => resolve({ code: 127, output: String(err) }));
  });
}

/** tap's closing summary: "# { total: N, pass: N, fail: N, skip: N, todo: N }". */
function tapCounts(output) {
  const lines = output.split('\n').filter((l) => /^# \{ total: /.test(l.trim()));
  const last = lines.at(-1);
  if (!last) return undefined;
  const get = (k) => Number(new RegExp(`${k}: (\\d+)`).exec(last)?.[1] ?? 0);
  return { passed: get('pass'), failed: get('fail'), skipped: get('skip') + get('todo') };
}

const suites = [];
// Deno first, so that the Node suite's Deno checks (exporters under Deno) run instead of skipping.
if (existsSync(join(root, 'test/deno/install-deno.mjs'))) await run(process.execPath, [join(root, 'test/deno/install-deno.mjs')]);
const require = createRequire(import.meta.url);
const tapBin = join(dirname(require.resolve('tap/package.json')), JSON.parse(readFileSync(require.resolve('tap/package.json'), 'utf8')).bin.tap);
const node = await run(process.execPath, [tapBin], { FORCE_COLOR: '0' });
const nodeCounts = tapCounts(node.output) ?? { passed: 0, failed: 1, skipped: 0 };
if (node.code !== 0 && nodeCounts.failed === 0) nodeCounts.failed = 1; // tap failed without a count (crash, timeout)
suites.push(['node', nodeCounts]);

const chromium = await run(process.execPath, [join(root, 'test/browser/run.mjs')]);
let chromiumCounts = { passed: 0, failed: 1, skipped: 0 };
try { chromiumCounts = JSON.parse(readFileSync(join(root, 'test-results/chromium-core.json'), 'utf8')); } catch { /* counted as a failure */ }
if (chromium.code !== 0 && chromiumCounts.failed === 0) chromiumCounts.failed = 1;
suites.push(['chromium', chromiumCounts]);

if (existsSync(join(root, 'test/deno/run.mjs'))) {
  const deno = await run(process.execPath, [join(root, 'test/deno/run.mjs')]);
  let denoCounts = { passed: 0, failed: 1, skipped: 0 };
  try { denoCounts = JSON.parse(readFileSync(join(root, 'test-results/deno.json'), 'utf8')); } catch { /* counted as a failure */ }
  if (deno.code !== 0 && denoCounts.failed === 0) denoCounts.failed = 1;
  suites.push(['deno', denoCounts]);
}

const total = { passed: 0, failed: 0, skipped: 0 };
console.log('');
for (const [name, c] of suites) {
  console.log(`# ${name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  total.passed += c.passed; total.failed += c.failed; total.skipped += c.skipped;
}
const line = `${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`;
writeFileSync(join(root, 'test-results/totals.txt'), line + '\n');
console.log(line);
process.exit(total.failed === 0 ? 0 : 1);
