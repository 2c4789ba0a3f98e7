// The period pipeline, written once: capture → source maps → ingest → build → encode → files.
// It is a generator run by period-run.ts, in slices on the event loop or all at once when the
// process is exiting; both take exactly these steps.
//
//   capture   rotate the CPU profile (stop it for the last period), read the heap profile, take
//             the label timeline and the CPU clock — the one stall the sources impose;
//   maps      load the source maps of scripts seen for the first time (an Op: read without
//             blocking, or blocking when exiting);
//   ingest    frames via the frame cache (LRU), stacks via the trie, samples aggregated per
//             (kind, stack, labels) — in time slices;
//   build     the core's tables → one pprof Profile per type; reset the period in O(1);
//   encode    pprof → gzip (an Op: off-thread, or gzipSync when exiting); the native-heap
//             profile comes from its own aggregator;
//   files     written by the profiler's file writer when outputDir is set.
import type { Profile } from 'pprof-format';
import { identity, monotonicMs, threadCpu, wallNanos, type CpuReading } from '../runtime/node.js';
import { ingestCpuSteps, profileUrls, type CpuIngest } from '../ingest/cpu.js';
import { heapUrls, ingestHeapSteps, type HeapIngest } from '../ingest/heap.js';
import type { SourceMapResolver } from '../ingest/source-maps.js';
import { buildProfileSteps } from '../pprof/build.js';
import { encodeGzip, encodeGzipSync } from '../pprof/gzip.js';
import type { JsProfileType, ProfileType } from '../pprof/profile-types.js';
import type { NativeHeapProfiler } from '../native-heap/in-process.js';
import type { TimeSlicer } from '../runtime/slices.js';
import type { LabelContext, LabelTimeline } from '../sources/labels.js';
import type { CpuSource, HeapSource, RawCpuProfile, RawHeapProfile } from '../sources/types.js';
import type { CoreUpkeep } from './core-upkeep.js';
import type { OutputDirWriter } from './output-dir.js';
import { labelHandles } from './label-handles.js';
import type { ResolvedOptions } from './options.js';
import { periodComments, periodStats } from './period-stats.js';
import type { Op, PeriodSteps } from './period-run.js';
import type { PeriodResult, PeriodStats } from './types.js';

/** What a period's end captured from the sources, before any processing. */
interface Captured {
  seq: number;
  cpu: RawCpuProfile | undefined;
  heap: RawHeapProfile | undefined;
  cpuReading: { micros: number; scope: CpuReading['scope'] } | undefined;
  timeline: LabelTimeline;
  startNanos: number;
  endNanos: number;
  rotateMs: number;
}

/** The parts of a running profiler the pipeline works on. */
export interface PeriodInputs {
  readonly options: ResolvedOptions;
  readonly source: 'native' | 'inspector';
  readonly cpu: CpuSource | undefined;
  readonly heap: HeapSource | undefined;
  readonly labels: LabelContext;
  readonly maps: SourceMapResolver | undefined;
  readonly upkeep: CoreUpkeep;
  readonly writer: OutputDirWriter | undefined;
  readonly slicer: TimeSlicer;
  /** The exporter's note about dropped profiles, if it has one to add to this period. */
  takeDropComment(): string | undefined;
  report(what: string, err: unknown): void;
}

/** Pipeline state that lives across periods: sequence number, clocks, the native-heap aggregator. */
export class PeriodPipeline {
  private seq = 0;
  private periodStartNanos = 0;
  private cpuAt: CpuReading | undefined;

  constructor(private readonly p: PeriodInputs, private nativeHeap: NativeHeapProfiler | undefined) {}

  /** The clocks start with the sources. */
  begin(): void {
    this.cpuAt = threadCpu();
    this.periodStartNanos = wallNanos();
  }

  /** True when every step of a period can run synchronously (what an exit handler needs). */
  get canRunSync(): boolean {
    return (!this.p.cpu || this.p.cpu.sync !== undefined) && (!this.p.heap || this.p.heap.sync !== undefined);
  }

  /** Stops what the pipeline owns without taking a period (start() failed). */
  abort(): void {
    try { this.nativeHeap?.stop(); } catch { /* best effort */ }
    this.nativeHeap = undefined;
  }

  *steps(final: boolean): PeriodSteps<PeriodResult> {
    const captured = yield* this.capture(final);
    const maps = this.p.maps;
    let mapsMs = 0;
    if (maps) {
      const urls = this.urls(captured);
      const t = monotonicMs();
      yield { async: () => maps.prepare(urls), sync: () => maps.prepareSync(urls) } satisfies Op<void>;
      mapsMs = monotonicMs() - t;
    } else {
      yield; // build starts on a slice of its own
    }
    this.p.slicer.clearStats();
    const { profiles, stats } = yield* this.build(captured, mapsMs);
    stats.timings.buildMs = this.p.slicer.busyMs;
    stats.timings.maxSliceMs = this.p.slicer.maxSliceMs;
    const t = monotonicMs();
    const encoded: Partial<Record<ProfileType, Uint8Array>> = {};
    for (const [type, profile] of Object.entries(profiles) as Array<[JsProfileType, Profile]>) {
      encoded[type] = (yield { async: () => encodeGzip(profile), sync: () => encodeGzipSync(profile) } satisfies Op<Uint8Array>) as Uint8Array;
    }
    this.addNativeHeap(encoded, final);
    stats.timings.encodeMs = monotonicMs() - t;
    const id = identity();
    const result: PeriodResult = {
      ...encoded,
      seq: captured.seq, pid: id.pid, threadId: id.threadId,
      start: new Date(captured.startNanos / 1e6), end: new Date(captured.endNanos / 1e6),
      source: this.p.source, files: [], stats,
    };
    if (this.p.writer) result.files = this.p.writer.write({ pid: result.pid, seq: result.seq, profiles: encoded });
    return result;
  }

  private *capture(final: boolean): PeriodSteps<Captured> {
    const { cpu: cpuSource, heap: heapSource, labels } = this.p;
    const t = monotonicMs();
    const since = labels.now();
    let cpu: RawCpuProfile | undefined;
    let heap: RawHeapProfile | undefined;
    try {
      if (cpuSource) {
        const s = cpuSource.sync;
        cpu = (s ? (final ? s.stop() : s.rotate())
          : yield { async: () => (final ? cpuSource.stop() : cpuSource.rotate()), sync: undefined } satisfies Op<RawCpuProfile>) as RawCpuProfile;
      }
      if (heapSource) {
        const s = heapSource.sync;
        heap = (s ? s.profile() : yield { async: () => heapSource.profile(), sync: undefined } satisfies Op<RawHeapProfile>) as RawHeapProfile;
      }
    } finally {
      if (final && heapSource) {
        try {
          if (heapSource.sync) heapSource.sync.stop();
          else yield { async: () => heapSource.stop(), sync: undefined } satisfies Op<void>;
        } catch (err) {
          this.p.report('heap stop', err);
        }
      }
    }
    const cpuReading = this.readCpu();
    const id = identity();
    if (this.p.upkeep.checkFork(id.pid, id.threadId)) {
      // A fork child holding its parent's period: drop it (see core-upkeep.ts).
      cpu = undefined;
      heap = undefined;
    }
    const timeline = labels.take(since);
    if (final) labels.disable();
    const endNanos = wallNanos();
    const c: Captured = { seq: ++this.seq, cpu, heap, cpuReading, timeline, startNanos: this.periodStartNanos, endNanos, rotateMs: monotonicMs() - t };
    this.periodStartNanos = endNanos;
    return c;
  }

  private readCpu(): Captured['cpuReading'] {
    const now = threadCpu();
    const before = this.cpuAt;
    this.cpuAt = now;
    if (!before || before.scope !== now.scope) return undefined;
    return { micros: now.micros - before.micros, scope: now.scope };
  }

  private urls(c: Captured): Set<string> {
    const urls = c.cpu ? profileUrls(c.cpu.nodes) : new Set<string>();
    if (c.heap) for (const u of heapUrls(c.heap)) urls.add(u);
    return urls;
  }

  /** Feeds the core, reads its tables, builds the pprof objects, resets the period — in slices. */
  private *build(c: Captured, mapsMs: number): PeriodSteps<{ profiles: Partial<Record<JsProfileType, Profile>>; stats: PeriodStats }> {
    const { options: o, slicer, upkeep } = this.p;
    const core = upkeep.core;
    const handles = labelHandles(core, o.labels);
    let cpuStats: CpuIngest | undefined;
    let heapStats: HeapIngest | undefined;
    try {
      if (c.cpu) cpuStats = yield* ingestCpuSteps(core, upkeep.frames, c.cpu, c.timeline, handles, c.cpuReading, slicer);
      yield;
      if (c.heap) heapStats = yield* ingestHeapSteps(core, upkeep.frames, c.heap, o.heapIntervalBytes, handles.handle(undefined), slicer);
      yield;
      const stats = periodStats(core.stats(), cpuStats, heapStats, c.timeline, { rotateMs: c.rotateMs, sourceMapsMs: mapsMs });
      const tables = core.tables();
      const comments = periodComments(stats, {
        source: this.p.source, options: o, upkeepComments: upkeep.takeComments(), dropComment: this.p.takeDropComment(), maps: this.p.maps?.stats,
        held: { coreBytes: core.memoryBytes, sourceMapScripts: this.p.maps?.size ?? 0, labelSets: this.p.labels.heldSets },
      });
      const profiles: Partial<Record<JsProfileType, Profile>> = {};
      const durationNanos = Math.max(0, c.endNanos - c.startNanos);
      for (const type of o.profiles) {
        if (type === 'native-heap') continue; // built by the native-heap aggregator
        if ((type === 'heap' && !c.heap) || (type !== 'heap' && !c.cpu)) continue;
        const heap = type === 'heap' ? c.heap : undefined;
        profiles[type] = yield* buildProfileSteps({
          tables, type, timeNanos: c.startNanos, durationNanos, comments: heap?.notes ? [...comments, ...heap.notes] : comments,
          period: type === 'heap' ? o.heapIntervalBytes : o.intervalMicros * 1000, allocations: heap?.allocations === true,
        }, slicer);
        yield;
      }
      return { profiles, stats };
    } finally {
      core.periodReset();
      upkeep.betweenPeriods();
    }
  }

  /** The native-heap profile of the period (its own aggregator builds it); the last one stops it. */
  private addNativeHeap(encoded: Partial<Record<ProfileType, Uint8Array>>, final: boolean): void {
    const nh = this.nativeHeap;
    if (!nh) return;
    try {
      encoded['native-heap'] = final ? nh.stop() : nh.collect();
      if (final) this.nativeHeap = undefined;
    } catch (err) {
      this.p.report('native-heap', err);
    }
  }
}
