// The continuous profiler's lifecycle: sources start, periods end (on collect(), on stop(), or
// every `period` when there is somewhere to put the result: outputDir, onPeriod or an exporter),
// one at a time, each through the one pipeline of period.ts; the last period is taken by stop()
// or, in a process that is exiting, by stopSync() — the same pipeline, run synchronously.
import type { Core } from '../core/core.js';
import type { Exporter } from '../export/index.js';
import { SourceMapResolver } from '../ingest/source-maps.js';
import { startNativeHeap } from '../native-heap/in-process.js';
import { v8ClockOffsetMicros } from '../runtime/node.js';
import { messageOf, OnceReporter } from '../runtime/report.js';
import { TimeSlicer } from '../runtime/slices.js';
import { LabelContext, type Labels, type LabelSource } from '../sources/labels.js';
import type { SourceFactories } from '../sources/select.js';
import type { CpuSource, HeapSource } from '../sources/types.js';
import { CoreUpkeep } from './core-upkeep.js';
import { deliver } from './delivery.js';
import { allocsNow, heapNow, profileWindow } from './on-demand.js';
import { OutputDirWriter } from './output-dir.js';
import type { ResolvedOptions } from './options.js';
import { PeriodPipeline } from './period.js';
import { PeriodRun } from './period-run.js';
import type { PeriodResult, Profiler, ProfilerOptions, StartContext } from './types.js';
import { warmUp } from './warm-up.js';

/** Longest piece of period work done in one turn of the event loop. */
const SLICE_MS = 2;
/** When the pipeline is warmed up after start (at most half a period). */
const WARM_UP_DELAY_MS = 1000;
/** Time an exporter may take to deliver the last period when the profiler stops. */
const EXPORT_CLOSE_TIMEOUT_MS = 5000;

// A global slot, not a module variable: the CommonJS preload is a bundle (dist/register.cjs)
// with its own copy of these modules, and a program that also imports wasmprof must still see
// the profiler it started.
const ACTIVE = Symbol.for('wasmprof.activeProfiler');
type ActiveSlot = { [ACTIVE]?: ProfilerImpl };
/** The profiler running in this thread, if any (one per thread). */
export function activeProfiler(): ProfilerImpl | undefined { return (globalThis as ActiveSlot)[ACTIVE]; }
export function setActive(p: ProfilerImpl | undefined): void { (globalThis as ActiveSlot)[ACTIVE] = p; }

export class ProfilerImpl implements Profiler {
  readonly source: 'native' | 'inspector';
  private readonly labelContext: LabelContext;
  private readonly maps: SourceMapResolver | undefined;
  private readonly upkeep: CoreUpkeep;
  private readonly writer: OutputDirWriter | undefined;
  private readonly slicer = new TimeSlicer(SLICE_MS);
  private cpu: CpuSource | undefined;
  private heap: HeapSource | undefined;
  private pipeline: PeriodPipeline | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** The period being processed, which an exiting process finishes synchronously. */
  private inflight: PeriodRun<PeriodResult> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private warmTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private finalTaken = false;
  private lastResult: PeriodResult | undefined;
  private readonly problems = new OnceReporter();

  constructor(readonly options: ResolvedOptions, private readonly sources: SourceFactories, core: Core,
    private readonly onPeriod: ProfilerOptions['onPeriod'], private readonly exporter?: Exporter,
    private readonly startContext: StartContext = {}) {
    this.source = sources.kind;
    this.labelContext = new LabelContext({
      clockOffset: v8ClockOffsetMicros(), reader: sources.sampleLabels?.(),
      samplesPerPeriod: (options.periodMillis * 1000) / options.intervalMicros,
    });
    this.maps = options.sourceMaps ? new SourceMapResolver() : undefined;
    this.upkeep = new CoreUpkeep(core, options.coreHighWaterBytes, this.maps);
    this.writer = options.outputDir !== undefined ? new OutputDirWriter(options.outputDir) : undefined;
  }

  get running(): boolean { return !this.stopped; }
  /** An exporter (network or asynchronous file writes) needs the event loop to deliver the last period. */
  get needsAsyncStop(): boolean { return this.exporter !== undefined; }
  get exporterStats() { return this.exporter?.stats(); }
  /** Cores recycled and dictionaries emptied so far. */
  get upkeepStats(): { recycles: number; dictionaryResets: number; coreMemoryBytes: number; labelSets: number } {
    return { recycles: this.upkeep.recycles, dictionaryResets: this.upkeep.dictionaryResets, coreMemoryBytes: this.upkeep.core.memoryBytes, labelSets: this.labelContext.heldSets };
  }

  async begin(): Promise<void> {
    this.upkeep.core.startSampling();
    await this.startCpu();
    await this.startHeap();
    // The aggregator drains this process's ring; its periods are ours, so its own timer is set
    // beyond any period.
    const nativeHeap = this.options.profiles.includes('native-heap') ? await startNativeHeap({ periodMs: 86_400_000 }) : undefined;
    this.finishBegin(nativeHeap);
  }

  /**
   * begin() for a preload that cannot wait: the sources' start() calls do all their work before
   * returning their promise when they answer synchronously (the native bridge; node:inspector in
   * Node), so sampling runs when this returns; the promise reports whether they succeeded.
   * (selectSourceNow gives only such sources; native-heap needs the asynchronous begin().)
   */
  beginNow(): Promise<void> {
    if (this.options.profiles.includes('native-heap')) return Promise.reject(new Error('wasmprof: beginNow() cannot start native-heap'));
    this.upkeep.core.startSampling();
    const started = [this.startCpu(), this.startHeap()];
    this.finishBegin(undefined);
    return Promise.all(started).then(() => undefined);
  }

  private startCpu(): Promise<void> | undefined {
    const o = this.options;
    if (!o.profiles.includes('wall') && !o.profiles.includes('cpu')) return undefined;
    this.cpu = this.sources.cpu();
    return this.cpu.start(o.intervalMicros, { fresh: this.startContext.beforeMain === true });
  }

  private startHeap(): Promise<void> | undefined {
    const o = this.options;
    if (!o.profiles.includes('heap')) return undefined;
    this.heap = this.sources.heap();
    return this.heap.start(o.heapIntervalBytes, 128, { allocations: o.heapAllocations });
  }

  private finishBegin(nativeHeap: Awaited<ReturnType<typeof startNativeHeap>> | undefined): void {
    const o = this.options;
    this.pipeline = new PeriodPipeline({
      options: o, source: this.source, cpu: this.cpu, heap: this.heap, labels: this.labelContext, maps: this.maps,
      upkeep: this.upkeep, writer: this.writer, slicer: this.slicer,
      takeDropComment: () => this.exporter?.takeDropComment?.(),
      report: (what, err) => this.report(what, err),
    }, nativeHeap);
    this.pipeline.begin();
    this.schedule();
    // Warm-up makes the first rotation run optimized code; a process that ends before it runs
    // (CLIs, test workers) never needs it, and it is start-up CPU every one of them would pay.
    const module = this.upkeep.core.module;
    this.warmTimer = setTimeout(() => {
      this.warmTimer = undefined;
      if (this.stopped) return;
      warmUp(module);
      this.cpu?.warm?.();
    }, Math.min(WARM_UP_DELAY_MS, o.periodMillis / 2));
    this.warmTimer.unref?.();
  }

  async abort(): Promise<void> {
    this.stopped = true;
    this.labelContext.disable();
    await this.cpu?.stop().catch(() => undefined);
    await this.heap?.stop().catch(() => undefined);
    this.pipeline?.abort();
  }

  profileWindow(seconds: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.stopped) return Promise.reject(new Error('wasmprof: the profiler is stopped'));
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) return Promise.reject(new RangeError(`wasmprof: profileWindow(seconds): from more than 0 to 3600 (got ${String(seconds)})`));
    return profileWindow(this.options, seconds, signal);
  }

  heapProfile(): Promise<Uint8Array> {
    if (this.stopped) return Promise.reject(new Error('wasmprof: the profiler is stopped'));
    if (!this.heap) return Promise.reject(new Error("wasmprof: heap profiling is off: start() with 'heap' among the profiles"));
    return heapNow(this.options, this.heap);
  }

  allocationsUnavailable(): string | undefined {
    if (!this.heap) return "heap profiling is off: start() with 'heap' among the profiles and heapAllocations: true";
    if (!this.options.heapAllocations) return 'allocation profiles are off: start() with heapAllocations: true (WASMPROF_HEAP_ALLOCATIONS=true)';
    if (this.heap.allocationsUnavailable !== undefined) return this.heap.allocationsUnavailable;
    return this.heap.peek && this.heap.allocationMark ? undefined : 'this heap source does not count allocations';
  }

  allocsProfile(seconds?: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.stopped) return Promise.reject(new Error('wasmprof: the profiler is stopped'));
    const why = this.allocationsUnavailable();
    if (why !== undefined) return Promise.reject(new Error(`wasmprof: no allocation profile: ${why}`));
    if (seconds !== undefined && (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)) {
      return Promise.reject(new RangeError(`wasmprof: allocsProfile(seconds): from more than 0 to 3600 (got ${String(seconds)})`));
    }
    return allocsNow(this.options, this.heap!, seconds, signal);
  }

  runWithLabels<T>(labels: Labels, fn: () => T): T { return this.labelContext.run(labels, fn); }
  currentLabels(): Labels | undefined { return this.labelContext.labels(); }
  get labelSource(): LabelSource { return this.labelContext.labelSource; }

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
    if (this.warmTimer) clearTimeout(this.warmTimer);
    return this.enqueue(true);
  }

  /** True when the last period can be taken synchronously (what an exit handler needs). */
  get canStopSync(): boolean {
    return this.pipeline?.canRunSync ?? false;
  }

  /**
   * Ends everything synchronously: finishes a period still being processed, then takes, builds
   * and delivers the last one (files are written synchronously; onPeriod is called but not
   * awaited). For process 'exit' handlers. Returns undefined when already stopped or when the
   * source cannot stop synchronously.
   */
  stopSync(): PeriodResult | undefined {
    if (this.stopped && !this.inflight) return undefined;
    if (!this.canStopSync || !this.pipeline) return undefined;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.warmTimer) clearTimeout(this.warmTimer);
    const f = this.inflight;
    if (f && !f.done) this.finishNow(f);
    if (this.finalTaken) return this.lastResult;
    this.finalTaken = true;
    try {
      return this.finishNow(new PeriodRun(this.pipeline.steps(true), this.slicer));
    } finally {
      this.release();
    }
  }

  /**
   * stopSync(), then the exporter delivers what it holds, the last period included, blocking at
   * most `timeoutMs` (what a process 'exit' handler can do: see sdk/export/upload-sync.ts).
   */
  stopSyncAndDeliver(timeoutMs: number): PeriodResult | undefined {
    const r = this.stopSync();
    try { this.exporter?.closeSync?.(timeoutMs); } catch (err) { this.report('exporter close', err); }
    return r;
  }

  // --- periods ---

  private schedule(): void {
    if (this.stopped || (!this.writer && !this.onPeriod && !this.exporter)) return;
    if (this.timer) clearTimeout(this.timer);
    if (this.warmTimer) clearTimeout(this.warmTimer);
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

  /** One period on the event loop: the pipeline in slices, then delivery. */
  private async period(final: boolean): Promise<PeriodResult> {
    if (this.finalTaken) {
      if (final && this.lastResult) return this.lastResult;
      throw new Error('wasmprof: the profiler is stopped');
    }
    if (final) this.finalTaken = true;
    try {
      const run = new PeriodRun(this.pipeline!.steps(final), this.slicer);
      this.inflight = run;
      try {
        const result = await run.runAsync();
        // stopSync() may have finished (and delivered) it while this one waited.
        if (run.finishedBy === 'async') {
          this.lastResult = result;
          await deliver(result, this.exporter, this.onPeriod, true, (w, e) => this.report(w, e));
        }
        return result;
      } finally {
        if (this.inflight === run) this.inflight = undefined;
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

  /** Runs a period's pipeline to the end now and delivers it without waiting. */
  private finishNow(run: PeriodRun<PeriodResult>): PeriodResult {
    this.inflight = run;
    try {
      const result = run.runSync();
      this.lastResult = result;
      void deliver(result, this.exporter, this.onPeriod, false, (w, e) => this.report(w, e));
      return result;
    } finally {
      if (this.inflight === run) this.inflight = undefined;
    }
  }

  /** Each kind of failure once per profiler: a period that keeps failing must not flood stderr. */
  private report(what: string, err: unknown): void {
    this.problems.once(what, `wasmprof: ${what} failed: ${messageOf(err)} (reported once)`);
  }

  /** Called by stop paths when everything is over. */
  release(): void {
    if (activeProfiler() === this) setActive(undefined);
  }
}
