// Profiles on demand, next to the continuous periods and without touching them (pull mode:
// wasmprof/http's /debug/pprof/profile?seconds=N, /debug/pprof/heap and /debug/pprof/allocs):
//   window  a CPU profile of its own, in an inspector source of its own: V8 runs several CPU profiles
//           of one isolate side by side, so the periods' profile (native bridge or inspector)
//           goes on undisturbed; stopping it costs one inspector stall, paid only on request;
//   heap    the running heap source's current profile (reading it ends nothing);
//   allocs  the same with the allocations since the period began, or of a window of N seconds
//           between two marks of the heap source (neither ends the period's own count).
// Each one goes through a core of its own (ingest → build → gzip), so nothing is added to the
// period in progress.
import { Core } from '../core/core.js';
import { FrameInterner } from '../ingest/frames.js';
import { ingestCpuProfile, profileUrls } from '../ingest/cpu.js';
import { heapUrls, ingestHeapProfile } from '../ingest/heap.js';
import { SourceMapResolver } from '../ingest/source-maps.js';
import { buildProfile } from '../pprof/build.js';
import { encodeGzip } from '../pprof/gzip.js';
import { wallNanos } from '../runtime/node.js';
import { InspectorCpuSource } from '../sources/inspector.js';
import type { AllocationMark, HeapSource } from '../sources/types.js';
import { labelHandles } from './label-handles.js';
import type { ResolvedOptions } from './options.js';

async function build(options: ResolvedOptions, feed: (core: Core, frames: FrameInterner, handles: ReturnType<typeof labelHandles>) => void,
  type: 'wall' | 'heap', timeNanos: number, durationNanos: number, urls: Set<string>, comments: string[], allocations = false): Promise<Uint8Array> {
  const core = await Core.create({ frameCacheCapacity: options.frameCacheCapacity });
  const maps = options.sourceMaps ? new SourceMapResolver() : undefined;
  if (maps) await maps.prepare(urls);
  const frames = new FrameInterner(core, maps);
  core.startSampling();
  feed(core, frames, labelHandles(core, options.labels));
  const profile = buildProfile({
    tables: core.tables(), type, timeNanos, durationNanos, comments,
    period: type === 'heap' ? options.heapIntervalBytes : options.intervalMicros * 1000, allocations,
  });
  return encodeGzip(profile);
}

/** Resolves after `seconds`, or as soon as `signal` aborts. */
function waitFor(seconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((done) => {
    const timer = setTimeout(finish, seconds * 1000);
    function finish(): void { clearTimeout(timer); signal?.removeEventListener('abort', finish); done(); }
    if (signal?.aborted) finish();
    else signal?.addEventListener('abort', finish, { once: true });
  });
}

/** A wall profile of the next `seconds` (sooner when `signal` aborts), gzipped pprof. */
export async function profileWindow(options: ResolvedOptions, seconds: number, signal?: AbortSignal): Promise<Uint8Array> {
  // The inspector source's own session, next to whichever source the periods use; its start()
  // takes the full GC a new CPU profiler needs (on-stack-replacement code it would not know).
  const source = new InspectorCpuSource();
  const startNanos = wallNanos();
  await source.start(options.intervalMicros);
  await waitFor(seconds, signal);
  const p = await source.stop();
  const endNanos = wallNanos();
  return build(options, (core, frames, handles) => { ingestCpuProfile(core, frames, p, undefined, handles, undefined); },
    'wall', startNanos, endNanos - startNanos, profileUrls(p.nodes), [`wasmprof: on-demand window of ${seconds}s interval=${options.intervalMicros}us`]);
}

/** The heap in use now, from the running heap source, gzipped pprof. */
export async function heapNow(options: ResolvedOptions, heap: HeapSource): Promise<Uint8Array> {
  // peek(): a source that counts allocations would end the period's window on profile().
  const p = await (heap.peek ? heap.peek() : heap.profile());
  p.allocations = false;
  const now = wallNanos();
  return build(options, (core, frames, handles) => { ingestHeapProfile(core, frames, p, options.heapIntervalBytes, handles.handle(undefined)); },
    'heap', now, 0, heapUrls(p), ['wasmprof: on-demand heap profile (in use now)']);
}

/** The heap with its allocations: those of the next `seconds`, or since the period began. */
export async function allocsNow(options: ResolvedOptions, heap: HeapSource, seconds?: number, signal?: AbortSignal): Promise<Uint8Array> {
  if (!heap.peek || !heap.allocationMark) throw new Error('wasmprof: this heap source does not count allocations');
  let since: AllocationMark | undefined;
  let startNanos = wallNanos();
  if (seconds !== undefined) {
    since = heap.allocationMark();
    startNanos = wallNanos();
    await waitFor(seconds, signal);
  }
  const p = await heap.peek(since);
  if (!p.allocations) throw new Error('wasmprof: this heap source does not count allocations');
  const endNanos = wallNanos();
  const what = seconds !== undefined ? `a window of ${seconds}s` : 'the current period so far';
  return build(options, (core, frames, handles) => { ingestHeapProfile(core, frames, p, options.heapIntervalBytes, handles.handle(undefined)); },
    'heap', startNanos, seconds !== undefined ? endNanos - startNanos : 0, heapUrls(p),
    [`wasmprof: on-demand allocation profile (${what}) interval=${options.heapIntervalBytes}B`, ...(p.notes ?? [])], true);
}
