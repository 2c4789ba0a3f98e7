// An attach's profiles → gzipped pprof, through the same stages as a period of the in-process
// profiler: source maps prepared for the scripts seen, frames through the core's frame cache,
// stacks into its trie, samples aggregated (sdk/ingest), the core's tables → pprof-format
// Profile (sdk/pprof/build.ts) → gzip, with the same comments a period carries.
import { Core } from '../core/core.js';
import { FrameInterner } from '../ingest/frames.js';
import { ingestCpuProfile, profileUrls, type CpuIngest, type CpuReadingInput } from '../ingest/cpu.js';
import { heapUrls, ingestHeapProfile, type HeapIngest } from '../ingest/heap.js';
import { SourceMapResolver } from '../ingest/source-maps.js';
import { buildProfile } from '../pprof/build.js';
import { encodeGzip } from '../pprof/gzip.js';
import type { JsProfileType } from '../pprof/profile-types.js';
import { labelHandles } from '../profiler/label-handles.js';
import type { ResolvedOptions } from '../profiler/options.js';
import { periodComments, periodStats } from '../profiler/period-stats.js';
import type { RemoteProfiles } from './remote-profile.js';

export interface AttachCapture extends RemoteProfiles {
  pid: number;
  /** The target's main-thread CPU time over the recording, when /proc has it. */
  cpuReading: CpuReadingInput;
  startNanos: number;
  endNanos: number;
  /** What the profiles were taken with (profiles, intervals, labels, source maps). */
  options: ResolvedOptions;
  /** One line about the attach itself, put first among the comments. */
  note: string;
  /** More lines about how the profiles were taken. */
  notes: string[];
}

export async function buildAttachProfiles(c: AttachCapture): Promise<Partial<Record<JsProfileType, Uint8Array>>> {
  const o = c.options;
  const core = await Core.create({ frameCacheCapacity: o.frameCacheCapacity, pid: c.pid });
  const maps = o.sourceMaps ? new SourceMapResolver() : undefined;
  if (maps) {
    const urls = c.cpu ? profileUrls(c.cpu.nodes) : new Set<string>();
    if (c.heap) for (const u of heapUrls(c.heap)) urls.add(u);
    await maps.prepare(urls);
  }
  const frames = new FrameInterner(core, maps);
  core.startSampling();
  const handles = labelHandles(core, o.labels);
  let cpuStats: CpuIngest | undefined;
  let heapStats: HeapIngest | undefined;
  if (c.cpu) cpuStats = ingestCpuProfile(core, frames, c.cpu, undefined, handles, c.cpuReading);
  if (c.heap) heapStats = ingestHeapProfile(core, frames, c.heap, o.heapIntervalBytes, handles.handle(undefined));
  const durationNanos = Math.max(0, c.endNanos - c.startNanos);
  const noLabels = { times: new Float64Array(0), sets: [], count: 0, unknownFrom: Infinity, dropped: 0 };
  const stats = periodStats(core.stats(), cpuStats, heapStats, noLabels, { rotateMs: 0, sourceMapsMs: 0 });
  const comments = [c.note, ...c.notes, ...periodComments(stats, {
    source: 'inspector', options: { ...o, periodMillis: Math.round(durationNanos / 1e6) }, upkeepComments: [], dropComment: undefined, maps: maps?.stats,
  })];
  const tables = core.tables();
  const out: Partial<Record<JsProfileType, Uint8Array>> = {};
  for (const type of o.profiles) {
    if (type === 'native-heap') continue;
    if ((type === 'heap' && !c.heap) || (type !== 'heap' && !c.cpu)) continue;
    out[type] = await encodeGzip(buildProfile({
      tables, type, timeNanos: c.startNanos, durationNanos, comments,
      period: type === 'heap' ? o.heapIntervalBytes : o.intervalMicros * 1000,
    }));
  }
  return out;
}
