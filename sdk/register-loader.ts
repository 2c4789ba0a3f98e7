// The entry of dist/register-loader.cjs, which both preload shims require (register.cjs for
// `--require`, register.mjs for `--import` in Node): runs the preload's bundle
// (dist/register.cjs) through a V8 code cache (preload-loader.ts) and starts it.
import { fileURLToPath } from 'node:url';
import { loadPreload } from './preload-loader.js';

interface PreloadBundle {
  DEFAULT_OUTPUT_DIR: string;
  preload(mode: 'await' | 'now'): Promise<void>;
}

export interface Registered {
  DEFAULT_OUTPUT_DIR: string;
  /** Settles once the profiler runs (or said why it does not); never rejects. */
  started: Promise<void>;
}

/** Loads the bundle and starts profiling this process ("now": see preload.ts). */
export function register(mode: 'await' | 'now'): Registered {
  const { exports, saveCacheAtExit } = loadPreload(fileURLToPath(new URL('../register.cjs', import.meta.url)));
  const bundle = exports as PreloadBundle;
  const started = bundle.preload(mode);
  // The cache is written after the profiler's own exit listener (installed when the start
  // settles), so that the exit path is compiled when the cache is made.
  const save = (): void => { setImmediate(saveCacheAtExit); };
  started.then(save, save);
  return { DEFAULT_OUTPUT_DIR: bundle.DEFAULT_OUTPUT_DIR, started };
}
