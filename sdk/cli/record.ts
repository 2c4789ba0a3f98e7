// `wasmprof record [-o DIR] [--profiles wall,heap] [--interval 10ms] [--period 60s] -- <command> [args]`
//
// Runs a Node program with the profiler preloaded (NODE_OPTIONS gets `--require <register.cjs>`: a
// CommonJS preload leaves the program's main module to the loader it uses without wasmprof,
// configured through WASMPROF_* variables), shows a one-line live status on a terminal, and when
// the program ends writes flamegraph.html next to the profiles (periods of the same type merged).
// The exit code is the program's (128 + signal number when a signal ended it).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveOptions, WasmprofOptionError, type ProfileType } from '../profiler/options.js';
import { splitNativeHeap, type NativeHeapRecording } from '../native-heap/profile-list.js';
import { messageOf } from '../runtime/report.js';
// The flame graph (viewer, pprof merge) and the native-heap recorder are imported when used:
// `wasmprof record` starts once per recorded process and most runs need only one of them.

const USAGE = `usage: wasmprof record [options] -- <command> [args...]

Runs a Node program under the profiler and writes its profiles (pprof, gzipped: one file per
type and period, <type>-<pid>-<seq>.pb.gz), then flamegraph.html next to them.

options:
  -o, --output DIR          directory for the profiles (default: ./wasmprof-<date>-<time>)
  --profiles LIST           profile types: wall, cpu, heap, native-heap (default: wall,cpu);
                            native-heap preloads libwasmprof_heap.so into any command
  --interval DURATION       sampling interval, 100us to 1s (default: 10ms)
  --period DURATION         profile period, 100ms to 24h (default: 60s)
  --heap-interval BYTES     mean bytes between heap samples (default: 524288)
  --no-flamegraph           do not write flamegraph.html
  -h, --help                show this help

Other settings come from WASMPROF_* environment variables (docs/configuration.md).
Example: wasmprof record -o out -- node examples/busy.js
A running Node process: wasmprof record --pid PID [--duration 30s] -o DIR (docs/attach.md)
`;

class UsageError extends Error {}

interface RecordArgs {
  dir: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  profiles: ProfileType[];
  flamegraph: boolean;
  /** --profiles included native-heap (see sdk/native-heap/record.ts). */
  nativeHeap: boolean;
  /** Only native-heap: do not inject the Node profiler. */
  nativeHeapOnly: boolean;
}

const FLAGS: Record<string, string> = { profiles: '--profiles', interval: '--interval', period: '--period', heapInterval: '--heap-interval' };

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function parse(argv: string[]): RecordArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        output: { type: 'string', short: 'o' },
        profiles: { type: 'string' },
        interval: { type: 'string' },
        period: { type: 'string' },
        'heap-interval': { type: 'string' },
        'no-flamegraph': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    const message = messageOf(err).split(/\.\s/)[0].replace(/\.$/, '');
    throw new UsageError(/Unknown option/.test(message) ? `${message} (the command and its arguments go after --)` : message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length === 0) throw new UsageError('missing command (usage: wasmprof record [options] -- <command> [args...])');
  if (values.output === '') throw new UsageError('bad -o/--output value: expected a directory');

  const nh = splitNativeHeap(values.profiles);
  const given = { profiles: nh.rest, interval: values.interval, period: values.period, heapInterval: values['heap-interval'] };
  const env: Record<string, string> = {};
  const inherited = { ...process.env };
  delete inherited.WASMPROF_OUTPUT_DIR;
  let resolved;
  try {
    // Validate here, with the same rules as the profiler, so a typo fails before the program runs.
    resolved = resolveOptions({
      ...(given.profiles !== undefined ? { profiles: given.profiles } : {}),
      ...(given.interval !== undefined ? { interval: given.interval } : {}),
      ...(given.period !== undefined ? { period: given.period } : {}),
      ...(given.heapInterval !== undefined ? { heapInterval: given.heapInterval } : {}),
      env: inherited,
    });
  } catch (err) {
    if (err instanceof WasmprofOptionError && err.variable === undefined && FLAGS[err.option]) {
      throw new UsageError(err.message.replace(/^wasmprof: invalid \S+/, `invalid ${FLAGS[err.option]}`));
    }
    throw new UsageError(err instanceof Error ? err.message.replace(/^wasmprof: /, '') : String(err));
  }
  if (given.profiles !== undefined) env.WASMPROF_PROFILES = given.profiles;
  if (given.interval !== undefined) env.WASMPROF_INTERVAL = given.interval;
  if (given.period !== undefined) env.WASMPROF_PERIOD = given.period;
  if (given.heapInterval !== undefined) env.WASMPROF_HEAP_INTERVAL = given.heapInterval;
  const dir = resolve(values.output ?? `wasmprof-${timestamp()}`);
  env.WASMPROF_OUTPUT_DIR = dir;
  const [command, ...args] = positionals;
  return { dir, command, args, env, profiles: resolved.profiles, flamegraph: !values['no-flamegraph'], nativeHeap: nh.nativeHeap, nativeHeapOnly: nh.nativeHeap && nh.rest === undefined };
}

function registerPath(): string {
  const path = fileURLToPath(new URL('../../../register.cjs', import.meta.url));
  const target = fileURLToPath(new URL('../register-require.js', import.meta.url));
  if (!existsSync(path) || !existsSync(target)) throw new UsageError(`${target} is missing: build the SDK first (npm run build:ts)`);
  return path;
}

/** NODE_OPTIONS with the register preload appended (quoted: NODE_OPTIONS splits on spaces). */
export function withPreload(nodeOptions: string | undefined, path: string): string {
  const quoted = `"${path.replace(/(["\\])/g, '\\$1')}"`;
  return [nodeOptions?.trim(), `--require=${quoted}`].filter((s) => s).join(' ');
}

const PROFILE_FILE = /^(wall|cpu|heap)-(\d+)-(\d+)\.pb\.gz$/;

interface Found { type: ProfileType; pid: number; seq: number; path: string }

function listProfiles(dir: string): Found[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  const out: Found[] = [];
  for (const name of names) {
    const m = PROFILE_FILE.exec(name);
    if (m) out.push({ type: m[1] as ProfileType, pid: Number(m[2]), seq: Number(m[3]), path: join(dir, name) });
  }
  // Not localeCompare: its first call loads ICU's collator (~7 ms of a short recording's CPU).
  return out.sort((a, b) => a.pid - b.pid || a.seq - b.seq || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

class StatusLine {
  private timer: ReturnType<typeof setInterval> | undefined;
  private shown = false;
  constructor(private readonly dir: string, private readonly label: string) {}

  start(): void {
    if (!process.stderr.isTTY) return;
    const t0 = Date.now();
    this.timer = setInterval(() => {
      const files = listProfiles(this.dir).length;
      const secs = ((Date.now() - t0) / 1000).toFixed(0);
      const line = `wasmprof: recording ${this.label} · ${secs}s · ${files} profile file${files === 1 ? '' : 's'}`;
      process.stderr.write(`\r\x1b[2K${line.slice(0, Math.max(20, (process.stderr.columns || 80) - 1))}`);
      this.shown = true;
    }, 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.shown) process.stderr.write('\r\x1b[2K');
  }
}

function run(a: RecordArgs, register: string, nativeHeap?: NativeHeapRecording): Promise<number> {
  return new Promise((done) => {
    // native-heap's env carries NODE_OPTIONS of its own (the exit mark): the register hook goes after it.
    const env: NodeJS.ProcessEnv = { ...process.env, ...a.env, ...nativeHeap?.env, ...(a.nativeHeapOnly ? {} : { NODE_OPTIONS: withPreload(nativeHeap?.env.NODE_OPTIONS ?? process.env.NODE_OPTIONS, register) }) };
    let child;
    try {
      child = spawn(a.command, a.args, { stdio: 'inherit', env });
    } catch (err) {
      process.stderr.write(`wasmprof record: cannot run ${a.command}: ${messageOf(err)}\n`);
      done(127);
      return;
    }
    const status = new StatusLine(a.dir, [a.command, ...a.args].join(' ').slice(0, 40));
    status.start();
    // Ctrl-C reaches the program through the terminal's process group; other signals sent to us are passed on.
    const forward = (signal: NodeJS.Signals) => () => { child.kill(signal); };
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    child.on('error', (err) => {
      status.stop();
      process.stderr.write(`wasmprof record: cannot run ${a.command}: ${err.message}\n`);
      for (const [s, h] of handlers) process.removeListener(s, h);
      done(127);
    });
    child.on('exit', (code, signal) => {
      nativeHeap?.childExited(child.pid, code, signal);
      status.stop();
      for (const [s, h] of handlers) process.removeListener(s, h);
      done(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
    });
  });
}

async function flameGraph(dir: string, found: Found[], nativeHeapRun?: Uint8Array): Promise<string | undefined> {
  const [{ writeFlameGraphHtml }, { mergeProfiles }, { encodeGzipSync }] = await Promise.all([
    import('../view/index.js'), import('../pprof/merge.js'), import('../pprof/gzip.js'),
  ]);
  if (found.length === 0) {
    if (!nativeHeapRun) return undefined;
    const out = join(dir, 'flamegraph.html');
    await writeFlameGraphHtml([{ name: 'native-heap (whole run, every process)', bytes: nativeHeapRun }], out, { title: 'wasmprof record: native heap' });
    return out;
  }
  // The program's own profiles: the process with the most files (child processes it spawned
  // are profiled too, into the same directory).
  const perPid = new Map<number, number>();
  for (const f of found) perPid.set(f.pid, (perPid.get(f.pid) ?? 0) + 1);
  const pid = [...perPid].sort((x, y) => y[1] - x[1] || x[0] - y[0])[0][0];
  const inputs: Array<{ name: string; bytes: Uint8Array }> = [];
  for (const type of ['cpu', 'wall', 'heap'] as const) {
    const files = found.filter((f) => f.pid === pid && f.type === type);
    if (files.length === 0) continue;
    const bytes = files.length === 1 ? new Uint8Array(readFileSync(files[0].path)) : encodeGzipSync(mergeProfiles(files.map((f) => new Uint8Array(readFileSync(f.path)))));
    inputs.push({ name: `${type} (pid ${pid}${files.length > 1 ? `, ${files.length} periods` : ''})`, bytes });
  }
  if (nativeHeapRun) inputs.push({ name: 'native-heap (whole run, every process)', bytes: nativeHeapRun });
  const out = join(dir, 'flamegraph.html');
  await writeFlameGraphHtml(inputs, out, { title: `wasmprof record: pid ${pid}` });
  return out;
}

export async function record(argv: string[]): Promise<number> {
  // --pid: attach to a running process instead of running a command (sdk/cli/attach.ts).
  const own = argv.indexOf('--') < 0 ? argv : argv.slice(0, argv.indexOf('--'));
  if (own.some((x) => x === '--pid' || x.startsWith('--pid='))) return (await import('./attach.js')).attach(argv);
  let a: RecordArgs | 'help';
  let register: string;
  try {
    a = parse(argv);
    if (a === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    register = registerPath();
    mkdirSync(a.dir, { recursive: true });
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`wasmprof record: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`wasmprof record: ${messageOf(err)}\n`);
    return 2;
  }
  const kinds = a.nativeHeapOnly ? ['native-heap'] : [...a.profiles, ...(a.nativeHeap ? ['native-heap'] : [])];
  process.stderr.write(`wasmprof: recording ${kinds.join(', ')} profiles of \`${[a.command, ...a.args].join(' ')}\` into ${a.dir}\n`);
  let nativeHeap: NativeHeapRecording | undefined;
  if (a.nativeHeap) {
    try {
      nativeHeap = await (await import('../native-heap/record.js')).startNativeHeapRecording(a.dir, a.env.WASMPROF_PERIOD);
    } catch (err) {
      process.stderr.write(`wasmprof record: native-heap: ${messageOf(err)}\n`);
      return 2;
    }
  }
  const code = await run(a, register, nativeHeap);
  const nativeHeapRun = nativeHeap?.finish();
  if (a.nativeHeapOnly) {
    if (a.flamegraph && nativeHeapRun) {
      try {
        const html = await flameGraph(a.dir, [], nativeHeapRun);
        if (html) process.stderr.write(`wasmprof: flame graph: ${html}\n`);
      } catch (err) {
        process.stderr.write(`wasmprof: could not write the flame graph: ${messageOf(err)}\n`);
      }
    }
    return code;
  }
  const found = listProfiles(a.dir);
  if (found.length === 0) {
    process.stderr.write(`wasmprof: no profiles were written to ${a.dir} (was the command a Node program, and did it load NODE_OPTIONS?)\n`);
    return code;
  }
  const types = [...new Set(found.map((f) => f.type))].join(', ');
  const pids = new Set(found.map((f) => f.pid));
  process.stderr.write(`wasmprof: ${found.length} profile file${found.length === 1 ? '' : 's'} (${types}; ${pids.size} process${pids.size === 1 ? '' : 'es'}) in ${a.dir}\n`);
  if (a.flamegraph) {
    try {
      const html = await flameGraph(a.dir, found, nativeHeapRun);
      if (html) process.stderr.write(`wasmprof: flame graph: ${html}\n`);
    } catch (err) {
      process.stderr.write(`wasmprof: could not write the flame graph: ${messageOf(err)}\n`);
    }
  }
  return code;
}
