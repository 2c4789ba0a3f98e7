// The entry of dist/register-loader.cjs, which `wasmprof/register.cjs` requires: the preload's
// bundle (dist/register.cjs) run through a V8 code cache (preload-loader.ts).
import { fileURLToPath } from 'node:url';
import { loadPreload } from './preload-loader.js';

loadPreload(fileURLToPath(new URL('../register.cjs', import.meta.url)));
