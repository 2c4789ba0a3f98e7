// Native heap profiling: the LD_PRELOAD hooks (native-bridge/heap) write sampled allocation
// events into per-process rings; the aggregator here turns them into `native-heap` profiles.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export { NativeHeapAggregator, SNAPSHOT_FILE, type NativeHeapAggregatorOptions, type NativeHeapStats, type OwnerReport } from './aggregator.js';
export { RingReader, RingFormatError, type RingEvent, type RingCounters } from './ring.js';
export { Symbolizer, parseMaps, type Mapping } from './symbols.js';
export { buildNativeHeapProfile, sampleWeight } from './pprof.js';
export { startNativeHeap, type NativeHeapStartOptions, type NativeHeapProfiler } from './in-process.js';

/** Path of libwasmprof_heap.so (built by `npm run build:native`), or undefined when it is missing. */
export function preloadLibraryPath(): string | undefined {
  for (const rel of ['../../native-bridge/heap/build/libwasmprof_heap.so', '../../../native-bridge/heap/build/libwasmprof_heap.so']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Environment for a target: LD_PRELOAD (appended to any existing one) and the ring directory. */
export function targetEnv(dir: string, base: NodeJS.ProcessEnv = process.env, interval?: number): Record<string, string> {
  const lib = preloadLibraryPath();
  if (!lib) throw new Error('wasmprof native-heap: native-bridge/heap/build/libwasmprof_heap.so is missing (run `npm run build:native`)');
  const env: Record<string, string> = {
    LD_PRELOAD: [base.LD_PRELOAD, lib].filter((s) => s).join(':'),
    WASMPROF_NATIVE_HEAP_DIR: dir,
  };
  if (interval !== undefined) env.WASMPROF_NATIVE_HEAP_INTERVAL = String(interval);
  return env;
}
