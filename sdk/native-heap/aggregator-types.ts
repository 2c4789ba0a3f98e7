// What the native-heap aggregator (aggregator.ts) takes and reports.
import type { CoreOptions } from '../core/core.js';
import type { RingEvent } from './ring.js';
export interface NativeHeapAggregatorOptions {
  /** The ring directory (what targets get as WASMPROF_NATIVE_HEAP_DIR). */
  dir: string;
  /** Drain every this many ms (default 50). 0: only when drain() is called. */
  drainMs?: number;
  /** Write a profile every this many ms (default 60000; 0: never on a timer). */
  periodMs?: number;
  /** Where profiles go (native-heap-<aggregator pid>-<seq>.pb.gz, seq from 1, like every profile
   *  file; through the shared writer: temp file + rename). Without it, onProfile only. */
  outputDir?: string;
  onProfile?: (gzipped: Uint8Array, seq: number) => void;
  /** Warnings (default: one line on stderr). */
  warn?: (message: string) => void;
  /** Read a snapshot left by a previous aggregator (default true). */
  restore?: boolean;
  /** Snapshot byte budget (default: WASMPROF_LIVE_SNAPSHOT_MAX_BYTES or 4 MiB). */
  snapshotBudget?: number;
  /** Forget owners whose process has exited (default true). */
  reapDead?: boolean;
  /** File and line for native frames through addr2line (default true; false: function names only). */
  lines?: boolean;
  core?: CoreOptions;
  /** Sees every event as it is applied (tests use it to replay a restart-free reference). */
  onEvents?: (pid: number, events: readonly RingEvent[]) => void;
}

export interface OwnerReport {
  pid: number;
  /** Sampled live allocations and their raw bytes in the live map. */
  entries: number;
  rawBytes: number;
  /** Estimated live bytes/objects (sampling-weighted). */
  inuseBytes: number;
  inuseObjects: number;
  /** The target's own tracked-address count, as last read. */
  targetTracked: number;
  /** live-map entries minus the target's count, when confirmed by two stable checks; else 0. */
  mismatch: number;
  dropped: number;
  /** Frees of tracked addresses the target could not report (ring full): each leaves a stale entry. */
  lostFrees: number;
  interval: number;
}

export interface NativeHeapStats {
  events: number;
  owners: number;
  ringsOpened: number;
  ringsReplaced: number;
  ownersReaped: number;
  symbolTableLoads: number;
  /** addr2line runs (one per object per batch of new addresses). */
  lineRuns: number;
  /** Time spent waiting for addr2line, ms. */
  lineMs: number;
  mismatchWarnings: number;
  restoredEntries: number;
  snapshotRejected: number;
  profiles: number;
  /** Events of a kind this aggregator does not know (skipped). */
  unknownEvents: number;
}

/** One traced process over the whole run (what `wasmprof record` prints at the end). */
export interface ProcessSummary {
  pid: number;
  ppid: number;
  /** Highest estimated live bytes seen in any period, when (ms since the epoch; 0: at a period start), and the largest stacks then. */
  peakBytes: number;
  peakTimeMs: number;
  peakStacks: Array<{ stack: number; bytes: number }>;
  /** Why it ended ("exit code 0", "signal SIGKILL", "exec"); undefined while it runs. */
  exit: string | undefined;
  /** Estimated live bytes at the end of the last period (for an ended process: when it started to exit), and the largest stacks then. */
  inuseAtEndBytes: number;
  endStacks: Array<{ stack: number; bytes: number }>;
}
