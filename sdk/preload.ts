// The preload behind `wasmprof/register` (ESM: `node --import`) and `wasmprof/register.cjs`
// (CommonJS: `node --require`, which leaves the application's own main module to the loader it
// would use without wasmprof — `--import` makes Node load a CommonJS main through the ESM loader).
//
// `node --import wasmprof/register app.js` (or `--require wasmprof/register.cjs`): profiles the program from its first line, configured
// by WASMPROF_* environment variables (docs/configuration.md), and writes every period into
// WASMPROF_OUTPUT_DIR (default ./wasmprof-profiles) as `<type>-<pid>-<seq>.pb.gz`.
//
// The last period is written too:
//   * when the program ends by itself or calls process.exit() — synchronously from the 'exit'
//     event (the inspector source answers synchronously); a source that cannot stop synchronously
//     writes it from 'beforeExit' instead (then an explicit process.exit() loses the last period);
//   * on SIGINT/SIGTERM: if the program has no handler of its own for the signal, the last period
//     is written and the signal is raised again with its default action (the process ends the
//     way it would have without wasmprof, e.g. exit status 143 for SIGTERM). If the program
//     handles the signal itself, a period is written and the program carries on. (Listeners of
//     the signal-exit package do not count as handling it: they defer to the others.)
// Only the main thread is profiled (worker threads inherit --import; call start() in a worker
// to profile it). Child processes inherit NODE_OPTIONS and profile themselves, each with its pid.
// A bad WASMPROF_* value prints one error line and the program runs without profiling.
// WASMPROF_EXPORTER=file|pyroscope|datadog sends every period through that exporter instead
// (docs/exporters.md); its last period goes out from 'beforeExit' when the program ends by itself,
// from 'exit' after process.exit() (uploaded by a short-lived child process, at most 5 s), and
// from the signal path.
import { ConfigError, envSetting, processEnv } from './config/index.js';
import type { ProfilerImpl } from './profiler/profiler.js';
import { startProfiler, startProfilerNow } from './profiler/start.js';
import { onDenoUnload } from './runtime/deno.js';
import { isMainThread } from './runtime/node.js';
import { messageOf, say } from './runtime/report.js';

export const DEFAULT_OUTPUT_DIR = 'wasmprof-profiles';
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const SIGNAL_FLUSH_TIMEOUT_MS = 5000;


/**
 * Listeners of the signal-exit package (v3 and v4), widely loaded by tools and test runners. They
 * do not own a signal: each re-raises it once every remaining listener is one of theirs, so they
 * are not counted as "the program handles this signal" (otherwise each side waits for the other).
 */
function signalExitListeners(): number {
  const v4 = (globalThis as Record<symbol, { count?: unknown } | undefined>)[Symbol.for('signal-exit emitter')];
  const v3 = (process as unknown as { __signal_exit_emitter__?: { count?: unknown } }).__signal_exit_emitter__;
  return (typeof v4?.count === 'number' ? v4.count : 0) + (typeof v3?.count === 'number' ? v3.count : 0);
}

function install(profiler: ProfilerImpl): void {
  let ended = false;
  // Takes the last period now and, with an exporter, delivers it before the process is gone
  // (blocking at most the flush timeout): the path of process.exit() and of 'exit' in general.
  const endSync = (): void => {
    if (ended) return;
    ended = true;
    try { profiler.stopSyncAndDeliver(SIGNAL_FLUSH_TIMEOUT_MS); } catch (err) { say(`wasmprof: writing the last period failed: ${messageOf(err)}`); }
  };
  const endAsync = (): Promise<void> => {
    if (ended) return Promise.resolve();
    ended = true;
    // The exporter's sockets and timers are unref'd (an upload must not keep a finished program
    // alive forever), so from 'beforeExit' nothing would keep the loop running until the last
    // period is sent: hold it with one ref'd timer, bounded by the flush timeout.
    const keepAlive = setTimeout(() => undefined, SIGNAL_FLUSH_TIMEOUT_MS);
    return profiler.stop().then(
      () => undefined,
      (err: unknown) => { say(`wasmprof: writing the last period failed: ${messageOf(err)}`); },
    ).finally(() => clearTimeout(keepAlive));
  };

  // Files the profiler writes itself need nothing but the synchronous path. An exporter sends
  // from 'beforeExit' when the program ends by itself (the event loop is still there); 'exit'
  // (process.exit()) takes the synchronous path, which hands the upload to a child process.
  const sync = profiler.canStopSync && !profiler.needsAsyncStop;
  if (profiler.canStopSync) process.on('exit', endSync);
  // Deno.exit() emits no process 'exit', only window 'unload' (which process.exit() emits too).
  if (profiler.canStopSync) onDenoUnload(endSync);
  if (!sync) process.on('beforeExit', () => { void endAsync(); });

  for (const signal of SIGNALS) {
    const handler = (): void => {
      const others = process.listeners(signal).filter((l) => l !== handler).length - signalExitListeners();
      if (others > 0) {
        // The program owns this signal: keep profiling, but put what we have on disk now.
        if (!ended) profiler.collect().catch(() => undefined);
        return;
      }
      const reraise = (): void => {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      };
      if (sync) {
        endSync();
        reraise();
      } else {
        const timer = setTimeout(reraise, SIGNAL_FLUSH_TIMEOUT_MS);
        void endAsync().finally(() => { clearTimeout(timer); reraise(); });
      }
    };
    process.on(signal, handler);
  }
}

/**
 * Starts the profiler for this process, configured by WASMPROF_* variables, and installs the
 * exit and signal paths. "await": resolves once sampling runs (the ESM preload awaits it, so the
 * program's first line is profiled). "now": for a CommonJS preload, which cannot wait — native
 * sources start inside this call, before the main module runs; where that is not possible
 * (node:inspector source, native-heap among the profiles) the start finishes asynchronously,
 * after the main module's synchronous part.
 */
export async function preload(mode: 'await' | 'now'): Promise<void> {
  if (!isMainThread()) return;
  const env = processEnv();
  const dir = envSetting(env, 'WASMPROF_OUTPUT_DIR');
  const exporting = envSetting(env, 'WASMPROF_EXPORTER') !== undefined;
  // Pushing to a backend writes no local files unless a directory is asked for.
  const outputDir = dir ?? (exporting ? undefined : DEFAULT_OUTPUT_DIR);
  let profiler: ProfilerImpl;
  try {
    // A start that cannot be synchronous finishes after the main module began: not "before main".
    profiler = mode === 'now'
      ? await (startProfilerNow({ outputDir }, { beforeMain: true }) ?? startProfiler({ outputDir }))
      : await startProfiler({ outputDir }, { beforeMain: true });
  } catch (err) {
    if (err instanceof ConfigError) say(`${err.message}; profiling is off`);
    else say(`wasmprof: could not start profiling: ${messageOf(err)}; profiling is off`);
    return;
  }
  install(profiler);
}

