// Test HTTP servers on 127.0.0.1 (ephemeral ports), recording every request with its body.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Recorded {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
  at: number;
}

export type Responder = (rec: Recorded, res: ServerResponse, index: number) => void;

export interface TestServer {
  url: string;
  port: number;
  requests: Recorded[];
  /** Resolves when `n` requests have been recorded (or rejects after timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export function startServer(respond: Responder = (_r, res) => { res.writeHead(200); res.end('ok'); }, port = 0): Promise<TestServer> {
  const requests: Recorded[] = [];
  const sockets = new Set<Socket>();
  let waiters: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Recorded = { method: req.method ?? '', url: new URL(req.url ?? '/', 'http://127.0.0.1'), headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
      requests.push(rec);
      const w = waiters;
      waiters = [];
      for (const f of w) f();
      respond(rec, res, requests.length - 1);
    });
  });
  server.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const p = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${p}`,
        port: p,
        requests,
        waitFor(n, timeoutMs = 10_000) {
          return new Promise<void>((ok, fail) => {
            const t = setTimeout(() => fail(new Error(`timed out waiting for ${n} requests (got ${requests.length})`)), timeoutMs);
            const check = (): void => { if (requests.length >= n) { clearTimeout(t); ok(); } else waiters.push(check); };
            check();
          });
        },
        close() {
          for (const s of sockets) s.destroy();
          return new Promise<void>((ok) => server.close(() => ok()));
        },
      });
    });
  });
}

/** A port that was free a moment ago (listen on 0, close). */
export async function freePort(): Promise<number> {
  const s = await startServer();
  const p = s.port;
  await s.close();
  return p;
}

/** A server that accepts connections and reads requests but never answers. */
export function startSilentServer(): Promise<TestServer> {
  return startServer(() => { /* never respond */ });
}
