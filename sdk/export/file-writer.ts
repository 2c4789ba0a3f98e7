// The one writer of profile files, shared by the file exporter, the profiler's outputDir and the
// native-heap aggregator, so that every profile on disk has the same name, the same atomicity and
// the same retention: `<type>-<pid>-<seq>.pb.gz`, seq being the caller's period number from 1.
// Each file goes to a temp file in the same directory and is renamed into place (a reader never
// sees a partial profile). Synchronous on purpose: a few hundred KB of gzipped pprof take well
// under a millisecond, and a process 'exit' handler can run nothing else; a caller that must stay
// off the application's tick queues the call (FileExporter). It never throws: failures come back
// in the result, marked when they start an outage, for each caller to report in its own words.
import { mkdirSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file operations the writer uses (tests inject failing ones); node:fs's *Sync by default. */
export interface FileOps {
  mkdir(dir: string, opts: { recursive: true }): unknown;
  writeFile(path: string, data: Uint8Array, opts: { flag: string }): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  readdir(dir: string): string[];
  stat(path: string): { size: number; mtimeMs: number };
}

export const nodeFileOps: FileOps = {
  mkdir: (dir, opts) => mkdirSync(dir, opts),
  writeFile: (path, data, opts) => { writeFileSync(path, data, opts); },
  rename: (from, to) => { renameSync(from, to); },
  unlink: (path) => { unlinkSync(path); },
  readdir: (dir) => readdirSync(dir),
  stat: (path) => statSync(path),
};

/** Profile files any wasmprof writer (this process or another) wrote: `<type>-<pid>-<seq>.pb.gz`. */
export const PROFILE_FILE = /^([a-z0-9][a-z0-9_-]*)-(\d+)-(\d+)\.pb\.gz$/;
const TEMP_FILE = /^\..+\.tmp$/;
// A temp file this old belongs to a writer that crashed between write and rename.
const STALE_TEMP_MS = 60 * 60_000;

/** The file exporter's retention when none is given (WASMPROF_FILE_MAX_FILES / _MAX_BYTES). */
export const DEFAULT_RETENTION = { maxFiles: 500, maxBytes: 512 * 1024 * 1024 } as const;

export function profileFileName(type: string, pid: number, seq: number): string {
  return `${type}-${pid}-${seq}.pb.gz`;
}

export interface ProfileToWrite {
  type: string;
  pprof: Uint8Array;
}

/** What happened to one file (or, when the directory could not be created, to all of them). */
export type FileOutcome =
  | { ok: true; name: string; path: string; bytes: number }
  | {
    ok: false; path: string; code: string; error: unknown; profiles: number; bytes: number;
    /** No failure with this code since the last successful write: report this one; the others
     *  of the same kind are the same outage (a full disk fails every period). */
    firstOfKind: boolean;
  };

export interface WriteResult {
  /** In the order the writes were tried. */
  files: FileOutcome[];
  /** Retention could not list or remove files: the directory may grow past its bounds. */
  retentionError?: { code: string; message: string };
}

export interface ProfileWriterOptions {
  dir: string;
  /** Keep at most this many profile files in dir, oldest removed first (0 or absent: no limit). */
  maxFiles?: number;
  /** Keep at most this many bytes of profile files in dir (0 or absent: no limit). */
  maxBytes?: number;
  /** The pid in file names. Default: process.pid. */
  pid?: number;
  fs?: FileOps;
}

export function errorCode(err: unknown): string {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : 'EUNKNOWN';
}

export class ProfileWriter {
  readonly dir: string;
  readonly pid: number;
  private readonly maxFiles: number;
  private readonly maxBytes: number;
  private readonly fs: FileOps;
  private madeDir = false;
  private readonly failing = new Set<string>();

  constructor(opts: ProfileWriterOptions) {
    this.dir = opts.dir;
    this.maxFiles = opts.maxFiles ?? 0;
    this.maxBytes = opts.maxBytes ?? 0;
    for (const [k, v] of [['maxFiles', this.maxFiles], ['maxBytes', this.maxBytes]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${k} must be an integer >= 0 (0 = no limit), got ${v}`);
    }
    this.pid = opts.pid ?? (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
    this.fs = opts.fs ?? nodeFileOps;
  }

  /** Writes one period's profiles as `<type>-<pid>-<seq>.pb.gz`, then applies retention. */
  write(profiles: readonly ProfileToWrite[], seq: number, pid: number = this.pid): WriteResult {
    const files: FileOutcome[] = [];
    try {
      if (!this.madeDir) { this.fs.mkdir(this.dir, { recursive: true }); this.madeDir = true; }
    } catch (error) {
      files.push(this.failure(this.dir, error, profiles.length, profiles.reduce((n, p) => n + p.pprof.byteLength, 0)));
      return { files };
    }
    const written = new Set<string>();
    for (const p of profiles) {
      const name = profileFileName(p.type, pid, seq);
      const path = join(this.dir, name);
      // Random part: two writers of one directory (or a retry after a crash) never share a temp file.
      const temp = join(this.dir, `.${name}.${pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
      try {
        this.fs.writeFile(temp, p.pprof, { flag: 'wx' });
        this.fs.rename(temp, path);
        written.add(name);
        this.failing.clear();
        files.push({ ok: true, name, path, bytes: p.pprof.byteLength });
      } catch (error) {
        if (errorCode(error) === 'ENOENT') this.madeDir = false; // removed meanwhile: create it again next time
        files.push(this.failure(path, error, 1, p.pprof.byteLength));
        try { this.fs.unlink(temp); } catch { /* never created, or already gone */ }
      }
    }
    const retentionError = written.size > 0 ? this.enforceRetention(written) : undefined;
    return retentionError ? { files, retentionError } : { files };
  }

  private failure(path: string, error: unknown, profiles: number, bytes: number): FileOutcome {
    const code = errorCode(error);
    const firstOfKind = !this.failing.has(code);
    this.failing.add(code);
    return { ok: false, path, code, error, profiles, bytes, firstOfKind };
  }

  /** Removes the oldest profile files until the directory is within maxFiles and maxBytes. The
   *  files just written are never removed. Stale temp files (crashed writers) are removed too. */
  private enforceRetention(keep: Set<string>): WriteResult['retentionError'] {
    if (this.maxFiles === 0 && this.maxBytes === 0) return undefined;
    const statOf = (name: string): { size: number; mtimeMs: number } | undefined => {
      try { return this.fs.stat(join(this.dir, name)); } catch { return undefined; }
    };
    let names: string[];
    try { names = this.fs.readdir(this.dir); } catch (err) {
      return { code: errorCode(err), message: `cannot list ${this.dir} for retention (${errorCode(err)})` };
    }
    const files: Array<{ name: string; size: number; mtimeMs: number; seq: number }> = [];
    const now = Date.now();
    for (const name of names) {
      const m = PROFILE_FILE.exec(name);
      if (!m && !TEMP_FILE.test(name)) continue;
      const st = statOf(name);
      if (!st) continue;
      if (!m) {
        if (now - st.mtimeMs > STALE_TEMP_MS) { try { this.fs.unlink(join(this.dir, name)); } catch { /* gone */ } }
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
        this.fs.unlink(join(this.dir, f.name));
      } catch (err) {
        const code = errorCode(err);
        if (code !== 'ENOENT') return { code, message: `cannot remove old profile ${f.name} (${code}); the directory may grow past its bounds` };
      }
      count--;
      total -= f.size;
    }
    return undefined;
  }
}
