// Writes each period's profiles into a directory as `<type>-<pid>-<seq>.pb.gz`, atomically: the
// bytes go to a temporary file in the same directory, which is then renamed into place, so a
// reader never sees a half-written profile. A failing disk (full, read-only, gone) is reported
// on stderr once and never throws into the application; profiling goes on and later periods are
// tried again.
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProfileType } from './options.js';
import { fsErrorWords } from '../runtime/fs-errors.js';

export interface PeriodFiles {
  pid: number;
  seq: number;
  profiles: Partial<Record<ProfileType, Uint8Array>>;
}

export function profileFileName(type: ProfileType, pid: number, seq: number): string {
  return `${type}-${pid}-${seq}.pb.gz`;
}


export class ProfileFileWriter {
  private reported = false;
  private madeDir = false;
  /** Files written and write failures, for status and tests. */
  readonly stats = { files: 0, failures: 0 };

  constructor(readonly dir: string, private readonly report: (line: string) => void = (l) => { process.stderr.write(l + '\n'); }) {}

  async write(period: PeriodFiles): Promise<string[]> {
    const written: string[] = [];
    try {
      if (!this.madeDir) { await mkdir(this.dir, { recursive: true }); this.madeDir = true; }
    } catch (err) {
      this.fail(err, this.dir);
      return written;
    }
    for (const [type, bytes] of Object.entries(period.profiles) as Array<[ProfileType, Uint8Array]>) {
      const final = join(this.dir, profileFileName(type, period.pid, period.seq));
      const temp = join(this.dir, `.${profileFileName(type, period.pid, period.seq)}.${process.pid}.tmp`);
      try {
        await writeFile(temp, bytes);
        await rename(temp, final);
        this.stats.files++;
        written.push(final);
      } catch (err) {
        this.fail(err, final);
        await unlink(temp).catch(() => undefined);
      }
    }
    return written;
  }

  writeSync(period: PeriodFiles): string[] {
    const written: string[] = [];
    try {
      if (!this.madeDir) { mkdirSync(this.dir, { recursive: true }); this.madeDir = true; }
    } catch (err) {
      this.fail(err, this.dir);
      return written;
    }
    for (const [type, bytes] of Object.entries(period.profiles) as Array<[ProfileType, Uint8Array]>) {
      const final = join(this.dir, profileFileName(type, period.pid, period.seq));
      const temp = join(this.dir, `.${profileFileName(type, period.pid, period.seq)}.${process.pid}.tmp`);
      try {
        writeFileSync(temp, bytes);
        renameSync(temp, final);
        this.stats.files++;
        written.push(final);
      } catch (err) {
        this.fail(err, final);
        try { unlinkSync(temp); } catch { /* nothing to clean */ }
      }
    }
    return written;
  }

  private fail(err: unknown, path: string): void {
    this.stats.failures++;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.madeDir = false; // removed meanwhile: create it again next time
    if (this.reported) return;
    this.reported = true;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const why = fsErrorWords(code) ?? (err instanceof Error ? err.message : String(err));
    try {
      this.report(`wasmprof: cannot write profiles to ${this.dir} (${path}: ${why}${code && !fsErrorWords(code) ? '' : code ? ` [${code}]` : ''}); the application keeps running, further write errors are not reported`);
    } catch {
      // stderr itself may be gone; never throw into the application
    }
  }
}
