// Pull mode: the /debug/pprof handler on 127.0.0.1 answers go-tool-pprof-style requests with
// decodable pprof, enforces its token, refuses bad parameters with a reason, and shares one
// collection between concurrent requests.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPprofHandler, type PprofHandlerOptions } from '../../sdk/export/http-handler.js';
import { makePprof, readPprof, summary } from './helpers/pprof.js';

interface Fake { wallCalls: Array<{ seconds: number; signal: AbortSignal }>; heapCalls: number; options: PprofHandlerOptions }

function fakeCollectors(delayMs = 150): Fake {
  const f: Fake = {
    wallCalls: [],
    heapCalls: 0,
    options: {
      collectWall: (seconds, signal) => {
        f.wallCalls.push({ seconds, signal });
        return new Promise((resolve, reject) => {
          const tm = setTimeout(() => resolve(makePprof({ type: 'wall', marker: `wall-${seconds}s-call${f.wallCalls.length}` })), delayMs);
          signal.addEventListener('abort', () => { clearTimeout(tm); reject(new Error('aborted')); });
        });
      },
      collectHeap: async () => { f.heapCalls++; await new Promise((r) => setTimeout(r, 50)); return makePprof({ type: 'heap', marker: `heap-call${f.heapCalls}` }); },
    },
  };
  return f;
}

async function serve(handlerOptions: PprofHandlerOptions): Promise<{ base: string; server: Server }> {
  const server = createServer(createPprofHandler(handlerOptions));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

t.test('profile, heap and index; go-tool-pprof style URLs', async (t) => {
  const f = fakeCollectors();
  const { base, server } = await serve({ ...f.options, maxSeconds: 60 });
  t.teardown(() => server.close());

  const res = await fetch(`${base}/debug/pprof/profile?seconds=5`);
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'application/octet-stream');
  const prof = summary(readPprof(new Uint8Array(await res.arrayBuffer())));
  t.same(prof.sampleTypes, ['samples/count', 'wall/nanoseconds']);
  t.same(prof.functions, ['wall-5s-call1']);
  t.equal(f.wallCalls[0].seconds, 5);

  const def = await fetch(`${base}/debug/pprof/profile`);
  t.equal(def.status, 200);
  await def.arrayBuffer();
  t.equal(f.wallCalls[1].seconds, 30, 'missing seconds means 30');

  const heap = await fetch(`${base}/debug/pprof/heap?gc=1`);
  t.equal(heap.status, 200);
  t.same(summary(readPprof(new Uint8Array(await heap.arrayBuffer()))).sampleTypes, ['inuse_objects/count', 'inuse_space/bytes']);

  for (const path of ['/debug/pprof/', '/debug/pprof']) {
    const idx = await fetch(base + path);
    t.equal(idx.status, 200, path);
    t.match(idx.headers.get('content-type'), /text\/html/);
    t.match(await idx.text(), /href="profile\?seconds=30"[\s\S]*href="heap"/);
  }
});

t.test('bad parameters get 400 with a reason; unknown paths 404; other methods 405', async (t) => {
  const f = fakeCollectors();
  const { base, server } = await serve({ ...f.options, maxSeconds: 60 });
  t.teardown(() => server.close());
  const cases: Array<[string, RegExp]> = [
    ['seconds=abc', /whole number of seconds from 1 to 60 \(got "abc"\)/],
    ['seconds=1.5', /whole number/],
    ['seconds=', /whole number/],
    ['seconds=-1', /whole number/],
    ['seconds=0', /at least 1/],
    ['seconds=61', /at most 60/],
    ['seconds=99999999999999999999', /at most 60/],
    ['seconds=5&seconds=6', /once/],
    ['seconds=5&debug=1', /debug=N/],
  ];
  for (const [q, reason] of cases) {
    const res = await fetch(`${base}/debug/pprof/profile?${q}`);
    t.equal(res.status, 400, q);
    t.match(await res.text(), reason, q);
  }
  const hs = await fetch(`${base}/debug/pprof/heap?seconds=5`);
  t.equal(hs.status, 400);
  t.match(await hs.text(), /not supported for heap/);
  t.equal(f.wallCalls.length, 0, 'no collection for a bad request');
  for (const p of ['/debug/pprof/goroutine', '/debug/pprof/profile/x', '/', '/profile', '/debug/pprofx']) {
    const res = await fetch(base + p);
    t.equal(res.status, 404, p);
    await res.text();
  }
  const post = await fetch(`${base}/debug/pprof/profile?seconds=1`, { method: 'POST' });
  t.equal(post.status, 405);
  t.equal(post.headers.get('allow'), 'GET');
  await post.text();
});

t.test('token: 401 without, 403 when wrong, 200 with Bearer or as the basic-auth password', async (t) => {
  const f = fakeCollectors(20);
  const token = 'T0ken-with-some-length';
  const { base, server } = await serve({ ...f.options, token });
  t.teardown(() => server.close());
  const url = `${base}/debug/pprof/profile?seconds=1`;
  const none = await fetch(url);
  t.equal(none.status, 401);
  t.match(none.headers.get('www-authenticate'), /Bearer/);
  t.notMatch(await none.text(), new RegExp(token));
  for (const h of ['Bearer wrong', `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Basic ${Buffer.from(`u:nope`).toString('base64')}`]) {
    const res = await fetch(url, { headers: { authorization: h } });
    t.equal(res.status, 403, h);
    await res.text();
  }
  const garbage = await fetch(url, { headers: { authorization: 'Token abc' } });
  t.equal(garbage.status, 401);
  await garbage.text();
  t.equal(f.wallCalls.length, 0, 'nothing collected for unauthorized requests');
  const bearer = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  t.equal(bearer.status, 200);
  readPprof(new Uint8Array(await bearer.arrayBuffer()));
  const basic = await fetch(`${base}/debug/pprof/heap`, { headers: { authorization: `Basic ${Buffer.from(`anyone:${token}`).toString('base64')}` } });
  t.equal(basic.status, 200);
  await basic.arrayBuffer();
  const idx = await fetch(`${base}/debug/pprof/`);
  t.equal(idx.status, 401, 'the index needs the token too');
  await idx.text();
});

t.test('concurrent requests share one collection; a different duration gets 409', async (t) => {
  const f = fakeCollectors(400);
  const { base, server } = await serve(f.options);
  t.teardown(() => server.close());
  const url = `${base}/debug/pprof/profile?seconds=2`;
  const [a, b] = await Promise.all([fetch(url), fetch(url)]);
  const [ba, bb] = await Promise.all([a.arrayBuffer(), b.arrayBuffer()]);
  t.equal(f.wallCalls.length, 1, 'one collection for two requests');
  t.same(new Uint8Array(ba), new Uint8Array(bb), 'both got the same profile');
  t.same(summary(readPprof(new Uint8Array(ba))).functions, ['wall-2s-call1']);

  const first = fetch(url);
  await new Promise((r) => setTimeout(r, 50));
  const other = await fetch(`${base}/debug/pprof/profile?seconds=3`);
  t.equal(other.status, 409);
  t.match(await other.text(), /already being collected; ask for seconds=2/);
  t.ok(Number(other.headers.get('retry-after')) >= 1);
  await (await first).arrayBuffer();
  t.equal(f.wallCalls.length, 2);

  const [h1, h2] = await Promise.all([fetch(`${base}/debug/pprof/heap`), fetch(`${base}/debug/pprof/heap`)]);
  await Promise.all([h1.arrayBuffer(), h2.arrayBuffer()]);
  t.equal(f.heapCalls, 1, 'concurrent heap requests share one snapshot');
});

t.test('a client that goes away aborts the collection nobody waits for', async (t) => {
  const f = fakeCollectors(5000);
  const { base, server } = await serve(f.options);
  t.teardown(() => server.close());
  const req = request(`${base}/debug/pprof/profile?seconds=5`);
  req.on('error', () => undefined);
  req.end();
  while (f.wallCalls.length === 0) await new Promise((r) => setTimeout(r, 10));
  req.destroy();
  const signal = f.wallCalls[0].signal;
  for (let i = 0; i < 200 && !signal.aborted; i++) await new Promise((r) => setTimeout(r, 10));
  t.ok(signal.aborted, 'the collector was told to stop');
});

t.test('collector failure is a 500 with the reason; Express-style next() for other paths', async (t) => {
  const handler = createPprofHandler({ collectWall: async () => { throw new Error('profiler not started'); }, collectHeap: async () => makePprof({ type: 'heap' }) });
  const server = createServer((req, res) => handler(req, res, () => { res.writeHead(299); res.end('app route'); }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const res = await fetch(`${base}/debug/pprof/profile?seconds=1`);
  t.equal(res.status, 500);
  t.match(await res.text(), /profiler not started/);
  const app = await fetch(`${base}/`);
  t.equal(app.status, 299, 'the application keeps its own routes');
  t.equal(await app.text(), 'app route');
  t.throws(() => createPprofHandler({ ...{ collectWall: async () => new Uint8Array(), collectHeap: async () => new Uint8Array() }, maxSeconds: 0 }), /maxSeconds/);
});

const hasGo = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
t.test('go tool pprof reads the served profile (when Go is installed)', { skip: hasGo ? false : 'go is not installed' }, async (t) => {
  const f = fakeCollectors(50);
  const token = 'go-tool-token';
  const { base, server } = await serve({ ...f.options, token });
  t.teardown(() => server.close());
  const port = new URL(base).port;
  const { spawn } = await import('node:child_process');
  const run = (url: string): Promise<{ code: number | null; out: string }> => new Promise((resolve) => {
    const child = spawn('go', ['tool', 'pprof', '-top', '-symbolize=none', url], { env: { ...process.env, PPROF_TMPDIR: t.testdirName, HOME: t.testdirName }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code) => resolve({ code, out }));
  });
  t.testdir({});
  const wall = await run(`http://x:${token}@127.0.0.1:${port}/debug/pprof/profile?seconds=1`);
  t.equal(wall.code, 0, wall.out);
  t.match(wall.out, /wall-1s-call1/);
  const heap = await run(`http://x:${token}@127.0.0.1:${port}/debug/pprof/heap`);
  t.equal(heap.code, 0, heap.out);
  t.match(heap.out, /heap-call1/);
});
