// The file exporter: each batch goes into a directory through the one profile writer
// (file-writer.ts: `<type>-<pid>-<seq>.pb.gz`, temp file + rename, retention), and a disk that
// is full, read-only or gone is reported once, on the reporter, without ever throwing into the
// app. export() only queues (bounded like the HTTP exporters, same defaults); the synchronous
// write runs one batch per setImmediate, so a burst of batches never holds the caller's tick.
import { setImmediate } from 'node:timers';
import { batchBytes, batchProblem } from './batch.js';
import { DEFAULT_RETENTION, ProfileWriter, type FileOps } from './file-writer.js';
import { DEFAULT_QUEUE } from './options.js';
import { BoundedQueue, type QueueBounds } from './queue.js';
import { setUnrefTimeout } from './timers.js';
import { defaultReporter, type ErrorReporter, type Exporter, type ExporterStats, type ProfileBatch } from './types.js';
import { fsErrorWords } from '../runtime/fs-errors.js';
import { messageOf, OnceReporter } from '../runtime/report.js';

export { PROFILE_FILE, type FileOps } from './file-writer.js';

export interface FileExporterOptions {
  dir: string;
  /** Keep at most this many profile files in dir (0 = no limit). Default 500. */
  maxFiles?: number;
  /** Keep at most this many bytes of profile files in dir (0 = no limit). Default 512 MiB. */
  maxBytes?: number;
  /** Pending-write queue bounds. Default 64 batches / 32 MiB (DEFAULT_QUEUE, as every exporter). */
  queue?: Partial<QueueBounds>;
  onError?: ErrorReporter;
  /** Default: process.pid. */
  pid?: number;
  fs?: FileOps;
}

export class FileExporter implements Exporter {
  private readonly queue: BoundedQueue<{ batch: ProfileBatch; seq: number }>;
  private readonly writer: ProfileWriter;
  private readonly report: ErrorReporter;
  private readonly counters = { batchesAccepted: 0, invalid: 0, delivered: 0, deliveredBytes: 0, retries: 0, timeouts: 0, rejected: 0 };
  private readonly problems: OnceReporter;
  private lastError: string | undefined;
  private seq = 0;
  private scheduled = false;
  private closed = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(opts: FileExporterOptions) {
    if (typeof opts.dir !== 'string' || opts.dir === '') throw new Error('file exporter: dir is required');
    try {
      this.writer = new ProfileWriter({
        dir: opts.dir, maxFiles: opts.maxFiles ?? DEFAULT_RETENTION.maxFiles, maxBytes: opts.maxBytes ?? DEFAULT_RETENTION.maxBytes,
        ...(opts.pid !== undefined ? { pid: opts.pid } : {}), ...(opts.fs ? { fs: opts.fs } : {}),
      });
    } catch (err) {
      throw new Error(`file exporter: ${messageOf(err)}`);
    }
    this.queue = new BoundedQueue({ ...DEFAULT_QUEUE, ...opts.queue });
    this.report = opts.onError ?? defaultReporter;
    this.problems = new OnceReporter((line) => this.report(line));
  }

  export(batch: ProfileBatch): void {
    try {
      const problem = batchProblem(batch);
      if (problem) {
        this.counters.invalid++;
        this.reportOnce(`invalid:${problem}`, `export() ignored a malformed batch: ${problem}`);
        return;
      }
      const bytes = batchBytes(batch);
      if (this.closed) {
        this.queue.countDrop({ profiles: batch.profiles.length, bytes });
        this.reportOnce('closed', 'export() after close(): profiles dropped');
        return;
      }
      this.counters.batchesAccepted++;
      // Numbered when accepted, so a batch dropped from the queue leaves a gap, not a renumbering.
      const seq = batch.seq ?? ++this.seq;
      if (batch.seq !== undefined) this.seq = Math.max(this.seq, batch.seq);
      const dropped = this.queue.push({ batch, seq }, bytes, batch.profiles.length);
      if (dropped.length) this.reportOnce('dropped', `write queue full (disk slower than profiling): dropping the oldest profiles; counted in stats().dropped`);
      this.schedule();
    } catch (err) {
      this.counters.invalid++;
      this.reportOnce('export-threw', `export() failed: ${String(err)}`);
    }
  }

  async flush(timeoutMs: number): Promise<void> {
    if (this.queue.isEmpty && !this.scheduled) return;
    this.schedule();
    await new Promise<void>((resolve) => {
      let done = false;
      const finish = (): void => { if (!done) { done = true; clearTimeout(t); resolve(); } };
      const t = setUnrefTimeout(finish, timeoutMs);
      this.idleWaiters.push(finish);
    });
  }

  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    await this.flush(timeoutMs);
    this.stopped = true;
    const left = this.queue.clear();
    for (const e of left) this.queue.countDrop(e);
    if (left.length) this.reportOnce('close-left', `closed after ${timeoutMs} ms with ${left.length} batch(es) unwritten (dropped)`);
  }

  /** From a process 'exit' handler: writes what is queued now (writing is synchronous anyway). */
  closeSync(_timeoutMs: number): void {
    this.closed = true;
    while (this.writeOne()) { /* until the queue is empty */ }
    this.stopped = true;
  }

  stats(): ExporterStats {
    return {
      kind: 'file', ...this.counters,
      dropped: this.queue.dropped.profiles, droppedBytes: this.queue.dropped.bytes,
      queued: this.queue.length, queuedBytes: this.queue.bytes, lastError: this.lastError,
    };
  }

  takeDropComment(): string | undefined {
    const d = this.queue.takeUnreported();
    return d ? `wasmprof file exporter dropped ${d.profiles} profile(s) (${d.bytes} bytes) since the last report (write queue full, disk error or exporter closed)` : undefined;
  }

  private reportOnce(key: string, message: string): void {
    this.lastError = `wasmprof: file exporter: ${message}`;
    this.problems.once(key, this.lastError);
  }

  /** A disk failure: reported when it starts an outage (the writer says which), always kept as lastError. */
  private note(message: string, report: boolean): void {
    this.lastError = `wasmprof: file exporter: ${message}`;
    if (report) try { this.report(this.lastError); } catch { /* never let a reporter break the exporter */ }
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => this.writeNext());
  }

  private writeNext(): void {
    this.scheduled = false;
    if (!this.stopped) this.writeOne();
    if (!this.stopped && !this.queue.isEmpty) { this.schedule(); return; }
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** Writes the oldest queued batch; false when there was none. */
  private writeOne(): boolean {
    const e = this.queue.lease();
    if (!e) return false;
    try { this.writeBatch(e.value.batch, e.value.seq); } catch { /* writeBatch reports everything; this is a last guard */ }
    this.queue.settle();
    return true;
  }

  private writeBatch(batch: ProfileBatch, seq: number): void {
    const result = this.writer.write(batch.profiles, seq);
    for (const f of result.files) {
      if (f.ok) {
        this.counters.delivered++;
        this.counters.deliveredBytes += f.bytes;
        this.lastError = undefined;
        continue;
      }
      this.queue.countDrop({ profiles: f.profiles, bytes: f.bytes });
      // Once per kind of failure until a write succeeds again; the counters keep counting.
      const why = fsErrorWords(f.code) ?? messageOf(f.error);
      this.note(`cannot write ${f.path}: ${why} (${f.code}); profiles are dropped until writing works again (counted in stats().dropped)`, f.firstOfKind);
    }
    if (result.retentionError) this.reportOnce(`retention:${result.retentionError.code}`, result.retentionError.message);
  }
}
