// `record --pid`: profiles a running Node process that was started without wasmprof.
//
//   preflight   refuse, in one line, what must not or cannot be attached to (preflight.ts);
//   open        SIGUSR1 → the target's inspector listens on its loopback; the port is found in
//               /proc, the pid confirmed over the connection (inspector-port.ts);
//   record      Profiler / HeapProfiler domains for the duration, or until `signal` aborts;
//   close       inspector.close() in the target, and the listening socket verified gone — on
//               success, on error, on Ctrl-C alike (the `finally` below);
//   build       the same ingest → core → pprof stages as a period of the in-process profiler.
// The target is never stopped or killed: the only signal it gets is SIGUSR1, and only when it has
// a handler for it.
import { wallNanos } from '../runtime/node.js';
import type { JsProfileType } from '../pprof/profile-types.js';
import type { ResolvedOptions } from '../profiler/options.js';
import { buildAttachProfiles } from './build.js';
import { DevToolsConnection } from './devtools.js';
import { AttachFailed } from './errors.js';
import { closeInspector, endpointOf, openInspector, type InspectorEndpoint } from './inspector-port.js';
import { preflight } from './preflight.js';
import { mainThreadCpuNanos } from './proc.js';
import { startRemoteProfiles, stopRemoteProfiles, type RemoteProfiles } from './remote-profile.js';
import { hostPort, isLoopback } from './tcp.js';

export interface AttachOptions {
  pid: number;
  durationMs: number;
  /** Profiles (wall, cpu, heap), intervals, labels, source maps: the profiler's own options. */
  options: ResolvedOptions;
  /** How long the target may take to open its inspector after SIGUSR1. */
  openTimeoutMs?: number;
  /** Ends the recording early (Ctrl-C); what was recorded is still built. */
  signal?: AbortSignal;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface AttachResult {
  /** Gzipped pprof per type; empty when interrupted before the recording started. */
  profiles: Partial<Record<JsProfileType, Uint8Array>>;
  /** Where the inspector listened while attached. */
  inspector: string;
  recordedMs: number;
  stoppedEarly: boolean;
  /** The target ended during the recording (its profiles up to then are kept). */
  targetExited: boolean;
  /** Set when the inspector could not be closed again (the profiles are still there). */
  closeProblem?: string;
}

const DEFAULT_OPEN_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 3000;

/** Resolves after `ms`, when `signal` aborts, or when `closed` resolves (the target went away). */
function waitFor(ms: number, signal: AbortSignal | undefined, closed: Promise<void>): Promise<void> {
  return new Promise<void>((done) => {
    const timer = setTimeout(finish, ms);
    function finish(): void { clearTimeout(timer); signal?.removeEventListener('abort', finish); done(); }
    if (signal?.aborted) finish();
    else signal?.addEventListener('abort', finish, { once: true });
    closed.then(finish, finish);
  });
}

async function confirmPid(conn: DevToolsConnection, nsPid: number, pid: number): Promise<void> {
  const r = await conn.call<{ result?: { value?: unknown } }>('Runtime.evaluate', { expression: 'process.pid', returnByValue: true, silent: true });
  if (r?.result?.value !== nsPid) throw new AttachFailed(`the inspector found for pid ${pid} answers as pid ${String(r?.result?.value)}`);
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

export async function attachAndRecord(a: AttachOptions): Promise<AttachResult> {
  const log = a.log ?? (() => undefined);
  const o = a.options;
  const wanted = { cpu: o.profiles.includes('wall') || o.profiles.includes('cpu'), heap: o.profiles.includes('heap'), intervalMicros: o.intervalMicros, heapIntervalBytes: o.heapIntervalBytes };
  const target = preflight(a.pid);
  // From here on the target's inspector may be open: every path goes through the close below.
  const socket = await openInspector(target, a.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS);
  const inspector = hostPort(socket.address, socket.port);
  let endpoint: InspectorEndpoint | undefined;
  let conn: DevToolsConnection | undefined;
  let raw: RemoteProfiles | undefined;
  let failure: unknown;
  let startNanos = 0, endNanos = 0, cpu0: number | undefined, cpu1: number | undefined;
  let stoppedEarly = false;
  let closeProblem: string | undefined;
  let targetExiting = false;
  let notes: string[] = [];
  try {
    if (!isLoopback(socket.address)) throw new AttachFailed(`pid ${target.pid} opened its inspector on ${inspector}, not on loopback`);
    endpoint = await endpointOf(socket, CONNECT_TIMEOUT_MS);
    conn = await DevToolsConnection.connect(endpoint.webSocketUrl, CONNECT_TIMEOUT_MS);
    await confirmPid(conn, target.nsPid, target.pid);
    // A Node process that ends while a session is attached waits for it to disconnect: told so,
    // the recording ends at once (the profiles are still answered) and the process exits as it meant to.
    const exiting = new Promise<void>((done) => { conn!.onEvent('NodeRuntime.waitingForDisconnect', () => { targetExiting = true; done(); }); });
    await conn.call('NodeRuntime.notifyWhenWaitingForDisconnect', { enabled: true }).catch(() => undefined);
    if (!a.signal?.aborted) {
      notes = await startRemoteProfiles(conn, wanted);
      // The window is what ran between the start's answer and the stop: the stop's own work in the
      // target (serialising the profile) is not sampled, so its CPU time is left out too.
      cpu0 = mainThreadCpuNanos(target.pid);
      startNanos = wallNanos();
      log(`wasmprof: attached to pid ${target.pid} (inspector on ${inspector}), recording ${o.profiles.join(', ')} for ${(a.durationMs / 1000).toFixed(1)} s (Ctrl-C stops early)`);
      await waitFor(a.durationMs, a.signal, Promise.race([conn.whenClosed(), exiting]));
      stoppedEarly = (a.signal?.aborted ?? false) && !targetExiting;
      endNanos = wallNanos();
      cpu1 = mainThreadCpuNanos(target.pid);
      raw = await stopRemoteProfiles(conn, wanted);
    }
  } catch (err) {
    failure = alive(target.pid) ? err : new AttachFailed(`pid ${target.pid} exited during the recording; its profiles were lost with it`);
  } finally {
    const why = alive(target.pid) ? await closeInspector(target.pid, socket, conn, endpoint, targetExiting) : undefined;
    if (why !== undefined) closeProblem = `could not close the inspector of pid ${target.pid}: ${why}; it stays open until the process exits`;
  }
  if (failure !== undefined) throw closeProblem ? new AttachFailed(`${(failure as Error).message}; and ${closeProblem}`) : failure;
  if (!raw) {
    if (closeProblem) throw new AttachFailed(closeProblem);
    return { profiles: {}, inspector, recordedMs: 0, stoppedEarly: true, targetExited: targetExiting };
  }
  const profiles = await buildAttachProfiles({
    ...raw, pid: target.pid, options: o, startNanos, endNanos,
    cpuReading: cpu0 !== undefined && cpu1 !== undefined ? { micros: (cpu1 - cpu0) / 1000, scope: 'thread' } : undefined,
    note: `wasmprof attach: pid=${target.pid} exe=${target.exe} inspector=${inspector} recorded=${((endNanos - startNanos) / 1e9).toFixed(3)}s${stoppedEarly ? ' (stopped early)' : ''}${targetExiting ? ' (the process exited)' : ''}`,
    notes,
  });
  return { profiles, inspector, recordedMs: (endNanos - startNanos) / 1e6, stoppedEarly, targetExited: targetExiting, ...(closeProblem ? { closeProblem } : {}) };
}
