// `wasmprof record --pid PID [--duration 30s] [--profiles wall,cpu,heap] [--interval 10ms] -o DIR`
//
// Profiles a running Node process that was started without wasmprof (sdk/attach/: SIGUSR1 opens
// its inspector, which is closed again at the end) and writes what `record -- cmd` writes: one
// gzipped pprof per type through the one profile writer (<type>-<pid>-<seq>.pb.gz, seq after the
// ones already in DIR for that pid), then flamegraph.html. Exit 0 when written, 2 when refused
// (nothing was done to the target), 1 when attaching failed half-way.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { attachAndRecord } from '../attach/attach.js';
import { AttachRefused } from '../attach/errors.js';
import { parsePid } from '../attach/preflight.js';
import { parseDuration } from '../config/index.js';
import { PROFILE_FILE, ProfileWriter } from '../export/file-writer.js';
import type { JsProfileType } from '../pprof/profile-types.js';
import { resolveOptions, WasmprofOptionError, type ResolvedOptions } from '../profiler/options.js';
import { messageOf } from '../runtime/report.js';
import { writeFlameGraphHtml } from '../view/index.js';

const USAGE = `usage: wasmprof record --pid PID [options] -o DIR

Attaches to a running Node process (same user, or root; Linux), profiles it for the duration
and writes its profiles (pprof, gzipped: <type>-<pid>-<seq>.pb.gz) and flamegraph.html into DIR.
The target's inspector is opened with SIGUSR1 on its loopback port and closed again at the end
(also on Ctrl-C or error). See docs/attach.md.

options:
  --pid PID                 the process to profile
  -o, --output DIR          directory for the profiles (required)
  --duration DURATION       how long to record, 100ms to 24h (default: 30s); Ctrl-C stops early
  --profiles LIST           wall, cpu, heap (default: wall,cpu)
  --interval DURATION       sampling interval, 100us to 1s (default: 10ms)
  --heap-interval BYTES     mean bytes between heap samples (default: 524288)
  --no-flamegraph           do not write flamegraph.html
  -h, --help                show this help

Example: wasmprof record --pid 4242 --duration 10s -o out
`;

const FLAGS: Record<string, string> = { profiles: '--profiles', interval: '--interval', heapInterval: '--heap-interval' };
const DEFAULT_DURATION = '30s';

interface AttachArgs { pid: number; dir: string; durationMs: number; options: ResolvedOptions; flamegraph: boolean }

class UsageError extends Error {}

function parse(argv: string[]): AttachArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        pid: { type: 'string' }, output: { type: 'string', short: 'o' }, duration: { type: 'string' }, profiles: { type: 'string' },
        interval: { type: 'string' }, 'heap-interval': { type: 'string' }, period: { type: 'string' }, 'no-flamegraph': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(messageOf(err).split(/\.\s/)[0].replace(/\.$/, ''));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`--pid attaches to a running process: no command is run (got \`${positionals.join(' ').slice(0, 60)}\`)`);
  if (values.period !== undefined) throw new UsageError('--period does not apply with --pid: one profile per type covers the whole --duration');
  if (values.pid === undefined) throw new UsageError('missing --pid');
  const pid = parsePid(values.pid);
  if (values.output === undefined || values.output === '') throw new UsageError('missing -o DIR: where the profiles go');
  if (values.profiles !== undefined && /(^|,)\s*native-heap\s*(,|$)/.test(values.profiles)) {
    throw new UsageError('native-heap cannot be attached: its hooks are preloaded when a program starts (use record -- <command>)');
  }
  let durationMs: number;
  try {
    durationMs = parseDuration({ option: '--duration' }, values.duration ?? DEFAULT_DURATION, { min: 100, max: 86_400_000, example: '30s' });
  } catch (err) {
    throw new UsageError(messageOf(err).replace(/^wasmprof: /, ''));
  }
  const env = { ...process.env };
  delete env.WASMPROF_OUTPUT_DIR;
  let options: ResolvedOptions;
  try {
    options = resolveOptions({
      ...(values.profiles !== undefined ? { profiles: values.profiles } : {}),
      ...(values.interval !== undefined ? { interval: values.interval } : {}),
      ...(values['heap-interval'] !== undefined ? { heapInterval: values['heap-interval'] } : {}),
      env,
    });
  } catch (err) {
    if (err instanceof WasmprofOptionError && err.variable === undefined && FLAGS[err.option]) {
      throw new UsageError(err.message.replace(/^wasmprof: invalid \S+/, `invalid ${FLAGS[err.option]}`));
    }
    throw new UsageError(messageOf(err).replace(/^wasmprof: /, ''));
  }
  if (options.profiles.includes('native-heap')) throw new UsageError('native-heap cannot be attached (WASMPROF_PROFILES): its hooks are preloaded when a program starts');
  return { pid, dir: resolve(values.output), durationMs, options, flamegraph: !values['no-flamegraph'] };
}

/** The next period number for `pid` in `dir`, so a second attach adds files instead of replacing them. */
function nextSeq(dir: string, pid: number): number {
  let seq = 0;
  let names: string[] = [];
  try { names = readdirSync(dir); } catch { /* not there yet */ }
  for (const name of names) {
    const m = PROFILE_FILE.exec(name);
    if (m && Number(m[2]) === pid) seq = Math.max(seq, Number(m[3]));
  }
  return seq + 1;
}

/** Ctrl-C (and TERM/HUP) end the recording early; the inspector is closed either way. */
function stopOnSignals(controller: AbortController): () => void {
  const handler = (): void => {
    if (controller.signal.aborted) process.stderr.write('wasmprof: closing the target\'s inspector first\n');
    else process.stderr.write('wasmprof: stopping early\n');
    controller.abort();
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, handler);
  return () => { for (const s of signals) process.removeListener(s, handler); };
}

export async function attach(argv: string[]): Promise<number> {
  let a: AttachArgs | 'help';
  try {
    a = parse(argv);
  } catch (err) {
    process.stderr.write(`wasmprof record: ${messageOf(err)}\n`);
    return 2;
  }
  if (a === 'help') { process.stdout.write(USAGE); return 0; }
  const controller = new AbortController();
  const release = stopOnSignals(controller);
  let result;
  try {
    result = await attachAndRecord({
      pid: a.pid, durationMs: a.durationMs, options: a.options, signal: controller.signal,
      log: (line) => { process.stderr.write(`${line}\n`); },
    });
  } catch (err) {
    process.stderr.write(`wasmprof record: ${messageOf(err)}\n`);
    return err instanceof AttachRefused ? 2 : 1;
  } finally {
    release();
  }
  if (result.targetExited) process.stderr.write(`wasmprof: pid ${a.pid} exited during the recording: its profiles up to then are kept\n`);
  else if (!result.closeProblem) process.stderr.write(`wasmprof: closed the inspector of pid ${a.pid} again (${result.inspector})\n`);
  const entries = Object.entries(result.profiles) as Array<[JsProfileType, Uint8Array]>;
  if (entries.length === 0) {
    process.stderr.write('wasmprof: interrupted before the recording started: nothing written\n');
    return result.closeProblem ? 1 : 130;
  }
  const seq = nextSeq(a.dir, a.pid);
  const written = new ProfileWriter({ dir: a.dir, pid: a.pid }).write(entries.map(([type, pprof]) => ({ type, pprof })), seq, a.pid);
  const failed = written.files.filter((f) => !f.ok);
  for (const f of failed) if (!f.ok) process.stderr.write(`wasmprof record: cannot write ${f.path}: ${messageOf(f.error)}\n`);
  const ok = written.files.flatMap((f) => (f.ok ? [f.name] : []));
  process.stderr.write(`wasmprof: ${ok.length} profile file${ok.length === 1 ? '' : 's'} (${entries.map(([t]) => t).sort().join(', ')}; pid ${a.pid}, ${(result.recordedMs / 1000).toFixed(1)} s${result.stoppedEarly ? ', stopped early' : ''}${result.targetExited ? ', until it exited' : ''}) in ${a.dir}\n`);
  if (a.flamegraph && ok.length > 0) {
    const order: JsProfileType[] = ['cpu', 'wall', 'heap'];
    const inputs = order.flatMap((t) => (result.profiles[t] ? [{ name: `${t} (pid ${a.pid})`, bytes: result.profiles[t]! }] : []));
    const out = join(a.dir, 'flamegraph.html');
    try {
      await writeFlameGraphHtml(inputs, out, { title: `wasmprof record --pid ${a.pid}` });
      process.stderr.write(`wasmprof: flame graph: ${out}\n`);
    } catch (err) {
      process.stderr.write(`wasmprof: could not write the flame graph: ${messageOf(err)}\n`);
    }
  }
  if (result.closeProblem) { process.stderr.write(`wasmprof record: ${result.closeProblem}\n`); return 1; }
  return failed.length > 0 ? 1 : 0;
}
