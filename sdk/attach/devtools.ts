// A DevTools protocol connection to another process's inspector, over a WebSocket (the `ws`
// package): commands with ids, each answered or failed within its own deadline; events go to
// the handlers registered for them (the others are dropped).
// The peer's answers are outside input: anything that is not a well-formed answer is an error.
import WebSocket from 'ws';

export class DevToolsError extends Error {
  override readonly name = 'DevToolsError';
}

interface Pending { resolve(v: unknown): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }

/** Profiles of a long recording can be large; the inspector sends each answer as one message. */
const MAX_MESSAGE_BYTES = 1024 * 1024 * 1024;

export class DevToolsConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedBy: string | undefined;
  private readonly closedWaiters: Array<() => void> = [];
  private readonly events = new Map<string, Array<(params: unknown) => void>>();

  private constructor(private readonly ws: WebSocket, readonly url: string) {
    ws.on('message', (data: WebSocket.RawData) => { this.onMessage(data); });
    ws.on('close', (code: number) => { this.shut(`the inspector closed the connection (code ${code})`); });
    ws.on('error', (err: Error) => { this.shut(`connection error: ${err.message}`); });
  }

  /** Opens the WebSocket, or fails within `timeoutMs`. */
  static connect(url: string, timeoutMs: number): Promise<DevToolsConnection> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: MAX_MESSAGE_BYTES, handshakeTimeout: timeoutMs });
      const fail = (err: Error): void => { ws.removeAllListeners(); ws.on('error', () => undefined); ws.terminate(); reject(new DevToolsError(`cannot connect to ${url}: ${err.message}`)); };
      ws.once('error', fail);
      ws.once('open', () => { ws.removeListener('error', fail); resolve(new DevToolsConnection(ws, url)); });
    });
  }

  get closed(): boolean { return this.closedBy !== undefined; }

  /** Resolves when the connection is closed, by either side. */
  whenClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((done) => { this.closedWaiters.push(done); });
  }

  /** Sends one command; resolves with its result. */
  call<T = unknown>(method: string, params: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<T> {
    if (this.closedBy !== undefined) return Promise.reject(new DevToolsError(`${method}: ${this.closedBy}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new DevToolsError(`${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject: (e) => reject(new DevToolsError(`${method}: ${e.message}`)), timer });
      this.ws.send(JSON.stringify({ id, method, params }), (err) => {
        if (err) this.settle(id, undefined, err);
      });
    });
  }

  /** Calls `handler` with the parameters of every `method` event. */
  onEvent(method: string, handler: (params: unknown) => void): void {
    const list = this.events.get(method) ?? [];
    list.push(handler);
    this.events.set(method, list);
  }

  close(): void {
    this.shut('closed by wasmprof');
    try { this.ws.close(); } catch { /* already closed */ }
  }

  private onMessage(data: WebSocket.RawData): void {
    let msg: unknown;
    try { msg = JSON.parse(data.toString()); } catch { return; } // not ours to interpret
    if (msg === null || typeof msg !== 'object') return;
    const { id, result, error, method, params } = msg as { id?: unknown; result?: unknown; error?: { message?: unknown; code?: unknown }; method?: unknown; params?: unknown };
    if (typeof id !== 'number') {
      if (typeof method === 'string') for (const h of this.events.get(method) ?? []) h(params);
      return;
    }
    if (error !== undefined) {
      const text = typeof error?.message === 'string' ? error.message : JSON.stringify(error);
      this.settle(id, undefined, new Error(text));
    } else {
      this.settle(id, result, undefined);
    }
  }

  private settle(id: number, result: unknown, error: Error | undefined): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (error) p.reject(error); else p.resolve(result);
  }

  private shut(why: string): void {
    if (this.closedBy !== undefined) return;
    this.closedBy = why;
    for (const [id, p] of this.pending) { clearTimeout(p.timer); this.pending.delete(id); p.reject(new Error(why)); }
    for (const w of this.closedWaiters.splice(0)) w();
  }
}
