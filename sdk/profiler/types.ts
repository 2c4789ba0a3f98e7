// What the profiler hands to its users: options beyond StartOptions, one finished period, and the
// Profiler interface that start() resolves to.
import type { Exporter } from '../export/index.js';
import type { CpuIngest } from '../ingest/cpu.js';
import type { HeapIngest } from '../ingest/heap.js';
import type { Labels, LabelSource } from '../sources/labels.js';
import type { ResolvedOptions, StartOptions } from './options.js';

export interface ProfilerOptions extends StartOptions {
  /** Called with every finished period (timer, collect() or stop()). Errors it throws are reported once on stderr. */
  onPeriod?: (period: PeriodResult) => void | Promise<void>;
  /** Where every period goes besides onPeriod: an exporter of your own, or by default the one
   *  WASMPROF_EXPORTER (and its variables) configures, if any. `false` disables the latter. */
  exporter?: Exporter | false;
}

/** The CPU part is what ingest counted (sdk/ingest/cpu.ts): samples, idle and labelled ones,
 *  `unknownLabelSamples` (taken after the label transition log overflowed, labelled
 *  `wasmprof_labels=unknown`), wall and CPU time, and where the CPU time came from. */
export interface PeriodStats extends CpuIngest {
  heap: HeapIngest | undefined;
  labelTransitions: number;
  labelTransitionsDropped: number;
  /** How labels reached samples: read at each sample, from an async-hook timeline, or no labels used yet. */
  labelSource: 'sample-time' | 'async-hooks' | 'unused';
  /** Sample-time: lookups that found an unreadable context (counted as unlabelled). */
  labelUnreadable: number;
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
  /** How labels reach samples in this thread, and why not read at sample time when they are not. */
  readonly labelSource: LabelSource;
  /** Ends the last period, stops the sources, and returns the last period. */
  stop(): Promise<PeriodResult>;
  /** A wall profile (gzipped pprof) of the next `seconds`, taken next to the periods without
   *  ending or changing them; sooner when `signal` aborts. What pull mode serves. */
  profileWindow(seconds: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** The heap in use now (gzipped pprof); needs `heap` among the profiles. */
  heapProfile(): Promise<Uint8Array>;
  /** Why there is no allocation profile here (undefined: there is one). */
  allocationsUnavailable(): string | undefined;
  /** A heap profile with alloc_* (gzipped pprof): the allocations of the next `seconds` (sooner
   *  when `signal` aborts), or without `seconds` those since the current period began. Needs
   *  `heap`, `heapAllocations: true` and a source that counts them (allocationsUnavailable()). */
  allocsProfile(seconds?: number, signal?: AbortSignal): Promise<Uint8Array>;
}

/** How the profiler is started, beyond the user's options. */
export interface StartContext {
  /** A preload before the application's main module: no application code has run yet. */
  beforeMain?: boolean;
}
