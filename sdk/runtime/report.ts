// The one way wasmprof talks to the user outside a profile: single lines on stderr, each kind at
// most once per thread (a profiler left on for weeks must not flood a log). Tests swap the sink.

/** Where lines go; stderr unless a test replaced it. */
export type ReportSink = (line: string) => void;

function stderrSink(line: string): void {
  try {
    const p = (globalThis as { process?: { stderr?: { write(s: string): unknown } } }).process;
    if (p?.stderr) p.stderr.write(`${line}\n`);
    else console.error(line);
  } catch {
    // stderr is gone (a closed pipe at exit): nothing else to tell
  }
}

let sink: ReportSink = stderrSink;
const said = new Set<string>();

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Collapses whitespace so a message fits a single line (never truncates). */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Writes `line` now. */
export function say(line: string): void {
  sink(line);
}

/** Writes `line` (to `to`, else the sink) the first time `key` is reported in this thread;
 *  later calls do nothing. */
export function warnOnce(key: string, line: string, to?: ReportSink): void {
  if (said.has(key)) return;
  said.add(key);
  (to ?? sink)(line);
}

/** Replaces the sink (tests); returns a function that restores the previous one and forgets what was said. */
export function setReportSink(next: ReportSink): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
    said.clear();
  };
}

/**
 * Each kind of problem once per owner (an exporter, a writer, a profiler) until `rearm(key)`:
 * a failing disk or backend reports the outage once, not every period, and again only after it
 * recovered. The sink is the owner's (injectable); a sink that throws never breaks the owner.
 */
export class OnceReporter {
  private readonly said = new Set<string>();

  constructor(private readonly sink: ReportSink = say) {}

  /** Writes `line` if `key` was not reported since it was last rearmed; true when it wrote. */
  once(key: string, line: string): boolean {
    if (this.said.has(key)) return false;
    this.said.add(key);
    try { this.sink(line); } catch { /* a broken reporter must not break its owner */ }
    return true;
  }

  rearm(key: string): void {
    this.said.delete(key);
  }
}
