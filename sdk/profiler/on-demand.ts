// Profiles on demand, next to the continuous periods and without touching them (pull mode:
// wasmprof/http's /debug/pprof/profile?seconds=N and /debug/pprof/heap):
//   window  a CPU profile of its own, in a second inspector session: V8 runs several CPU profiles
//           of one isolate side by side, so the periods' profile (native bridge or inspector)
//           goes on undisturbed; stopping it costs one inspector stall, paid only on request;
//   heap    the running heap source's current profile (reading it ends nothing).
// Each one goes through a core of its own (ingest → build → gzip), so nothing is added to the
// period in progress.
import { Core } from '../core/core.js';
import { FrameInterner } from '../ingest/frames.js';
import { ingestCpuProfile } from '../ingest/cpu.js';
import { ingestHeapProfile } from '../ingest/heap.js';
import { SourceMapResolver } from '../ingest/source-maps.js';
import { buildProfile } from '../pprof/build.js';
import { encodeGzip } from '../pprof/gzip.js';
import { wallNanos } from '../runtime/node.js';
import { fullGc, InspectorSession } from '../sources/inspector.js';
import type { HeapSource, RawCpuProfile, RawHeapProfile } from '../sources/types.js';
import { labelHandles } from './label-handles.js';
import type { ResolvedOptions } from './options.js';

async function build(options: ResolvedOptions, feed: (core: Core, frames: FrameInterner, handles: ReturnType<typeof labelHandles>) => void,
  type: 'wall' | 'heap', timeNanos: number, durationNanos: number, urls: Set<string>, comment: string): Promise<Uint8Array> {
  const core = await Core.create({ frameCacheCapacity: options.frameCacheCapacity });
  const maps = options.sourceMaps ? new SourceMapResolver() : undefined;
  if (maps) await maps.prepare(urls);
  const frames = new FrameInterner(core, maps);
  core.startSampling();
  feed(core, frames, labelHandles(core, options.labels));
  const profile = buildProfile({
    tables: core.tables(), type, timeNanos, durationNanos, comments: [comment],
    period: type === 'heap' ? options.heapIntervalBytes : options.intervalMicros * 1000,
  });
  return encodeGzip(profile);
}

function cpuUrls(p: RawCpuProfile): Set<string> {
  return new Set(p.nodes.map((n) => n.callFrame.url).filter((u) => u !== ''));
}

function heapUrls(p: RawHeapProfile): Set<string> {
  const urls = new Set<string>();
  const todo = [p.head];
  while (todo.length > 0) {
    const n = todo.pop()!;
    if (n.callFrame.url !== '') urls.add(n.callFrame.url);
    todo.push(...n.children);
  }
  return urls;
}

/** A wall profile of the next `seconds` (sooner when `signal` aborts), gzipped pprof. */
export async function profileWindow(options: ResolvedOptions, seconds: number, signal?: AbortSignal): Promise<Uint8Array> {
  const session = new InspectorSession();
  const startNanos = wallNanos();
  let profile: RawCpuProfile;
  try {
    // A new CPU profiler does not know on-stack-replacement code compiled before it existed (it
    // would charge hot loops to their callers): a full GC first, as every source does at start.
    fullGc();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: Math.max(1, Math.round(options.intervalMicros)) });
    await session.post('Profiler.start');
    await new Promise<void>((done) => {
      const timer = setTimeout(finish, seconds * 1000);
      function finish(): void { clearTimeout(timer); signal?.removeEventListener('abort', finish); done(); }
      if (signal?.aborted) finish();
      else signal?.addEventListener('abort', finish, { once: true });
    });
    profile = (await session.post<{ profile: RawCpuProfile }>('Profiler.stop')).profile;
  } finally {
    session.close();
  }
  const p: RawCpuProfile = { ...profile, samples: profile.samples ?? [], timeDeltas: profile.timeDeltas ?? [] };
  const endNanos = wallNanos();
  return build(options, (core, frames, handles) => { ingestCpuProfile(core, frames, p, undefined, handles, undefined); },
    'wall', startNanos, endNanos - startNanos, cpuUrls(p), `wasmprof: on-demand window of ${seconds}s interval=${options.intervalMicros}us`);
}

/** The heap in use now, from the running heap source, gzipped pprof. */
export async function heapNow(options: ResolvedOptions, heap: HeapSource): Promise<Uint8Array> {
  const p = await heap.profile();
  const now = wallNanos();
  return build(options, (core, frames, handles) => { ingestHeapProfile(core, frames, p, options.heapIntervalBytes, handles.handle(undefined)); },
    'heap', now, 0, heapUrls(p), 'wasmprof: on-demand heap profile (in use now)');
}
