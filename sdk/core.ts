// The public face of the WebAssembly core (`wasmprof/core`): the Core class and what comes with it,
// re-exported from sdk/core/. Nothing inside sdk/ imports this file (they import sdk/core/ directly),
// so the root of sdk/ stays on top of the folders it exposes.
export * from './core/core.js';
export { RecyclingCore, recycleCore, DEFAULT_HIGH_WATER_BYTES, type RecycleReport, type RecyclingOptions } from './core/recycle.js';
