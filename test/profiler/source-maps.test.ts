// Source maps: a TypeScript fixture compiled two ways — by tsc (a .js.map file next to the output;
// lines shift because types disappear) and by esbuild, bundled and minified with an inline map
// (names become single letters) — must show the original names, file and lines in the profile.
import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import ts from 'typescript';
import { start } from '../../sdk/index.js';
import { SourceMapResolver } from '../../sdk/ingest/source-maps.js';
import { decode, FIXTURES, lineOf, scratch, total } from './helpers.js';

const TS_FILE = join(FIXTURES, 'ts-burn.ts');
const tsSource = readFileSync(TS_FILE, 'utf8');
const HEAVY_LINE = lineOf(TS_FILE, 'export function typedHeavyWork(', tsSource);
const LIGHT_LINE = lineOf(TS_FILE, 'export function typedLightWork(', tsSource);
const { dir, cleanup } = scratch('sourcemaps');
t.teardown(cleanup);

type Mix = { typedMix: (ms: number) => number };

async function profileModule(path: string, sourceMaps = true) {
  const mod = (await import(pathToFileURL(path).href)) as Mix;
  const profiler = await start({ profiles: ['wall'], interval: '1ms', source: 'inspector', sourceMaps, env: {} });
  mod.typedMix(600);
  return decode((await profiler.stop()).wall!);
}

t.test('tsc output with a .js.map file', async (t) => {
  const out = ts.transpileModule(tsSource, {
    fileName: 'ts-burn.ts',
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, sourceMap: true },
  });
  const sub = join(dir, 'tsc');
  mkdirSync(sub);
  const js = join(sub, 'ts-burn.mjs');
  writeFileSync(js, out.outputText.replace('//# sourceMappingURL=ts-burn.js.map', '//# sourceMappingURL=ts-burn.mjs.map'));
  const map = JSON.parse(out.sourceMapText!) as { sources: string[] };
  map.sources = [TS_FILE]; // the original lives in the fixtures folder
  writeFileSync(join(sub, 'ts-burn.mjs.map'), JSON.stringify(map));
  const jsLine = lineOf(js, 'export function typedHeavyWork(', out.outputText);
  t.ok(jsLine < HEAVY_LINE, `the compiled line (${jsLine}) differs from the original (${HEAVY_LINE})`);

  const wall = await profileModule(js);
  const heavy = wall.samples.find((s) => s.stack[0].name === 'typedHeavyWork')?.stack[0];
  t.same(heavy, { name: 'typedHeavyWork', file: TS_FILE, line: HEAVY_LINE }, 'original file and line');
  const light = wall.samples.find((s) => s.stack[0].name === 'typedLightWork')?.stack[0];
  t.same(light, { name: 'typedLightWork', file: TS_FILE, line: LIGHT_LINE });
  t.ok(total(wall, 'typedHeavyWork', 1) > total(wall, 'typedLightWork', 1) * 1.5, 'the 3:1 split is visible');
});

t.test('esbuild bundle, minified, with an inline map: original names come back', async (t) => {
  const sub = join(dir, 'esbuild');
  mkdirSync(sub);
  const js = join(sub, 'bundle.mjs');
  buildSync({ entryPoints: [TS_FILE], bundle: true, minify: true, format: 'esm', sourcemap: 'inline', outfile: js, logLevel: 'silent' });
  t.notMatch(readFileSync(js, 'utf8'), /function typedHeavyWork/, 'the bundle renamed the functions');

  const wall = await profileModule(js);
  const heavy = wall.samples.find((s) => s.stack[0].name === 'typedHeavyWork')?.stack[0];
  t.same(heavy, { name: 'typedHeavyWork', file: TS_FILE, line: HEAVY_LINE }, 'name, file and line from the map');
  t.ok(wall.samples.some((s) => s.stack[0].name === 'typedLightWork' && s.stack[0].line === LIGHT_LINE));
  t.ok(wall.samples.some((s) => s.stack.some((f) => f.name === 'typedMix')), 'the caller too');
});

t.test('sourceMaps: false shows the generated code', async (t) => {
  const js = join(dir, 'esbuild', 'bundle.mjs');
  const wall = await profileModule(js, false);
  t.notOk(wall.samples.some((s) => s.stack[0].name === 'typedHeavyWork'), 'minified names stay');
  t.ok(wall.samples.some((s) => s.stack[0].file === js), 'frames point at the bundle');
});

t.test('resolver: scripts without a map, unreadable maps, node: URLs', async (t) => {
  const r = new SourceMapResolver();
  const plain = join(dir, 'plain.mjs');
  writeFileSync(plain, 'export const x = 1;\n');
  const broken = join(dir, 'broken.mjs');
  writeFileSync(broken, 'export const y = 2;\n//# sourceMappingURL=broken.mjs.map\n');
  writeFileSync(join(dir, 'broken.mjs.map'), '{ not json');
  const missing = join(dir, 'missing.mjs');
  writeFileSync(missing, 'export const z = 3;\n//# sourceMappingURL=nowhere.map\n');
  await r.prepare([pathToFileURL(plain).href, pathToFileURL(broken).href, missing, 'node:internal/timers', '', 'https://example.invalid/x.js']);
  t.equal(r.resolve(pathToFileURL(plain).href, 0, 0), undefined);
  t.equal(r.resolve(pathToFileURL(broken).href, 0, 0), undefined);
  t.equal(r.resolve(missing, 0, 0), undefined);
  t.equal(r.stats.failed, 1, 'the unreadable map is counted');
  t.ok(r.has('node:internal/timers'), 'non-file URLs are remembered as having no map');
  r.prepareSync([join(dir, 'esbuild', 'bundle.mjs')]);
  t.ok(r.has(join(dir, 'esbuild', 'bundle.mjs')), 'sync loading for exit handlers');
  t.equal(r.stats.loaded, 1);
});

t.test("wasmprof's own files are not read for maps: the SDK's modules and the CommonJS preload", async (t) => {
  const root = new URL('../../', import.meta.url);
  const own = [
    new URL('sdk/ingest/cpu.ts', root).href,
    fileURLToPath(new URL('register.cjs', root)),
  ];
  const r = new SourceMapResolver();
  r.prepareSync(own);
  t.ok(own.every((u) => r.has(u)), 'answered');
  t.equal(r.stats.missing, 0, 'without looking for a map (a read finds none and counts it missing)');
  // The compiled SDK, as the bundle uses it: dist/register.cjs is the preload that runs in every
  // process, and it is named by its path in CPU profiles.
  const dist = fileURLToPath(new URL('dist/sdk/ingest/source-maps.js', root));
  const compiled = (await import(pathToFileURL(dist).href)) as { SourceMapResolver: typeof SourceMapResolver };
  const c = new compiled.SourceMapResolver();
  const bundle = [fileURLToPath(new URL('dist/register.cjs', root)), new URL('dist/register.cjs', root).href, new URL('dist/sdk/index.js', root).href];
  c.prepareSync(bundle);
  t.equal(c.stats.missing, 0, 'dist/register.cjs and dist/sdk are own files');
  c.prepareSync([fileURLToPath(new URL('bench/fixtures/empty.cjs', root))]);
  t.equal(c.stats.missing, 1, "another package file is the program's: looked at");
});
