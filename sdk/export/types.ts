// The shapes every exporter shares: what the profiler hands over per period (ProfileBatch), what
// an exporter promises (Exporter), and what it reports about itself (ExporterStats).
// Runtime-neutral: the only import is the SDK's runtime-neutral reporter.
import { say } from '../runtime/report.js';

/** One profile of a period, already encoded as gzipped pprof. */
export interface BatchProfile {
  /** 'wall' | 'cpu' | 'heap' | 'native-heap' (any [a-z0-9-] name is accepted). */
  type: string;
  /** gzipped pprof bytes. */
  pprof: Uint8Array;
}

/** Everything the profiler produced for one period. */
export interface ProfileBatch {
  start: Date;
  end: Date;
  profiles: BatchProfile[];
  /** Extra tags for this batch only (they override the exporter's static tags). */
  labels?: Record<string, string>;
  /** Period sequence number; the file exporter uses it in file names when given. */
  seq?: number;
}

/** Counters and the last problem, for status pages, tests and the next profile's comments. */
export interface ExporterStats {
  /** Which exporter: 'file' | 'pyroscope' | 'datadog'. */
  kind: string;
  /** Batches accepted by export() (closed-exporter and invalid batches are not counted). */
  batchesAccepted: number;
  /** Batches refused by export() because they were malformed (reported once per reason). */
  invalid: number;
  /** Requests (or files) that reached the backend and were acknowledged. */
  delivered: number;
  /** Bytes of pprof payload delivered. */
  deliveredBytes: number;
  /** Attempts that failed and were scheduled again. */
  retries: number;
  /** Attempts that ended by timeout. */
  timeouts: number;
  /** Items the backend refused with a non-retryable status (4xx other than 408/429); not retried. */
  rejected: number;
  /** Items dropped to keep the queue within its bounds (oldest first), or refused after close(). */
  dropped: number;
  droppedBytes: number;
  /** Items waiting (including one being sent). */
  queued: number;
  queuedBytes: number;
  /** Last failure, already redacted; undefined after a success. */
  lastError: string | undefined;
}

export interface Exporter {
  /** Enqueue a period's profiles. Returns at once: never awaits I/O, never throws. */
  export(batch: ProfileBatch): void;
  /** Resolve when everything queued so far has been sent (or given up on), or after timeoutMs. Never rejects. */
  flush(timeoutMs: number): Promise<void>;
  /** Stop accepting batches, flush for at most timeoutMs, then abandon what is left. Never rejects. */
  close(timeoutMs: number): Promise<void>;
  /** The same from a process 'exit' handler, which cannot wait: delivers what is queued while
   *  blocking at most timeoutMs. Optional: without it the last period is lost on process.exit(). */
  closeSync?(timeoutMs: number): void;
  stats(): ExporterStats;
  /** Drops (and refusals) since the last call, as one line for a pprof comment; undefined when none. */
  takeDropComment(): string | undefined;
}

/** Where exporters report problems: one line per distinct problem, already redacted. */
export type ErrorReporter = (line: string) => void;

/** The default reporter: the SDK's one reporter (sdk/runtime/report.ts: stderr, or console.error). */
export function defaultReporter(line: string): void {
  say(line);
}
