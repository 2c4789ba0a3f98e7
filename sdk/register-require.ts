// The CommonJS preload's module (`node --require wasmprof/register.cjs app.js` loads it with
// require(), so it has no top-level await): starts profiling before the main module runs.
import { preload } from './preload.js';

void preload('now');
