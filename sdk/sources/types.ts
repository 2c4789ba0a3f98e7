// Where stacks come from. Two implementations produce the same shapes: the native bridge
// (native-bridge/v8, C++ against the running Node's V8) and node:inspector (fallback, and the
// only path in Deno). The shapes are those of the DevTools protocol, so the two paths are
// interchangeable and produce equivalent profiles.

/** A JavaScript frame as V8 reports it. Line and column numbers are 0-based. */
export interface CallFrameInfo {
  functionName: string;
  url: string;
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
}

export interface RawProfileNode {
  id: number;
  callFrame: CallFrameInfo;
  children?: number[];
  hitCount?: number;
}

/** One CPU-profiler period: a call tree plus the sequence of sampled node ids. Times in µs. */
export interface RawCpuProfile {
  nodes: RawProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
  /** CPU time used by the profiled thread during the period (µs), when the source can measure it. */
  threadCpuMicros?: number;
}

export interface RawHeapNode {
  id: number;
  callFrame: CallFrameInfo;
  selfSize: number;
  /** V8's own estimate of the live objects allocated here (each sampled allocation already
   *  scaled up, like selfSize). Only the native bridge has it: the inspector protocol reports
   *  sizes only, and the count cannot be recovered from them for objects much smaller than the
   *  sampling interval. */
  selfCount?: number;
  /** Allocations sampled here in the profile's window, collected ones included, scaled by V8
   *  like selfSize/selfCount (bytes and objects). Set on every node when the profile has
   *  `allocations`. */
  allocSize?: number;
  allocCount?: number;
  children: RawHeapNode[];
}

/** Sampling heap profile: live sampled allocations as a tree (self sizes are already scaled
 *  by V8 to estimate all bytes). */
export interface RawHeapProfile {
  head: RawHeapNode;
  samples?: Array<{ size: number; nodeId: number; ordinal: number }>;
  /** True when the nodes carry allocSize/allocCount: the source counted the allocations of the
   *  window (a period, or a pull request's window), collected objects included. */
  allocations?: boolean;
  /** With allocations: the samples of collected objects V8's sampler holds (its memory grows
   *  with them until the source restarts it). */
  collectedSamples?: number;
  /** Lines for the heap profile's comments: what the source did (a restart of V8's sampler, and
   *  since when in-use values count), or why it reports no allocations. */
  notes?: string[];
}

/** Where an allocation count starts: the highest sample id seen, within one run of V8's sampler
 *  (`epoch` changes when the source restarts it). Opaque to everything but the source. */
export interface AllocationMark {
  readonly epoch: number;
  readonly sampleId: number;
  /** Wall clock of the mark (ms since the epoch), for the profile's comments. */
  readonly atMillis: number;
}

export interface HeapStartOptions {
  /** Count allocations (alloc_objects/alloc_space) beside the heap in use, where the source can
   *  tell live samples from collected ones; elsewhere the heap stays in-use only and
   *  `allocationsUnavailable` says why. */
  allocations?: boolean;
}

/** What a CPU source can also answer synchronously: every Node source (V8's calls and an
 *  in-thread inspector session answer at once), not Deno's inspector. The profiler's exit path
 *  ('exit' handlers cannot wait) and its one period pipeline use it when it is there. */
export interface SyncCpuSource {
  rotate(): RawCpuProfile;
  stop(): RawCpuProfile;
}

export interface CpuSource {
  readonly kind: 'native' | 'inspector';
  /**
   * Starts sampling every `intervalMicros`. `fresh`: no application code has run yet (a preload
   * before the main module), so there is no on-stack-replacement code the profiler could miss
   * and the full GC that otherwise comes first is skipped.
   */
  start(intervalMicros: number, options?: { fresh?: boolean }): Promise<void>;
  /** Runs its own conversion once on synthetic data so that the first rotation is optimized. */
  warm?(): void;
  /**
   * Ends the current period and returns its profile. The next period's profile is started
   * before the current one is stopped, so no samples are lost and the event loop is not
   * stalled by a stop+start pair.
   */
  rotate(): Promise<RawCpuProfile>;
  /** Stops for good and returns the last period. */
  stop(): Promise<RawCpuProfile>;
  /** The same rotate/stop answered synchronously; undefined when they must be awaited. */
  readonly sync: SyncCpuSource | undefined;
}

/** The heap counterpart of SyncCpuSource. */
export interface SyncHeapSource {
  profile(): RawHeapProfile;
  stop(): void;
}

export interface HeapSource {
  readonly kind: 'native' | 'inspector';
  start(intervalBytes: number, stackDepth: number, options?: HeapStartOptions): Promise<void>;
  /** The currently live sampled allocations — the period's read: with allocations counted, they
   *  are those since the last profile() (or start), and the next window starts here. */
  profile(): Promise<RawHeapProfile>;
  stop(): Promise<void>;
  /** The same profile/stop answered synchronously; undefined when they must be awaited. */
  readonly sync: SyncHeapSource | undefined;
  /** Why this source cannot count allocations (undefined: it can). Sources without the member
   *  count none either. */
  readonly allocationsUnavailable?: string;
  /** Where a window of allocations starts now (pull mode); undefined when none are counted. */
  allocationMark?(): AllocationMark | undefined;
  /** The live heap, with allocations since `since` (default: since the current period began),
   *  without ending the period's window. */
  peek?(since?: AllocationMark): Promise<RawHeapProfile>;
}

/** Which stack source to use: the native V8 bridge when it loads (auto), or one of them only. */
export type SourceChoice = 'auto' | 'native' | 'inspector';
