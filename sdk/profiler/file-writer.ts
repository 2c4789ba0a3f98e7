// ADAPTER, to be removed once the profiler calls sdk/export/file-writer.ts directly: it keeps the
// API profiler.ts uses (write() / writeSync() of a period) over the one profile writer, so both
// methods go through the same synchronous write. What stays here is the profiler's reporting: a
// failing disk (full, read-only, gone) is reported on stderr once, ever, and never throws into the
// application; profiling goes on and later periods are tried again.
import { ProfileWriter } from '../export/file-writer.js';
import type { ProfileType } from './options.js';
import { fsErrorWords } from '../runtime/fs-errors.js';

export { profileFileName } from '../export/file-writer.js';

export interface PeriodFiles {
  pid: number;
  seq: number;
  profiles: Partial<Record<ProfileType, Uint8Array>>;
}

export class ProfileFileWriter {
  private readonly writer: ProfileWriter;
  private reported = false;
  /** Files written and write failures, for status and tests. */
  readonly stats = { files: 0, failures: 0 };

  constructor(readonly dir: string, private readonly report: (line: string) => void = (l) => { process.stderr.write(l + '\n'); }) {
    this.writer = new ProfileWriter({ dir });
  }

  /** The synchronous write; async only for callers that await it. */
  async write(period: PeriodFiles): Promise<string[]> {
    return this.writeSync(period);
  }

  writeSync(period: PeriodFiles): string[] {
    const profiles = Object.entries(period.profiles).flatMap(([type, pprof]) => (pprof ? [{ type, pprof }] : []));
    const written: string[] = [];
    for (const f of this.writer.write(profiles, period.seq, period.pid).files) {
      if (f.ok) {
        this.stats.files++;
        written.push(f.path);
      } else this.fail(f.error, f.code, f.path);
    }
    return written;
  }

  private fail(err: unknown, code: string, path: string): void {
    this.stats.failures++;
    if (this.reported) return;
    this.reported = true;
    const words = fsErrorWords(code);
    const why = words ?? (err instanceof Error ? err.message : String(err));
    try {
      this.report(`wasmprof: cannot write profiles to ${this.dir} (${path}: ${why}${words ? ` [${code}]` : ''}); the application keeps running, further write errors are not reported`);
    } catch {
      // stderr itself may be gone; never throw into the application
    }
  }
}
