// In-process native-heap profiling for a Node service that was launched with the preload
// (LD_PRELOAD=.../libwasmprof_heap.so WASMPROF_NATIVE_HEAP_DIR=<dir>): the aggregator runs in
// the service itself and drains its own ring (and those of its descendants that keep the
// environment). Minimal on purpose: it is separate from start() (see docs/native-heap.md).
import { readEnv } from '../config/env.js';
import { warnOnce } from '../runtime/report.js';
import { NativeHeapAggregator } from './aggregator.js';

export interface NativeHeapStartOptions {
  /** Ring directory; default WASMPROF_NATIVE_HEAP_DIR. */
  dir?: string;
  /** Profiles go here as native-heap-<pid>-<seq>.pb.gz; default WASMPROF_OUTPUT_DIR (none: only returned). */
  outputDir?: string;
  /** Period in ms (default 60000). */
  periodMs?: number;
  onProfile?: (gzipped: Uint8Array, seq: number) => void;
}

export interface NativeHeapProfiler {
  readonly aggregator: NativeHeapAggregator;
  /** Ends the period now: the gzipped native-heap profile. */
  collect(): Uint8Array;
  /** Writes the last profile and stops (leaves a snapshot for a successor, like any aggregator). */
  stop(): Uint8Array;
}

export async function startNativeHeap(options: NativeHeapStartOptions = {}): Promise<NativeHeapProfiler> {
  const dir = options.dir ?? readEnv('WASMPROF_NATIVE_HEAP_DIR');
  if (!dir) throw new Error('wasmprof native-heap: no ring directory: launch the process with the preload (WASMPROF_NATIVE_HEAP_DIR and LD_PRELOAD), e.g. through `wasmprof record --profiles native-heap`, or pass dir');
  if (!(readEnv('LD_PRELOAD') ?? '').includes('libwasmprof_heap')) warnOnce('native-heap preload', 'wasmprof native-heap: libwasmprof_heap.so is not in LD_PRELOAD: only rings of other processes will be read');
  const outputDir = options.outputDir ?? readEnv('WASMPROF_OUTPUT_DIR');
  const aggregator = await NativeHeapAggregator.start({
    dir, periodMs: options.periodMs ?? 60_000, drainMs: 50,
    ...(outputDir ? { outputDir } : {}), ...(options.onProfile ? { onProfile: options.onProfile } : {}),
  });
  return {
    aggregator,
    collect: () => aggregator.writeProfile(),
    stop: () => {
      const last = aggregator.writeProfile();
      aggregator.stop();
      return last;
    },
  };
}
