// node:http(s) transport whose sockets are unref'd: an upload in flight (say, to a server that
// never answers) does not keep a process alive that has nothing else to do. Node only (Deno's
// node:http compatibility works too, but there fetch is the natural default).
//
// node:http and node:https are loaded at the first upload, through require: importing them as ES
// modules builds their module namespace, which reads every export, and node:http's lazy
// WebSocket/fetch getters then load undici (~130 ms of start-up CPU measured on Node 24, in
// every process, exporting or not).
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type { HttpResponse, Transport } from './transport.js';

let modules: { http: typeof Http; https: typeof Https } | undefined;
function httpModules(): { http: typeof Http; https: typeof Https } {
  if (!modules) {
    const load = createRequire(import.meta.url);
    modules = { http: load('node:http') as typeof Http, https: load('node:https') as typeof Https };
  }
  return modules;
}

const SNIPPET_BYTES = 4096;

export const nodeTransport: Transport = (req) => new Promise<HttpResponse>((resolve, reject) => {
  const url = new URL(req.url);
  const send = url.protocol === 'https:' ? httpModules().https.request : url.protocol === 'http:' ? httpModules().http.request : undefined;
  if (!send) { reject(new Error(`unsupported protocol ${url.protocol}`)); return; }
  const headers = { ...req.headers, 'content-length': String(req.body.byteLength) };
  const r = send(url, { method: req.method, headers, signal: req.signal, agent: false });
  r.on('socket', (socket) => { socket.unref(); });
  r.on('error', reject);
  r.on('response', (res) => {
    const chunks: Buffer[] = [];
    let n = 0;
    let ended = false;
    let waiters: Array<(s: string) => void> = [];
    const finish = (): void => {
      if (ended) return;
      ended = true;
      const text = Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8');
      for (const w of waiters) w(text);
      waiters = [];
      snippetText = text;
    };
    let snippetText: string | undefined;
    res.on('data', (c: Buffer) => {
      if (n < SNIPPET_BYTES) { chunks.push(c); n += c.length; }
      if (n >= SNIPPET_BYTES) { finish(); res.destroy(); }
    });
    res.on('end', finish);
    res.on('close', finish);
    res.on('error', finish);
    resolve({
      status: res.statusCode ?? 0,
      header: (name) => {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
      snippet: () => snippetText !== undefined ? Promise.resolve(snippetText) : new Promise((done) => { waiters.push(done); }),
    });
  });
  r.end(req.body);
});
