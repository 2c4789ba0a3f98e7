// Writes each batch into a directory as `<type>-<pid>-<seq>.pb.gz`, atomically (a temp file in
// the same directory, renamed into place: a reader never sees a partial profile), keeps the
// directory within a number of files and/or bytes (oldest removed first), and reports a disk
// that is full, read-only or gone once, on the reporter, without ever throwing into the app.
// Writes are queued (bounded like the HTTP exporters) and done one batch at a time off the
// caller's path. The only exporter that touches node:fs.
import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { batchBytes, batchProblem } from './batch.js';
import { BoundedQueue, type QueueBounds } from './queue.js';
import { setUnrefTimeout } from './timers.js';
import { defaultReporter, type ErrorReporter, type Exporter, type ExporterStats, type ProfileBatch } from './types.js';
import { fsErrorWords } from '../runtime/fs-errors.js';

/** The file operations the exporter uses (tests inject failing ones). */
export interface FileOps {
  mkdir(dir: string, opts: { recursive: true }): Promise<unknown>;
  writeFile(path: string, data: Uint8Array, opts: { flag: string }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  stat(path: string): Promise<{ size: number; mtimeMs: number }>;
}

const nodeFs: FileOps = { mkdir, writeFile, rename, unlink, readdir, stat };

export interface FileExporterOptions {
  dir: string;
  /** Keep at most this many profile files in dir (0 = no limit). Default 500. */
  maxFiles?: number;
  /** Keep at most this many bytes of profile files in dir (0 = no limit). Default 512 MiB. */
  maxBytes?: number;
  /** Pending-write queue bounds. Default 16 batches / 64 MiB. */
  queue?: Partial<QueueBounds>;
  onError?: ErrorReporter;
  /** Default: process.pid. */
  pid?: number;
  fs?: FileOps;
}

/** Profile files this exporter (or another wasmprof process) wrote: `<type>-<pid>-<seq>.pb.gz`. */
export const PROFILE_FILE = /^([a-z0-9][a-z0-9_-]*)-(\d+)-(\d+)\.pb\.gz$/;
const TEMP_FILE = /^\..+\.tmp$/;
const STALE_TEMP_MS = 60 * 60_000;


function codeOf(err: unknown): string {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : 'EUNKNOWN';
}

export class FileExporter implements Exporter {
  private readonly queue: BoundedQueue<{ batch: ProfileBatch; seq: number }>;
  private readonly fs: FileOps;
  private readonly report: ErrorReporter;
  private readonly pid: number;
  private readonly maxFiles: number;
  private readonly maxBytes: number;
  private readonly counters = { batchesAccepted: 0, invalid: 0, delivered: 0, deliveredBytes: 0, retries: 0, timeouts: 0, rejected: 0 };
  private readonly reported = new Set<string>();
  private lastError: string | undefined;
  private seq = 0;
  private madeDir = false;
  private running = false;
  private closed = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: FileExporterOptions) {
    if (typeof opts.dir !== 'string' || opts.dir === '') throw new Error('file exporter: dir is required');
    this.maxFiles = opts.maxFiles ?? 500;
    this.maxBytes = opts.maxBytes ?? 512 * 1024 * 1024;
    for (const [k, v] of [['maxFiles', this.maxFiles], ['maxBytes', this.maxBytes]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new Error(`file exporter: ${k} must be an integer >= 0 (0 = no limit), got ${v}`);
    }
    this.queue = new BoundedQueue({ maxItems: 16, maxBytes: 64 * 1024 * 1024, ...opts.queue });
    this.fs = opts.fs ?? nodeFs;
    this.report = opts.onError ?? defaultReporter;
    this.pid = opts.pid ?? (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
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
      const seq = batch.seq ?? ++this.seq;
      if (batch.seq !== undefined) this.seq = Math.max(this.seq, batch.seq);
      const dropped = this.queue.push({ batch, seq }, bytes, batch.profiles.length);
      if (dropped.length) this.reportOnce('dropped', `write queue full (disk slower than profiling): dropping the oldest profiles; counted in stats().dropped`);
      this.pump();
    } catch (err) {
      this.counters.invalid++;
      this.reportOnce('export-threw', `export() failed: ${String(err)}`);
    }
  }

  async flush(timeoutMs: number): Promise<void> {
    if (this.queue.isEmpty && !this.running) return;
    this.pump();
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
    const line = `wasmprof: file exporter: ${message}`;
    this.lastError = line;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    try { this.report(line); } catch { /* never let a reporter break the exporter */ }
  }

  private pump(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void (async () => {
      try {
        for (let e = this.queue.lease(); e && !this.stopped; e = this.queue.lease()) {
          await this.writeBatch(e.value.batch, e.value.seq, e.bytes);
          this.queue.settle();
        }
      } catch { /* writeBatch catches everything; this is a last guard */ } finally {
        this.running = false;
        const w = this.idleWaiters;
        this.idleWaiters = [];
        for (const f of w) f();
      }
    })();
  }

  private async writeBatch(batch: ProfileBatch, seq: number, bytes: number): Promise<void> {
    const dir = this.opts.dir;
    try {
      if (!this.madeDir) { await this.fs.mkdir(dir, { recursive: true }); this.madeDir = true; }
    } catch (err) {
      this.fail(err, dir, batch.profiles.length, bytes);
      return;
    }
    const written: string[] = [];
    for (const p of batch.profiles) {
      const name = `${p.type}-${this.pid}-${seq}.pb.gz`;
      const final = join(dir, name);
      const temp = join(dir, `.${name}.${this.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
      try {
        await this.fs.writeFile(temp, p.pprof, { flag: 'wx' });
        await this.fs.rename(temp, final);
        written.push(name);
        this.counters.delivered++;
        this.counters.deliveredBytes += p.pprof.byteLength;
        this.recovered();
      } catch (err) {
        this.fail(err, final, 1, p.pprof.byteLength);
        await this.fs.unlink(temp).catch(() => undefined);
      }
    }
    if (written.length) await this.enforceRetention(new Set(written));
  }

  private recovered(): void {
    for (const k of [...this.reported]) if (k.startsWith('fs:')) this.reported.delete(k);
    this.lastError = undefined;
  }

  private fail(err: unknown, path: string, profiles: number, bytes: number): void {
    const code = codeOf(err);
    this.queue.countDrop({ profiles, bytes });
    // Once per kind of failure until a write succeeds again; the counters keep counting.
    this.reportOnce(`fs:${code}`, `cannot write ${path}: ${fsErrorWords(code) ?? (err instanceof Error ? err.message : String(err))} (${code}); profiles are dropped until writing works again (counted in stats().dropped)`);
  }

  /** Removes the oldest profile files until the directory is within maxFiles and maxBytes. The
   *  files just written are never removed. Stale temp files (crashed writers) are removed too. */
  private async enforceRetention(keep: Set<string>): Promise<void> {
    if (this.maxFiles === 0 && this.maxBytes === 0) return;
    try {
      const names = await this.fs.readdir(this.opts.dir);
      const files: Array<{ name: string; size: number; mtimeMs: number; seq: number }> = [];
      const now = Date.now();
      for (const name of names) {
        const m = PROFILE_FILE.exec(name);
        if (!m && !TEMP_FILE.test(name)) continue;
        const st = await this.fs.stat(join(this.opts.dir, name)).catch(() => undefined);
        if (!st) continue;
        if (!m) {
          if (now - st.mtimeMs > STALE_TEMP_MS) await this.fs.unlink(join(this.opts.dir, name)).catch(() => undefined);
          continue;
        }
        files.push({ name, size: st.size, mtimeMs: st.mtimeMs, seq: Number(m[3]) });
      }
      files.sort((a, b) => a.mtimeMs - b.mtimeMs || a.seq - b.seq || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      let count = files.length;
      let total = files.reduce((n, f) => n + f.size, 0);
      for (const f of files) {
        const over = (this.maxFiles > 0 && count > this.maxFiles) || (this.maxBytes > 0 && total > this.maxBytes);
        if (!over) break;
        if (keep.has(f.name)) continue;
        try {
          await this.fs.unlink(join(this.opts.dir, f.name));
          count--;
          total -= f.size;
        } catch (err) {
          if (codeOf(err) !== 'ENOENT') { this.reportOnce(`retention:${codeOf(err)}`, `cannot remove old profile ${f.name} (${codeOf(err)}); the directory may grow past its bounds`); break; }
          count--; total -= f.size;
        }
      }
    } catch (err) {
      this.reportOnce(`retention:${codeOf(err)}`, `cannot list ${this.opts.dir} for retention (${codeOf(err)})`);
    }
  }
}
