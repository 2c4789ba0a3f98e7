// Runs the core's shared test cases (test/core-cases) in headless Chromium: bundles them with
// esbuild, serves the page from an intercepted origin (no network, no server), prints one
// line per case and a summary, and writes test-results/chromium-core.json for test/run-all.mjs.
// Usage: node test/browser/run.mjs [--only SUBSTRING]
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { readFileSync, readdirSync, mkdirSync, writeFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.WASMPROF_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

function summary(result) {
  mkdirSync(join(root, 'test-results'), { recursive: true });
  writeFileSync(join(root, 'test-results', 'chromium-core.json'), JSON.stringify(result, null, 2) + '\n');
}

if (!existsSync(CHROMIUM)) {
  console.log(`not ok - chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  summary({ passed: 0, failed: 1, skipped: 0, cases: [] });
  process.exit(1);
}

const bundle = await build({
  entryPoints: [join(root, 'test/browser/core-entry.ts')],
  bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false,
  external: ['node:*'], logLevel: 'error',
});
const files = {
  'core.wasm': readFileSync(join(root, 'build/core.wasm')).toString('base64'),
  'core.debug.wasm': readFileSync(join(root, 'build/core.debug.wasm')).toString('base64'),
};
for (const f of readdirSync(join(root, 'test/fixtures'))) {
  if (f.endsWith('.bin')) files[`fixtures/${f}`] = readFileSync(join(root, 'test/fixtures', f)).toString('base64');
}

const userDir = mkdtempSync(join(tmpdir(), 'wasmprof-chromium-'));
const browser = await chromium.launchPersistentContext(userDir, { executablePath: CHROMIUM, args: FLAGS, headless: true });
let exitCode = 0;
try {
  const page = browser.pages()[0] ?? await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route('http://wasmprof.test/**', (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/') return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>wasmprof core tests</title><script type="module" src="/cases.js"></script>' });
    if (url.pathname === '/cases.js') return route.fulfill({ contentType: 'text/javascript', body: bundle.outputFiles[0].text });
    return route.fulfill({ status: 404, body: 'not found' });
  });
  await page.goto('http://wasmprof.test/');
  await page.waitForFunction(() => typeof globalThis.runCoreCases === 'function', undefined, { timeout: 30_000 });
  const version = browser.browser()?.version() ?? 'unknown';
  const results = await page.evaluate(([f, o]) => globalThis.runCoreCases(f, o), [files, only]);
  console.log(`# core cases in headless Chromium ${version}`);
  let passed = 0, failed = 0;
  results.forEach((r, i) => {
    console.log(`${r.ok ? 'ok' : 'not ok'} ${i + 1} - ${r.name} (${r.assertions} assertions, ${r.ms.toFixed(0)} ms)`);
    if (!r.ok) console.log(`  # ${r.error.split('\n').slice(0, 6).join('\n  # ')}`);
    passed += r.ok ? r.assertions : Math.max(0, r.assertions - 1);
    failed += r.ok ? 0 : 1;
  });
  for (const e of errors) { console.log(`not ok - page error: ${e}`); failed++; }
  if (results.length === 0) { console.log('not ok - no case ran'); failed++; }
  console.log(`# chromium: ${results.filter((r) => r.ok).length}/${results.length} cases, ${passed} assertions passed, ${failed} failed`);
  summary({ passed, failed, skipped: 0, cases: results.map(({ name, ok, assertions, ms }) => ({ name, ok, assertions, ms })) });
  exitCode = failed === 0 ? 0 : 1;
} catch (err) {
  console.log(`not ok - chromium run failed: ${err instanceof Error ? err.message : String(err)}`);
  summary({ passed: 0, failed: 1, skipped: 0, cases: [] });
  exitCode = 1;
} finally {
  await browser.close();
  rmSync(userDir, { recursive: true, force: true });
}
process.exit(exitCode);
