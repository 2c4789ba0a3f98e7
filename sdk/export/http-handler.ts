// Pull mode: a plain node:http request listener that serves profiles the way Go's net/http/pprof
// does, so that `go tool pprof http://host:port/debug/pprof/profile?seconds=5` works:
//   GET /debug/pprof/                    index page
//   GET /debug/pprof/profile?seconds=N   wall profile over N seconds (default 30), gzipped pprof
//   GET /debug/pprof/heap                heap profile, gzipped pprof
//   GET /debug/pprof/allocs[?seconds=N]  heap profile with alloc_* (allocations since the period
//                                        began, or in the next N seconds) where allocations are
//                                        counted; 501 with the reason where not
// Nothing is served unless the application mounts the listener (http.createServer(handler),
// Express app.use(handler) or app.use('/debug/pprof', handler), Fastify with reply.hijack()).
// An optional token is required as `Authorization: Bearer <token>` or as the password of basic
// auth (so `go tool pprof http://x:<token>@host:port/...` works), compared in constant time.
// Concurrent requests for the same profile share one collection.
// Exported as the package subpath `wasmprof/http`.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { messageOf } from '../runtime/report.js';

export interface PprofHandlerOptions {
  /** Collects a wall profile over `seconds`; resolves with gzipped pprof bytes. Should stop early
   *  when `signal` aborts (every client that asked for it went away). */
  collectWall: (seconds: number, signal: AbortSignal) => Promise<Uint8Array>;
  /** Takes a heap profile now; resolves with gzipped pprof bytes. */
  collectHeap: () => Promise<Uint8Array>;
  /** A heap profile with allocations (alloc_objects/alloc_space): those of the next `seconds`, or
   *  when `seconds` is undefined whatever the collector counts up to now. Without it,
   *  /debug/pprof/allocs answers 501. */
  collectAllocs?: (seconds: number | undefined, signal: AbortSignal) => Promise<Uint8Array>;
  /** Why there is no allocation profile right now (a 501 with that reason); undefined when
   *  collectAllocs can answer. Asked at each request and for the index page. */
  allocsUnavailable?: () => string | undefined;
  /** When set, every profile and index request must carry it (401 without, 403 when wrong). */
  token?: string;
  /** Largest `seconds` accepted (400 beyond). Default 60; from 1 to 3600. */
  maxSeconds?: number;
}

/** A node:http request listener; `next` (Express/Connect) is called for paths it does not serve. */
export type PprofRequestListener = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

const PREFIX = '/debug/pprof';
const DEFAULT_SECONDS = 30;
/** How long past `seconds` a wall collection may take before the request gets a 504. */
const COLLECT_GRACE_MS = 30_000;

interface Shared {
  promise: Promise<Uint8Array>;
  controller: AbortController;
  waiters: number;
  /** undefined: a snapshot (no window). */
  seconds: number | undefined;
  startedAt: number;
}

function digest(s: string): Buffer { return createHash('sha256').update(s, 'utf8').digest(); }

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) { res.end(); return; }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(body.endsWith('\n') ? body : body + '\n');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function indexPage(maxSeconds: number, defaultSeconds: number, allocsUnavailable: string | undefined): string {
  const allocs = allocsUnavailable === undefined
    ? `<tr><td><a href="allocs">allocs</a></td><td>sampled allocations (alloc_space, alloc_objects) since the current period began, and the live heap; <code>?seconds=N</code> for the next N seconds (1 to ${maxSeconds})</td></tr>`
    : `<tr><td>allocs</td><td>not available: ${escapeHtml(allocsUnavailable)}</td></tr>`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>/debug/pprof/</title></head>
<body>
<h1>/debug/pprof/</h1>
<p>Profiles served by wasmprof (gzipped pprof):</p>
<table>
<tr><td><a href="profile?seconds=${defaultSeconds}">profile</a></td><td>wall-clock profile; <code>?seconds=N</code> (1 to ${maxSeconds}, default ${defaultSeconds})</td></tr>
<tr><td><a href="heap">heap</a></td><td>sampled live heap</td></tr>
${allocs}
</table>
<p>Open with <code>go tool pprof http://HOST:PORT${PREFIX}/profile?seconds=${Math.min(5, maxSeconds)}</code> or
<code>go tool pprof http://HOST:PORT${PREFIX}/heap</code>.</p>
</body></html>
`;
}

/** What a running profiler (the object `start()` resolves to) offers pull mode. */
export interface PprofSource {
  profileWindow(seconds: number, signal?: AbortSignal): Promise<Uint8Array>;
  heapProfile(): Promise<Uint8Array>;
  allocsProfile?(seconds?: number, signal?: AbortSignal): Promise<Uint8Array>;
  allocationsUnavailable?(): string | undefined;
}

function isPprofSource(x: unknown): x is PprofSource {
  const o = x as Partial<PprofSource> | null;
  return typeof o === 'object' && o !== null && typeof o.profileWindow === 'function' && typeof o.heapProfile === 'function';
}

/**
 * `createPprofHandler(profiler, { token, maxSeconds })` serves a running profiler: windows of N
 * seconds next to its periods, and its heap in use. `createPprofHandler({ collectWall,
 * collectHeap, ... })` serves collectors of your own.
 */
export function createPprofHandler(source: PprofHandlerOptions | PprofSource, settings: Omit<PprofHandlerOptions, 'collectWall' | 'collectHeap'> = {}): PprofRequestListener {
  const options: PprofHandlerOptions = isPprofSource(source)
    ? {
        ...settings, collectWall: (seconds, signal) => source.profileWindow(seconds, signal), collectHeap: () => source.heapProfile(),
        ...(typeof source.allocsProfile === 'function' ? {
          collectAllocs: (seconds: number | undefined, signal: AbortSignal) => source.allocsProfile!(seconds, signal),
          allocsUnavailable: () => source.allocationsUnavailable?.(),
        } : {}),
      }
    : source;
  if (typeof options?.collectWall !== 'function' || typeof options.collectHeap !== 'function') {
    throw new TypeError('createPprofHandler needs a profiler (what start() returns), or collectWall(seconds, signal) and collectHeap() functions');
  }
  if ((options.collectAllocs !== undefined && typeof options.collectAllocs !== 'function') || (options.allocsUnavailable !== undefined && typeof options.allocsUnavailable !== 'function')) {
    throw new TypeError('collectAllocs(seconds, signal) and allocsUnavailable() must be functions when given');
  }
  const maxSeconds = options.maxSeconds ?? 60;
  if (!Number.isSafeInteger(maxSeconds) || maxSeconds < 1 || maxSeconds > 3600) {
    throw new RangeError(`maxSeconds must be an integer from 1 to 3600 (got ${String(maxSeconds)})`);
  }
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.length === 0)) {
    throw new TypeError('token must be a non-empty string when given');
  }
  const defaultSeconds = Math.min(DEFAULT_SECONDS, maxSeconds);
  const tokenDigest = options.token !== undefined ? digest(options.token) : undefined;
  let heap: Promise<Uint8Array> | undefined;

  /** 'ok', or the status to answer with. */
  const authorize = (req: IncomingMessage): 'ok' | 401 | 403 => {
    if (!tokenDigest) return 'ok';
    const h = req.headers.authorization;
    if (!h) return 401;
    let presented: string | undefined;
    const m = /^(\w+)\s+(.+)$/.exec(h.trim());
    if (m && m[1].toLowerCase() === 'bearer') presented = m[2].trim();
    else if (m && m[1].toLowerCase() === 'basic') {
      const decoded = Buffer.from(m[2].trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      presented = colon >= 0 ? decoded.slice(colon + 1) : undefined;
    }
    if (presented === undefined) return 401;
    // Equal-length digests, compared in constant time: neither the token nor its length leaks.
    return timingSafeEqual(digest(presented), tokenDigest) ? 'ok' : 403;
  };

  const route = (req: IncomingMessage): 'index' | 'profile' | 'heap' | 'allocs' | undefined => {
    let url: URL;
    try { url = new URL(req.url ?? '/', 'http://localhost'); } catch { return undefined; }
    let p = url.pathname;
    if (p === PREFIX || p.startsWith(PREFIX + '/')) p = p.slice(PREFIX.length);
    else if (!(req as { baseUrl?: unknown }).baseUrl) return undefined; // mounted at the root: only /debug/pprof/* is ours
    p = p.replace(/\/+$/, '');
    if (p === '') return 'index';
    if (p === '/profile') return 'profile';
    if (p === '/heap') return 'heap';
    if (p === '/allocs') return 'allocs';
    return undefined;
  };

  /** `fallback`: what a request without seconds means (undefined: no window). */
  const parseSeconds = (params: URLSearchParams, fallback: number | undefined): number | undefined | string => {
    const all = params.getAll('seconds');
    if (all.length === 0) return fallback;
    if (all.length > 1) return 'give seconds once';
    const v = all[0];
    if (!/^[0-9]+$/.test(v)) return `seconds must be a whole number of seconds from 1 to ${maxSeconds} (got ${JSON.stringify(v.slice(0, 40))})`;
    const n = Number(v);
    if (n < 1) return `seconds must be at least 1 (got ${v})`;
    if (n > maxSeconds) return `seconds must be at most ${maxSeconds} (got ${v}); the server's maxSeconds limits it`;
    return n;
  };

  const sendProfile = (res: ServerResponse, bytes: Uint8Array, filename: string): void => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="${filename}"`,
      'content-length': String(bytes.byteLength),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.end(bytes);
  };

  const fail = (res: ServerResponse, what: string, err: unknown): void => {
    const message = messageOf(err);
    send(res, 500, `${what} failed: ${message}`);
  };

  /** Collections of one kind, at most one at a time, shared by the requests that ask for the
   *  same window; the last client to go away aborts it. */
  const windowed = (what: string, filename: string, collect: (seconds: number | undefined, signal: AbortSignal) => Promise<Uint8Array>) => {
    let current: Shared | undefined;
    return (res: ServerResponse, seconds: number | undefined): void => {
      if (current && current.seconds !== seconds) {
        const left = current.seconds === undefined ? 1 : Math.max(1, Math.ceil((current.startedAt + current.seconds * 1000 - Date.now()) / 1000));
        const running = current.seconds === undefined ? `a ${what}` : `a ${current.seconds} s ${what}`;
        const share = current.seconds === undefined ? 'ask without seconds to share it' : `ask for seconds=${current.seconds} to share it`;
        send(res, 409, `${running} is already being collected; ${share}, or retry in ${left} s`, { 'retry-after': String(left) });
        return;
      }
      if (!current) {
        const controller = new AbortController();
        const shared: Shared = { controller, waiters: 0, seconds, startedAt: Date.now(), promise: Promise.resolve(new Uint8Array()) };
        const limitMs = (seconds ?? 0) * 1000 + COLLECT_GRACE_MS;
        shared.promise = new Promise<Uint8Array>((resolve, reject) => {
          const guard = setTimeout(() => { controller.abort(); reject(new Error(`the collector did not finish within ${seconds ?? 0} s + ${COLLECT_GRACE_MS / 1000} s`)); }, limitMs);
          guard.unref();
          let p: Promise<Uint8Array>;
          try { p = Promise.resolve(collect(seconds, controller.signal)); } catch (err) { p = Promise.reject(err); }
          p.then(resolve, reject).finally(() => { clearTimeout(guard); });
        });
        const clear = (): void => { if (current === shared) current = undefined; };
        shared.promise.then(clear, clear);
        current = shared;
      }
      const shared = current;
      shared.waiters++;
      let settled = false;
      res.on('close', () => {
        if (settled) return;
        settled = true;
        // The client went away before its profile was sent: when nobody is waiting any more, stop
        // the collection and let the next request start a fresh one.
        if (--shared.waiters === 0 && !shared.controller.signal.aborted) {
          shared.controller.abort();
          if (current === shared) current = undefined;
        }
      });
      shared.promise.then(
        (bytes) => { if (!settled) { settled = true; shared.waiters--; sendProfile(res, bytes, filename); } },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          shared.waiters--;
          if (err instanceof Error && /did not finish within/.test(err.message)) send(res, 504, `${what} ${err.message}`);
          else fail(res, `${what} collection`, err);
        },
      );
    };
  };

  const serveWall = windowed('wall profile', 'profile', (seconds, signal) => options.collectWall(seconds!, signal));
  const serveAllocs = options.collectAllocs ? windowed('allocation profile', 'allocs', options.collectAllocs) : undefined;
  const allocsUnavailable = (): string | undefined => {
    if (!serveAllocs) return 'this handler has no allocation collector (createPprofHandler with a profiler started with heapAllocations: true, or collectAllocs)';
    return options.allocsUnavailable?.();
  };

  const serveHeap = (res: ServerResponse): void => {
    if (!heap) {
      let p: Promise<Uint8Array>;
      try { p = Promise.resolve(options.collectHeap()); } catch (err) { p = Promise.reject(err); }
      const mine = p;
      heap = mine;
      const clear = (): void => { if (heap === mine) heap = undefined; };
      mine.then(clear, clear);
    }
    heap.then((bytes) => { sendProfile(res, bytes, 'heap'); }, (err: unknown) => { fail(res, 'heap profile collection', err); });
  };

  return (req, res, next) => {
    try {
      const which = route(req);
      if (!which) {
        if (typeof next === 'function') { next(); return; }
        send(res, 404, `not found: ${PREFIX}/ serves profile, heap, allocs and an index`);
        return;
      }
      const method = req.method ?? 'GET';
      if (method !== 'GET' && !(method === 'HEAD' && which === 'index')) {
        send(res, 405, `method ${method} not allowed; use GET`, { allow: which === 'index' ? 'GET, HEAD' : 'GET' });
        return;
      }
      const auth = authorize(req);
      if (auth === 401) { send(res, 401, 'authorization required: send Authorization: Bearer <token> (or the token as the basic-auth password)', { 'www-authenticate': 'Bearer realm="wasmprof", Basic realm="wasmprof"' }); return; }
      if (auth === 403) { send(res, 403, 'invalid token'); return; }
      const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
      if (params.has('debug') && params.get('debug') !== '0') { send(res, 400, 'debug=N (text output) is not supported: fetch the binary profile and open it with go tool pprof'); return; }
      if (which === 'index') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
        res.end(method === 'HEAD' ? undefined : indexPage(maxSeconds, defaultSeconds, allocsUnavailable()));
        return;
      }
      if (which === 'heap') {
        if (params.has('seconds')) { send(res, 400, 'seconds is not supported for heap (a heap profile is a snapshot of live memory)'); return; }
        serveHeap(res);
        return;
      }
      if (which === 'allocs') {
        const why = allocsUnavailable();
        if (why !== undefined || !serveAllocs) { send(res, 501, `no allocation profile: ${why ?? 'no collector'}`); return; }
        const seconds = parseSeconds(params, undefined);
        if (typeof seconds === 'string') { send(res, 400, seconds); return; }
        serveAllocs(res, seconds);
        return;
      }
      const seconds = parseSeconds(params, defaultSeconds);
      if (typeof seconds === 'string') { send(res, 400, seconds); return; }
      serveWall(res, seconds!);
    } catch (err) {
      // A bug here must not take the application's server down.
      try { fail(res, 'request', err); } catch { /* response already gone */ }
    }
  };
}
