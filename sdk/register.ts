// `node --import wasmprof/register app.js`: profiles the program from its first line; see
// preload.ts for the settings, the exit and signal paths, and the CommonJS variant
// (`node --require wasmprof/register.cjs app.js`).
import { preload } from './preload.js';

export { DEFAULT_OUTPUT_DIR } from './preload.js';

await preload('await');
