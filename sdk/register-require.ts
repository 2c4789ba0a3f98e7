// The entry of the preload's bundle (dist/register.cjs), which register-loader.ts runs through a
// V8 code cache for both preloads: `--require wasmprof/register.cjs` (mode "now": a CommonJS
// preload cannot wait) and `--import wasmprof/register` (mode "await", by top-level await in
// register.mjs). Loading it starts nothing; the loader calls preload().
export { DEFAULT_OUTPUT_DIR, preload } from './preload.js';
