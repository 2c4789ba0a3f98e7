// The profiler's outputDir: a period's files through the one profile writer
// (sdk/export/file-writer.ts), plus the profiler's way of reporting a failing disk (full,
// read-only, gone): once, ever, on stderr, never throwing into the application; profiling goes on
// and later periods are tried again.
import { ProfileWriter } from '../export/file-writer.js';
import type { ProfileType } from '../pprof/profile-types.js';
import { fsErrorWords } from '../runtime/fs-errors.js';
import { messageOf, say } from '../runtime/report.js';

export interface PeriodFiles {
  pid: number;
  seq: number;
  profiles: Partial<Record<ProfileType, Uint8Array>>;
}

export class OutputDirWriter {
  private readonly writer: ProfileWriter;
  private reported = false;
  /** Files written and write failures, for status and tests. */
  readonly stats = { files: 0, failures: 0 };

  constructor(readonly dir: string, private readonly report: (line: string) => void = say) {
    this.writer = new ProfileWriter({ dir });
  }

  /** Writes the period's files now; returns the paths written. */
  write(period: PeriodFiles): string[] {
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
    const why = words ?? messageOf(err);
    try {
      this.report(`wasmprof: cannot write profiles to ${this.dir} (${path}: ${why}${words ? ` [${code}]` : ''}); the application keeps running, further write errors are not reported`);
    } catch {
      // stderr itself may be gone; never throw into the application
    }
  }
}
