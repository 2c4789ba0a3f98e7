// The continuous profiler: sources → core → pprof, one period at a time.
//
//   start(options)  validates options, picks the stack source (native bridge, else node:inspector
//                   with one warning line), creates a core, starts the CPU and/or heap source.
//   a period ends   on collect(), on stop(), or every `period` when there is somewhere to put the
//                   result (outputDir or onPeriod). Ending it: rotate the CPU profile, read the
//                   heap profile, take the label timeline, load new source maps (async), feed the
//                   core (frames via the LRU, stacks via the trie, samples aggregated per
//                   (kind, stack, labels)), read its tables out, build one pprof per type, reset
//                   the period in O(1), gzip, deliver.
//   stopSync()      the same, synchronously, for a process that is exiting (inspector source).
import { Core } from '../core/core.js';
import { enableDetailedLineInfo, identity, threadCpu, v8ClockOffsetMicros, wallNanos, type CpuReading } from '../runtime/node.js';
import { ingestCpuSteps, profileUrls, type CpuIngest, type LabelHandles } from '../ingest/cpu.js';
import { ProfileFileWriter } from './file-writer.js';
import { CoreUpkeep } from './core-upkeep.js';
import { heapUrls, ingestHeapSteps, type HeapIngest } from '../ingest/heap.js';
import { LabelContext, type LabelSet, type LabelTimeline, type Labels } from '../sources/labels.js';
import { processEnv, resolveOptions, type JsProfileType, type ProfileType, type ResolvedOptions, type StartOptions } from './options.js';
import { startNativeHeap, type NativeHeapProfiler } from '../native-heap/in-process.js';
import { buildProfileSteps, encodeGzip, encodeGzipSync } from '../pprof/build.js';
import { selectSource, type SourceFactories } from '../sources/select.js';
import { runNow, runSliced, TimeSlicer, type Steps } from '../runtime/slices.js';
import { SourceMapResolver } from '../ingest/source-maps.js';
import { warmUp } from './warm-up.js';
import type { CpuSource, HeapSource, RawCpuProfile, RawHeapProfile } from '../sources/types.js';
import type { Profile } from 'pprof-format';
import { createExporterFromEnv, type Exporter } from '../export/index.js';

/** Longest piece of period work done in one turn of the event loop. */
const SLICE_MS = 2;

export interface ProfilerOptions extends StartOptions {
  /** Called with every finished period (timer, collect() or stop()). Errors it throws are reported once on stderr. */
  onPeriod?: (period: PeriodResult) => void | Promise<void>;
  /** Where every period goes besides onPeriod: an exporter of your own, or by default the one
   *  WASMPROF_EXPORTER (and its variables) configures, if any. `false` disables the latter. */
  exporter?: Exporter | false;
}

/** Time an exporter may take to deliver the last period when the profiler stops. */
const EXPORT_CLOSE_TIMEOUT_MS = 5000;

export interface PeriodStats {
  samples: number;
  idleSamples: number;
  labelledSamples: number;
  /** Samples taken after the label transition log overflowed (labelled `wasmprof_labels=unknown`). */
  unknownLabelSamples: number;
  wallNanos: number;
  cpuNanos: number;
  /** Where the CPU time came from: the source, this thread (/proc or threadCpuUsage), or the whole process. */
  cpuScope: CpuIngest['cpuScope'];
  heap: HeapIngest | undefined;
  labelTransitions: number;
  labelTransitionsDropped: number;
  frameCache: { entries: number; capacity: number; hits: number; misses: number; evictions: number; hitRate: number };
  drops: { noMemory: number; abandonedCaptures: number; staleKeys: number; truncatedStacks: number };
  /** Milliseconds: stopping/rotating the sources (one stall), waiting for new source maps (async),
   *  feeding the core and building the pprof objects (time spent in slices, summed), the longest
   *  of those slices (the stall it caused), encoding + gzip (elapsed; gzip runs off-thread). */
  timings: { rotateMs: number; sourceMapsMs: number; buildMs: number; maxSliceMs: number; encodeMs: number };
}

/** One finished period: gzipped pprof per profile type, plus what it covers. */
export interface PeriodResult {
  wall?: Uint8Array;
  cpu?: Uint8Array;
  heap?: Uint8Array;
  'native-heap'?: Uint8Array;
  seq: number;
  pid: number;
  threadId: number;
  start: Date;
  end: Date;
  source: 'native' | 'inspector';
  /** Files written for this period (with outputDir). */
  files: string[];
  stats: PeriodStats;
}

export interface Profiler {
  readonly source: 'native' | 'inspector';
  readonly options: Readonly<ResolvedOptions>;
  /** Ends the current period now and returns its profiles. */
  collect(): Promise<PeriodResult>;
  /** Runs fn with these labels on every sample taken while it (and the async work it starts) runs. */
  runWithLabels<T>(labels: Labels, fn: () => T): T;
  /** The labels active in the calling context. */
  currentLabels(): Labels | undefined;
  /** Ends the last period, stops the sources, and returns the last period. */
  stop(): Promise<PeriodResult>;
}

interface SyncCpu { rotateSync(): RawCpuProfile; stopSync(): RawCpuProfile }
interface SyncHeap { profileSync(): RawHeapProfile; stopSync(): void }
function syncCpu(s: CpuSource): (CpuSource & SyncCpu) | undefined {
  const c = s as CpuSource & Partial<SyncCpu>;
  return typeof c.rotateSync === 'function' && typeof c.stopSync === 'function' ? (c as CpuSource & SyncCpu) : undefined;
}
function syncHeap(s: HeapSource): (HeapSource & SyncHeap) | undefined {
  const h = s as HeapSource & Partial<SyncHeap>;
  return typeof h.profileSync === 'function' && typeof h.stopSync === 'function' ? (h as HeapSource & SyncHeap) : undefined;
}

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

interface Built { profiles: Partial<Record<JsProfileType, Profile>>; stats: PeriodStats }

interface InFlight {
  captured: Captured;
  state: 'captured' | 'built' | 'done';
  mapsMs: number;
  /** The feeding/building work, resumable from the async path or the synchronous exit path. */
  steps?: Steps<void>;
  built?: Built;
  result?: PeriodResult;
}

/** Another path (stopSync) may finish a period while this one awaits. */
function isDone(f: InFlight): boolean { return f.state === 'done'; }

let active: ProfilerImpl | undefined;
let warned = false;

export async function start(options: ProfilerOptions = {}): Promise<Profiler> {
  return startProfiler(options);
}

/** start() with the implementation's extra surface (stopSync for exit handlers). */
export async function startProfiler(options: ProfilerOptions = {}): Promise<ProfilerImpl> {
  const resolved = resolveOptions(options, ['onPeriod', 'exporter']);
  if (options.onPeriod !== undefined && typeof options.onPeriod !== 'function') {
    throw new TypeError('wasmprof: option onPeriod must be a function');
  }
  if (active) throw new Error('wasmprof: a profiler is already running in this thread; stop() it first');
  if (options.exporter !== undefined && options.exporter !== false && (typeof options.exporter !== 'object' || typeof options.exporter.export !== 'function')) {
    throw new TypeError('wasmprof: option exporter must be an exporter (see wasmprof/http and docs/exporters.md) or false');
  }
  // A bad WASMPROF_EXPORTER setting fails start() here, like any other option.
  const exporter = options.exporter === false ? undefined
    : options.exporter ?? createExporterFromEnv(options.env ?? processEnv(), { sampleRate: Math.round(1e6 / resolved.intervalMicros) });
  const sources = await selectSource(resolved.source);
  if (sources.fallbackReason !== undefined && !warned) {
    warned = true;
    process.stderr.write(`wasmprof: native V8 bridge unavailable: ${sources.fallbackReason}\n`);
  }
  const core = await Core.create({ frameCacheCapacity: resolved.frameCacheCapacity, pid: process.pid });
  // One writer per directory: the file exporter, when chosen, writes WASMPROF_OUTPUT_DIR itself.
  const writeFiles = exporter?.stats().kind !== 'file';
  const profiler = new ProfilerImpl(writeFiles ? resolved : { ...resolved, outputDir: undefined }, sources, core, options.onPeriod, exporter);
  active = profiler;
  try {
    await profiler.begin();
  } catch (err) {
    active = undefined;
    await profiler.abort();
    throw err;
  }
  return profiler;
}

export class ProfilerImpl implements Profiler {
  readonly source: 'native' | 'inspector';
  private readonly labelContext: LabelContext;
  private readonly maps: SourceMapResolver | undefined;
  private readonly upkeep: CoreUpkeep;
  private readonly writer: ProfileFileWriter | undefined;
  private cpu: CpuSource | undefined;
  private heap: HeapSource | undefined;
  private nativeHeap: NativeHeapProfiler | undefined;
  private cpuAt: CpuReading | undefined;
  private periodStartNanos = 0;
  private seq = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private inflight: InFlight | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private lastResult: PeriodResult | undefined;
  private reportedErrors = new Set<string>();
  private readonly slicer = new TimeSlicer(SLICE_MS);

  constructor(readonly options: ResolvedOptions, private readonly sources: SourceFactories, core: Core,
    private readonly onPeriod: ProfilerOptions['onPeriod'], private readonly exporter?: Exporter) {
    this.source = sources.kind;
    this.labelContext = new LabelContext(v8ClockOffsetMicros());
    this.maps = options.sourceMaps ? new SourceMapResolver() : undefined;
    this.upkeep = new CoreUpkeep(core, options.coreHighWaterBytes, this.maps);
    this.writer = options.outputDir !== undefined ? new ProfileFileWriter(options.outputDir) : undefined;
  }

  get running(): boolean { return !this.stopped; }
  /** An exporter (network or asynchronous file writes) needs the event loop to deliver the last period. */
  get needsAsyncStop(): boolean { return this.exporter !== undefined; }
  get exporterStats() { return this.exporter?.stats(); }
  /** The current core (replaced when it is recycled between periods). */
  private get core(): Core { return this.upkeep.core; }
  private get frames() { return this.upkeep.frames; }
  /** Cores recycled and dictionaries emptied so far. */
  get upkeepStats(): { recycles: number; dictionaryResets: number; coreMemoryBytes: number } {
    return { recycles: this.upkeep.recycles, dictionaryResets: this.upkeep.dictionaryResets, coreMemoryBytes: this.core.memoryBytes };
  }

  async begin(): Promise<void> {
    const o = this.options;
    warmUp(this.core.module); // before the sources start, so that it stays out of the first period
    this.core.startSampling();
    if (o.profiles.includes('wall') || o.profiles.includes('cpu')) {
      enableDetailedLineInfo();
      this.cpu = this.sources.cpu();
      await this.cpu.start(o.intervalMicros);
    }
    if (o.profiles.includes('heap')) {
      this.heap = this.sources.heap();
      await this.heap.start(o.heapIntervalBytes, 128);
    }
    if (o.profiles.includes('native-heap')) {
      // The aggregator drains this process's ring; its periods are ours (collected below), so
      // its own timer is set beyond any period.
      this.nativeHeap = await startNativeHeap({ periodMs: 86_400_000 });
    }
    this.cpuAt = threadCpu();
    this.periodStartNanos = wallNanos();
    this.schedule();
  }

  async abort(): Promise<void> {
    this.stopped = true;
    this.labelContext.disable();
    await this.cpu?.stop().catch(() => undefined);
    await this.heap?.stop().catch(() => undefined);
    try { this.nativeHeap?.stop(); } catch { /* best effort */ }
  }

  runWithLabels<T>(labels: Labels, fn: () => T): T { return this.labelContext.run(labels, fn); }
  currentLabels(): Labels | undefined { return this.labelContext.labels(); }

  collect(): Promise<PeriodResult> {
    if (this.stopped) return Promise.reject(new Error('wasmprof: the profiler is stopped'));
    return this.enqueue(false);
  }

  stop(): Promise<PeriodResult> {
    if (this.stopped) {
      return this.lastResult ? Promise.resolve(this.lastResult) : Promise.reject(new Error('wasmprof: the profiler is stopped'));
    }
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    return this.enqueue(true);
  }

  /** True when the last period can be taken synchronously (what an exit handler needs). */
  get canStopSync(): boolean {
    return (!this.cpu || syncCpu(this.cpu) !== undefined) && (!this.heap || syncHeap(this.heap) !== undefined);
  }

  /**
   * Ends everything synchronously: finishes a period still being processed, then takes, builds
   * and delivers the last one (files are written synchronously; onPeriod is called but not
   * awaited). For process 'exit' handlers. Returns undefined when already stopped or when the
   * source cannot stop synchronously.
   */
  stopSync(): PeriodResult | undefined {
    if (this.stopped && !this.inflight) return undefined;
    if (!this.canStopSync) return undefined;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const f = this.inflight;
    if (f && f.state !== 'done') this.finishSync(f, false);
    if (this.finalTaken) return this.lastResult;
    this.finalTaken = true;
    try {
      const flight: InFlight = { captured: this.captureSync(true), state: 'captured', mapsMs: 0 };
      this.inflight = flight;
      return this.finishSync(flight, true);
    } finally {
      this.release();
    }
  }

  private finalTaken = false;

  // --- periods ---

  private schedule(): void {
    if (this.stopped || (!this.writer && !this.onPeriod && !this.exporter)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.enqueue(false).catch((err) => this.report('period', err));
    }, this.options.periodMillis);
    this.timer.unref();
  }

  private enqueue(final: boolean): Promise<PeriodResult> {
    const run = this.chain.then(() => this.period(final));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async period(final: boolean): Promise<PeriodResult> {
    if (this.finalTaken) {
      if (final && this.lastResult) return this.lastResult;
      throw new Error('wasmprof: the profiler is stopped');
    }
    if (final) this.finalTaken = true;
    try {
      const flight: InFlight = { captured: await this.capture(final), state: 'captured', mapsMs: 0 };
      this.inflight = flight;
      try {
        if (this.maps) {
          const t = performance.now();
          await this.maps.prepare(this.urls(flight.captured));
          flight.mapsMs = performance.now() - t;
        }
        if (isDone(flight)) return flight.result!; // stopSync finished it meanwhile
        flight.steps = this.buildSteps(flight);
        this.slicer.clearStats();
        await runSliced(flight.steps, this.slicer, () => isDone(flight));
        if (isDone(flight)) return flight.result!;
        const built = flight.built!;
        built.stats.timings.buildMs = this.slicer.busyMs;
        built.stats.timings.maxSliceMs = this.slicer.maxSliceMs;
        const t = performance.now();
        const encoded: Partial<Record<ProfileType, Uint8Array>> = {};
        for (const [type, profile] of Object.entries(built.profiles) as Array<[JsProfileType, Profile]>) {
          encoded[type] = await encodeGzip(profile);
        }
        this.addNativeHeap(encoded, final);
        built.stats.timings.encodeMs = performance.now() - t;
        if (isDone(flight)) return flight.result!;
        const result = this.result(flight, encoded, []);
        flight.state = 'done';
        flight.result = result;
        if (this.writer) result.files = await this.writer.write({ pid: result.pid, seq: result.seq, profiles: encoded });
        await this.deliver(result, true);
        return result;
      } finally {
        if (this.inflight === flight) this.inflight = undefined;
      }
    } finally {
      if (final) {
        this.labelContext.disable();
        this.release();
        await this.exporter?.close(EXPORT_CLOSE_TIMEOUT_MS);
      } else {
        this.schedule();
      }
    }
  }

  private finishSync(flight: InFlight, final: boolean): PeriodResult {
    if (flight.state === 'captured') {
      this.maps?.prepareSync(this.urls(flight.captured));
      runNow(flight.steps ?? (flight.steps = this.buildSteps(flight)));
    }
    const built = flight.built!;
    const t = performance.now();
    const encoded: Partial<Record<ProfileType, Uint8Array>> = {};
    for (const [type, profile] of Object.entries(built.profiles) as Array<[JsProfileType, Profile]>) encoded[type] = encodeGzipSync(profile);
    this.addNativeHeap(encoded, final);
    built.stats.timings.encodeMs = performance.now() - t;
    const result = this.result(flight, encoded, []);
    flight.state = 'done';
    flight.result = result;
    if (this.writer) result.files = this.writer.writeSync({ pid: result.pid, seq: result.seq, profiles: encoded });
    void this.deliver(result, false);
    if (this.inflight === flight) this.inflight = undefined;
    return result;
  }

  /** The native-heap profile of the period (its own aggregator builds it); the last one stops it. */
  private addNativeHeap(encoded: Partial<Record<ProfileType, Uint8Array>>, final: boolean): void {
    const nh = this.nativeHeap;
    if (!nh) return;
    try {
      encoded['native-heap'] = final ? nh.stop() : nh.collect();
      if (final) this.nativeHeap = undefined;
    } catch (err) {
      this.report('native-heap', err);
    }
  }

  private urls(c: Captured): Set<string> {
    const urls = c.cpu ? profileUrls(c.cpu.nodes) : new Set<string>();
    if (c.heap) for (const u of heapUrls(c.heap)) urls.add(u);
    return urls;
  }

  private async capture(final: boolean): Promise<Captured> {
    const t = performance.now();
    const since = this.labelContext.now();
    let cpu: RawCpuProfile | undefined;
    let heap: RawHeapProfile | undefined;
    try {
      if (this.cpu) cpu = final ? await this.cpu.stop() : await this.cpu.rotate();
      if (this.heap) heap = await this.heap.profile();
    } finally {
      if (final && this.heap) await this.heap.stop().catch((err) => this.report('heap stop', err));
    }
    return this.captured(cpu, heap, this.readCpu(), since, t, final);
  }

  private captureSync(final: boolean): Captured {
    const t = performance.now();
    const since = this.labelContext.now();
    let cpu: RawCpuProfile | undefined;
    let heap: RawHeapProfile | undefined;
    if (this.cpu) { const s = syncCpu(this.cpu)!; cpu = final ? s.stopSync() : s.rotateSync(); }
    if (this.heap) {
      const h = syncHeap(this.heap)!;
      try { heap = h.profileSync(); } finally { if (final) h.stopSync(); }
    }
    return this.captured(cpu, heap, this.readCpu(), since, t, final);
  }

  private readCpu(): Captured['cpuReading'] {
    const now = threadCpu();
    const before = this.cpuAt;
    this.cpuAt = now;
    if (!before || before.scope !== now.scope) return undefined;
    return { micros: now.micros - before.micros, scope: now.scope };
  }

  private captured(cpu: RawCpuProfile | undefined, heap: RawHeapProfile | undefined, cpuReading: Captured['cpuReading'], since: number, t: number, final: boolean): Captured {
    const id = identity();
    if (this.upkeep.checkFork(id.pid, id.threadId)) {
      // A fork child holding its parent's period: drop it (see core-upkeep.ts).
      cpu = undefined;
      heap = undefined;
    }
    const timeline = this.labelContext.take(since);
    if (final) this.labelContext.disable();
    const endNanos = wallNanos();
    const c: Captured = { seq: ++this.seq, cpu, heap, cpuReading, timeline, startNanos: this.periodStartNanos, endNanos, rotateMs: performance.now() - t };
    this.periodStartNanos = endNanos;
    return c;
  }

  /** Feeds the core, reads its tables, builds the pprof objects, resets the period — in time slices. */
  private *buildSteps(flight: InFlight): Steps<void> {
    const c = flight.captured;
    const t = performance.now();
    const slicer = this.slicer;
    const core = this.core;
    const o = this.options;
    const handles = this.labelHandles();
    let cpuStats: CpuIngest | undefined;
    let heapStats: HeapIngest | undefined;
    try {
      if (c.cpu) cpuStats = yield* ingestCpuSteps(core, this.frames, c.cpu, c.timeline, handles, c.cpuReading, slicer);
      yield;
      if (c.heap) heapStats = yield* ingestHeapSteps(core, this.frames, c.heap, o.heapIntervalBytes, handles.handle(undefined), slicer);
      yield;
      const cs = core.stats();
      const stats: PeriodStats = {
        samples: cpuStats?.samples ?? 0,
        idleSamples: cpuStats?.idleSamples ?? 0,
        labelledSamples: cpuStats?.labelledSamples ?? 0,
        unknownLabelSamples: cpuStats?.unknownLabelSamples ?? 0,
        wallNanos: cpuStats?.wallNanos ?? 0,
        cpuNanos: cpuStats?.cpuNanos ?? 0,
        cpuScope: cpuStats?.cpuScope ?? 'none',
        heap: heapStats,
        labelTransitions: Math.max(0, c.timeline.count - 1),
        labelTransitionsDropped: c.timeline.dropped,
        frameCache: { entries: cs.frameCache.entries, capacity: cs.frameCache.capacity, hits: cs.frameCache.hits, misses: cs.frameCache.misses, evictions: cs.frameCache.evictions, hitRate: cs.frameCache.hitRate },
        drops: { ...cs.drops },
        timings: { rotateMs: c.rotateMs, sourceMapsMs: flight.mapsMs, buildMs: 0, maxSliceMs: 0, encodeMs: 0 },
      };
      const tables = core.tables();
      const comments = this.comments(stats);
      const profiles: Partial<Record<JsProfileType, Profile>> = {};
      const durationNanos = Math.max(0, c.endNanos - c.startNanos);
      for (const type of o.profiles) {
        if (type === 'native-heap') continue; // built by the native-heap aggregator
        if ((type === 'heap' && !c.heap) || (type !== 'heap' && !c.cpu)) continue;
        profiles[type] = yield* buildProfileSteps({
          tables, type, timeNanos: c.startNanos, durationNanos, comments,
          period: type === 'heap' ? o.heapIntervalBytes : o.intervalMicros * 1000,
        }, slicer);
        yield;
      }
      stats.timings.buildMs = stats.timings.maxSliceMs = performance.now() - t; // the async path replaces both
      flight.built = { profiles, stats };
      flight.state = 'built';
    } finally {
      core.periodReset();
      this.upkeep.betweenPeriods();
    }
  }

  private labelHandles(): LabelHandles {
    const core = this.core;
    const fixed = Object.fromEntries(this.options.labels);
    const cache = new Map<LabelSet | undefined, number>();
    let unknown = -1;
    return {
      handle(set) {
        let h = cache.get(set);
        if (h === undefined) {
          h = core.internLabels(set ? { ...fixed, ...set.labels } : fixed);
          cache.set(set, h);
        }
        return h;
      },
      unknown() {
        if (unknown < 0) unknown = core.internLabels({ ...fixed, wasmprof_labels: 'unknown' });
        return unknown;
      },
    };
  }

  private comments(s: PeriodStats): string[] {
    const o = this.options;
    const out = [
      `wasmprof: source=${this.source} interval=${o.intervalMicros}us period=${o.periodMillis}ms profiles=${o.profiles.join(',')}`,
      `wasmprof core drops: noMemory=${s.drops.noMemory} abandonedCaptures=${s.drops.abandonedCaptures} staleKeys=${s.drops.staleKeys} truncatedStacks=${s.drops.truncatedStacks}`,
      `wasmprof frame cache: entries=${s.frameCache.entries} capacity=${s.frameCache.capacity} hits=${s.frameCache.hits} misses=${s.frameCache.misses} evictions=${s.frameCache.evictions} hitRate=${s.frameCache.hitRate.toFixed(4)}`,
      `wasmprof labels: transitions=${s.labelTransitions} dropped=${s.labelTransitionsDropped} unknownLabelSamples=${s.unknownLabelSamples}`,
      `wasmprof cpu time: scope=${s.cpuScope}`,
      ...this.upkeep.takeComments(),
    ];
    const drops = this.exporter?.takeDropComment?.();
    if (drops) out.push(drops);
    if (this.maps) out.push(`wasmprof source maps: loaded=${this.maps.stats.loaded} scriptsWithout=${this.maps.stats.missing} unreadable=${this.maps.stats.failed}`);
    if (o.labels.length > 0) out.push(`wasmprof static labels: ${o.labels.map(([k, v]) => `${k}=${v}`).join(' ')}`);
    return out;
  }

  private result(flight: InFlight, encoded: Partial<Record<ProfileType, Uint8Array>>, files: string[]): PeriodResult {
    const c = flight.captured;
    const id = identity();
    const r: PeriodResult = {
      ...encoded,
      seq: c.seq, pid: id.pid, threadId: id.threadId,
      start: new Date(c.startNanos / 1e6), end: new Date(c.endNanos / 1e6),
      source: this.source, files, stats: flight.built!.stats,
    };
    this.lastResult = r;
    return r;
  }

  private async deliver(result: PeriodResult, wait: boolean): Promise<void> {
    if (this.exporter) {
      const profiles = (['wall', 'cpu', 'heap', 'native-heap'] as const).flatMap((type) => (result[type] ? [{ type, pprof: result[type]! }] : []));
      this.exporter.export({ start: result.start, end: result.end, seq: result.seq, profiles });
    }
    if (!this.onPeriod) return;
    try {
      const p = this.onPeriod(result);
      if (wait) await p;
      else if (p && typeof (p as Promise<void>).catch === 'function') (p as Promise<void>).catch((err: unknown) => this.report('onPeriod', err));
    } catch (err) {
      this.report('onPeriod', err);
    }
  }

  private report(what: string, err: unknown): void {
    if (this.reportedErrors.has(what)) return;
    this.reportedErrors.add(what);
    try {
      process.stderr.write(`wasmprof: ${what} failed: ${err instanceof Error ? err.message : String(err)} (reported once)\n`);
    } catch { /* stderr gone */ }
  }

  /** Called by stop paths when everything is over. */
  release(): void {
    if (active === this) active = undefined;
  }
}
