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

/** Writes `line` the first time `key` is reported in this thread; later calls do nothing. */
export function warnOnce(key: string, line: string): void {
  if (said.has(key)) return;
  said.add(key);
  sink(line);
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
