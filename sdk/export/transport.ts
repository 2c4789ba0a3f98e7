// How an exporter puts bytes on the wire. The default is the runtime's own fetch (Node 20,
// Deno and browsers all have it); transport-node.ts offers node:http with unref'd sockets for
// Node, so an upload in flight never holds the process open. A transport only moves bytes: the
// sender decides about timeouts, retries and reporting.

export interface HttpRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: Uint8Array;
  /** Aborted by the sender on timeout or close(). */
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** A response header (case-insensitive), or null. */
  header(name: string): string | null;
  /** Up to the first 4 KiB of the body as text (for error messages); the rest is discarded. */
  snippet(): Promise<string>;
}

export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

const SNIPPET_BYTES = 4096;

/** fetch-based transport (WHATWG fetch: Node >= 18, Deno, browsers). */
export const fetchTransport: Transport = async (req) => {
  const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body as Uint8Array<ArrayBuffer>, signal: req.signal, redirect: 'manual' });
  let read: Promise<string> | undefined;
  const snippet = (): Promise<string> => {
    read ??= (async () => {
      if (!res.body) return '';
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      let n = 0;
      try {
        while (n < SNIPPET_BYTES) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          n += value.byteLength;
        }
      } catch { /* a body cut short still gives what was read */ }
      reader.cancel().catch(() => undefined);
      const all = new Uint8Array(n);
      let o = 0;
      for (const c of chunks) { all.set(c, o); o += c.byteLength; }
      return new TextDecoder().decode(all.subarray(0, SNIPPET_BYTES));
    })();
    return read;
  };
  return { status: res.status, header: (name) => res.headers.get(name), snippet };
};

/** A short, secret-free description of a transport error: its code when it has one. */
export function describeNetworkError(err: unknown): string {
  const seen = new Set<unknown>();
  let e: unknown = err;
  const parts: string[] = [];
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const o = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof o.code === 'string') return `${CODES[o.code] ?? 'network error'} (${o.code})`;
    if (typeof o.message === 'string' && o.message) parts.push(o.message);
    e = o.cause;
  }
  return parts.length ? parts.join(': ') : String(err);
}

const CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'response body timed out',
  ABORT_ERR: 'aborted',
};
