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
  children: RawHeapNode[];
}

/** Sampling heap profile: live sampled allocations as a tree (self sizes are already scaled
 *  by V8 to estimate all bytes). */
export interface RawHeapProfile {
  head: RawHeapNode;
  samples?: Array<{ size: number; nodeId: number; ordinal: number }>;
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
  /** Starts sampling every `intervalMicros`. */
  start(intervalMicros: number): Promise<void>;
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
  start(intervalBytes: number, stackDepth: number): Promise<void>;
  /** The currently live sampled allocations. */
  profile(): Promise<RawHeapProfile>;
  stop(): Promise<void>;
  /** The same profile/stop answered synchronously; undefined when they must be awaited. */
  readonly sync: SyncHeapSource | undefined;
}

/** Which stack source to use: the native V8 bridge when it loads (auto), or one of them only. */
export type SourceChoice = 'auto' | 'native' | 'inspector';
