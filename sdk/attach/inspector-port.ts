// Opening and closing another Node process's inspector.
//
// Open: SIGUSR1 makes Node start its inspector's I/O thread, which listens on the configured
// host:port (127.0.0.1:9229 unless --inspect-port says otherwise). The port is found from the
// outside — the listening socket that appears among the target's own sockets (/proc) — not by
// trusting whatever answers on 9229, and it must be on loopback. Waiting for it is bounded.
// Close: `inspector.close()` evaluated in the target ends every session (ours included, which is
// why its answer may never come) and stops listening; the socket's disappearance is then checked
// in /proc, and the close is tried once more over a fresh connection if it is still there. A
// target that is exiting (it waits for the attached session to go) only needs the disconnect.
import { AttachFailed, AttachRefused } from './errors.js';
import { DevToolsConnection } from './devtools.js';
import type { Target } from './preflight.js';
import { hostPort, listeningSocketsOf, namespaceSockets, type TcpSocket } from './tcp.js';

export interface InspectorEndpoint {
  socket: TcpSocket;
  /** ws://host:port/<id> of the target's main thread. */
  webSocketUrl: string;
}

const POLL_MS = 20;

const sleep = (ms: number): Promise<void> => new Promise((done) => { setTimeout(done, ms); });

function newListeners(t: Target): TcpSocket[] {
  const before = new Set(t.listening.map((s) => s.inode));
  return listeningSocketsOf(t.pid).filter((s) => !before.has(s.inode));
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Sends SIGUSR1 and waits (at most `timeoutMs`) for the inspector's listening socket to appear.
 *  Whether it is on loopback is for the caller to check once it is ready to close it again. */
export async function openInspector(t: Target, timeoutMs: number): Promise<TcpSocket> {
  process.kill(t.pid, 'SIGUSR1');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let fresh: TcpSocket[];
    try { fresh = newListeners(t); } catch {
      throw new AttachFailed(`pid ${t.pid} exited while its inspector was opening`);
    }
    // The configured port when it is among them; else the one new socket (port 0: the system's pick).
    const found = fresh.find((s) => s.port === t.inspector.port) ?? (fresh.length === 1 ? fresh[0] : undefined);
    if (found) return found; // loopback or not: the caller checks, inside its close-again path
    if (Date.now() >= deadline) break;
    await sleep(POLL_MS);
  }
  if (!alive(t.pid)) throw new AttachFailed(`pid ${t.pid} exited while its inspector was opening`);
  const taken = t.inspector.port !== 0 && namespaceSockets(t.pid).some((s) => s.state === 'listen' && s.port === t.inspector.port);
  const where = hostPort(t.inspector.host, t.inspector.port || 0);
  throw new AttachRefused(taken
    ? `pid ${t.pid} could not open its inspector: ${where} is in use by another process`
    : `pid ${t.pid} did not open its inspector within ${(timeoutMs / 1000).toFixed(1)} s of SIGUSR1 (inspector unavailable: a policy, --permission, a build without it${t.inspector.openedAtStart ? ', or it is open already from --inspect' : ''})`);
}

interface TargetInfo { type?: unknown; webSocketDebuggerUrl?: unknown; id?: unknown }

/** The WebSocket URL of the target's main thread, from the inspector's /json/list. */
export async function endpointOf(socket: TcpSocket, timeoutMs: number): Promise<InspectorEndpoint> {
  // A socket on every address (0.0.0.0, ::) is reached through loopback.
  const address = socket.address === '0.0.0.0' ? '127.0.0.1' : socket.address === '::' ? '::1' : socket.address;
  const authority = hostPort(address, socket.port);
  let list: unknown;
  try {
    const res = await fetch(`http://${authority}/json/list`, { signal: AbortSignal.timeout(timeoutMs) });
    list = await res.json();
  } catch (err) {
    throw new AttachFailed(`the inspector on ${authority} did not list its targets: ${(err as Error).message}`);
  }
  const entries = Array.isArray(list) ? (list as TargetInfo[]) : [];
  const main = entries.find((e) => e?.type === 'node' && typeof e.id === 'string');
  if (!main) throw new AttachFailed(`the inspector on ${authority} lists no Node target`);
  // Our own authority, not the one in the answer (it echoes the Host header it was asked with).
  return { socket, webSocketUrl: `ws://${authority}/${main.id as string}` };
}

/** Closes every session and the listening socket; ends the connection. */
const CLOSE_EXPRESSION = `(() => {
  const load = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule
    : typeof require === 'function' ? require : undefined;
  const inspector = load ? load('node:inspector') : undefined;
  if (!inspector || typeof inspector.close !== 'function') return 'no node:inspector module';
  inspector.close();
  return 'closed';
})()`;

async function askToClose(conn: DevToolsConnection, timeoutMs: number): Promise<string | undefined> {
  const answer = conn.call<{ result?: { value?: unknown }; exceptionDetails?: { text?: string } }>('Runtime.evaluate', {
    expression: CLOSE_EXPRESSION, includeCommandLineAPI: true, returnByValue: true, silent: true,
  }, timeoutMs).then((r) => (r.exceptionDetails ? `threw: ${r.exceptionDetails.text ?? 'an exception'}` : String(r.result?.value)), () => undefined);
  // The close ends our session too: the connection closing is the expected answer.
  const result = await Promise.race([answer, conn.whenClosed().then(() => 'closed')]);
  conn.close();
  return result;
}

async function socketGone(pid: number, inode: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (!listeningSocketsOf(pid).some((s) => s.inode === inode)) return true;
    } catch {
      return true; // the process is gone, and its sockets with it
    }
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

/**
 * Closes the target's inspector through `conn` (or a new connection when it is gone) and checks
 * that its listening socket is gone. Returns undefined when closed, else why not.
 */
export async function closeInspector(pid: number, socket: TcpSocket, conn: DevToolsConnection | undefined, endpoint: InspectorEndpoint | undefined,
  exiting: boolean, timeoutMs = 3000): Promise<string | undefined> {
  if (exiting && conn) {
    // The process waits for our disconnect to finish exiting; its sockets go with it.
    conn.close();
    if (await socketGone(pid, socket.inode, timeoutMs)) return undefined;
  }
  let why: string | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    let c = attempt === 0 && conn && !conn.closed ? conn : undefined;
    try {
      if (!c) {
        endpoint ??= await endpointOf(socket, timeoutMs);
        c = await DevToolsConnection.connect(endpoint.webSocketUrl, timeoutMs);
      }
      why = await askToClose(c, timeoutMs);
    } catch (err) {
      why = (err as Error).message;
    }
    if (await socketGone(pid, socket.inode, timeoutMs)) return undefined;
    why = `its listening socket ${hostPort(socket.address, socket.port)} is still there${why && why !== 'closed' ? ` (${why})` : ''}`;
  }
  return why;
}
