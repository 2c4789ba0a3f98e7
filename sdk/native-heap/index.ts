// Native heap profiling: the LD_PRELOAD hooks (native-bridge/heap) write sampled allocation
// events into per-process rings; the aggregator here turns them into `native-heap` profiles.
import { binaryCandidates, missingBinary } from '../runtime/addon-files.js';

export { NativeHeapAggregator, SNAPSHOT_FILE, type NativeHeapAggregatorOptions, type NativeHeapStats, type OwnerReport } from './aggregator.js';
export { RingReader, RingFormatError, type RingEvent, type RingCounters } from './ring.js';
export { Symbolizer, parseMaps, type Mapping } from './symbols.js';
export { buildNativeHeapProfile, sampleWeight } from '../pprof/native-heap.js';
export { startNativeHeap, type NativeHeapStartOptions, type NativeHeapProfiler } from './in-process.js';

/** Path of libwasmprof_heap.so (a build from source, else the package's prebuild), or
 *  undefined when neither exists. */
export function preloadLibraryPath(): string | undefined {
  return binaryCandidates('heap')[0]?.path;
}

/**
 * Node's 'exit' event → the preload's exit mark (an access() of <dir>/.exit-<code>, which the
 * preload watches): Node frees every Buffer while it tears its heap down after that event, and
 * what a program held at exit is what it held before the teardown. Main thread only (a worker's
 * exit is not the process's). A data: URL, so it needs no file of its own; no spaces, because
 * NODE_OPTIONS splits on them.
 */
export const NODE_EXIT_MARK = "--import=data:text/javascript,import{accessSync}from'node:fs';import{isMainThread}from'node:worker_threads';const%20d=process.env.WASMPROF_NATIVE_HEAP_DIR;if(isMainThread&&d)process.on('exit',(c)=>{try{accessSync(d+'/.exit-'+((Number(c)||0)&255))}catch{}})";

/** Environment for a target: LD_PRELOAD (appended to any existing one), the ring directory, and
 *  for Node targets the exit mark in NODE_OPTIONS (ignored by anything else). */
export function targetEnv(dir: string, base: NodeJS.ProcessEnv = process.env, interval?: number): Record<string, string> {
  const lib = preloadLibraryPath();
  if (!lib) {
    const u = missingBinary('heap', 'heap preload library (libwasmprof_heap.so)');
    throw new Error(`wasmprof native-heap: ${u.why}; fix: ${u.fix}`);
  }
  const env: Record<string, string> = {
    LD_PRELOAD: [base.LD_PRELOAD, lib].filter((s) => s).join(':'),
    WASMPROF_NATIVE_HEAP_DIR: dir,
    NODE_OPTIONS: [base.NODE_OPTIONS?.trim(), NODE_EXIT_MARK].filter((s) => s).join(' '),
  };
  if (interval !== undefined) env.WASMPROF_NATIVE_HEAP_INTERVAL = String(interval);
  return env;
}
