// `node --import wasmprof/register app.js` in Node: the same bundle as `--require
// wasmprof/register.cjs`, required from here so that it runs through the V8 code cache (V8 has
// none for ES modules: the ES module bundle compiled ~30 ms of code at every start), and awaited,
// so that the program's first line is profiled whichever source starts. Deno resolves
// `wasmprof/register` to the ES module bundle (package.json, condition "deno"); should it come
// here all the same, it goes there too (the CommonJS preload loads a Node addon).
let registered;
if (typeof globalThis.Deno === 'object') {
  registered = await import('./dist/bundle/register.mjs');
} else {
  const { createRequire } = process.getBuiltinModule('node:module');
  registered = createRequire(import.meta.url)('./dist/register-loader.cjs').register('await');
  await registered.started;
}
export const DEFAULT_OUTPUT_DIR = registered.DEFAULT_OUTPUT_DIR;
