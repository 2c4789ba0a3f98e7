// Pull mode's /debug/pprof/allocs: served where allocation profiles exist (the native bridge on
// Node 26+ with heapAllocations), a 501 with the reason where not, listed on the index either way;
// `?seconds=N` is a window of its own, shared by concurrent requests; pulls never end the
// continuous period's count.
import t from 'tap';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { start } from '../../sdk/index.js';
import { createPprofHandler, type PprofHandlerOptions } from '../../sdk/export/http-handler.js';
import { loadV8Bridge } from '../../sdk/sources/v8-bridge.js';
import { churn, keep, kept } from '../profiler/fixtures/alloc-churn-keep.mjs';
import { decode, total } from '../profiler/helpers.js';
import { makePprof, readPprof, summary } from './helpers/pprof.js';

async function serve(handler: ReturnType<typeof createPprofHandler>): Promise<{ base: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const fakes = (): PprofHandlerOptions & { calls: Array<number | undefined> } => {
  const calls: Array<number | undefined> = [];
  return {
    calls,
    collectWall: async () => makePprof({ type: 'wall' }),
    collectHeap: async () => makePprof({ type: 'heap' }),
    collectAllocs: async (seconds) => { calls.push(seconds); await new Promise((r) => setTimeout(r, 100)); return makePprof({ type: 'heap', marker: `allocs-${seconds ?? 'period'}` }); },
  };
};

t.test('collector form: /allocs with and without seconds, shared, 409 for another window, 400 for bad seconds', async (t) => {
  const f = fakes();
  const { base, server } = await serve(createPprofHandler({ ...f, maxSeconds: 10 }));
  t.teardown(() => server.close());
  const plain = await fetch(`${base}/debug/pprof/allocs`);
  t.equal(plain.status, 200);
  t.match(plain.headers.get('content-disposition'), /filename="allocs"/);
  t.same(summary(readPprof(new Uint8Array(await plain.arrayBuffer()))).functions, ['allocs-period']);
  const [a, b, c] = await Promise.all([
    fetch(`${base}/debug/pprof/allocs?seconds=2`),
    fetch(`${base}/debug/pprof/allocs?seconds=2`),
    new Promise<Response>((r) => setTimeout(() => r(fetch(`${base}/debug/pprof/allocs?seconds=3`)), 20)),
  ]);
  t.equal(a.status, 200);
  t.equal(b.status, 200);
  t.same(f.calls, [undefined, 2], 'two requests for the same window share one collection');
  t.equal(c.status, 409);
  t.match(await c.text(), /a 2 s allocation profile is already being collected; ask for seconds=2/);
  for (const q of ['seconds=abc', 'seconds=0', 'seconds=11']) {
    const r = await fetch(`${base}/debug/pprof/allocs?${q}`);
    t.equal(r.status, 400, q);
    await r.arrayBuffer();
  }
  const idx = await (await fetch(`${base}/debug/pprof/`)).text();
  t.match(idx, /href="allocs"/, 'the index links allocs');
});

t.test('collector form without collectAllocs, or with a reason: 501 saying why; the index says so too', async (t) => {
  const f = fakes();
  const none = await serve(createPprofHandler({ collectWall: f.collectWall, collectHeap: f.collectHeap }));
  t.teardown(() => none.server.close());
  const r = await fetch(`${none.base}/debug/pprof/allocs`);
  t.equal(r.status, 501);
  t.match(await r.text(), /^no allocation profile: this handler has no allocation collector/);
  const reason = 'V8 x does not say which sampled objects are still live <here>';
  const off = await serve(createPprofHandler({ ...f, allocsUnavailable: () => reason }));
  t.teardown(() => off.server.close());
  const r2 = await fetch(`${off.base}/debug/pprof/allocs?seconds=1`);
  t.equal(r2.status, 501);
  t.equal((await r2.text()).trim(), `no allocation profile: ${reason}`);
  t.same(f.calls, [], 'nothing collected');
  const idx = await (await fetch(`${off.base}/debug/pprof/`)).text();
  t.notMatch(idx, /href="allocs"/);
  t.match(idx, /allocs<\/td><td>not available: V8 x does not say which sampled objects are still live &#60;here&#62;/, 'the reason, escaped');
  t.throws(() => createPprofHandler({ ...f, collectAllocs: 'no' as never }), /collectAllocs\(seconds, signal\) and allocsUnavailable\(\) must be functions/);
});

const bridge = loadV8Bridge();
const unavailable = 'error' in bridge ? `native bridge unavailable: ${bridge.error}` : bridge.heap().allocationsUnavailable;

t.test(`the profiler: ${unavailable === undefined ? 'allocs served (Node 26+, native)' : 'allocs refused with the reason'}`, async (t) => {
  const profiler = await start({ profiles: ['heap'], heapInterval: 16384, heapAllocations: true, source: 'auto', env: {} });
  t.teardown(() => profiler.stop().catch(() => undefined));
  const { base, server } = await serve(createPprofHandler(profiler, { maxSeconds: 5 }));
  t.teardown(() => server.close());
  if (unavailable !== undefined) {
    const r = await fetch(`${base}/debug/pprof/allocs`);
    t.equal(r.status, 501);
    t.match(await r.text(), /^no allocation profile: .*(still live|native bridge)/);
    const heap = await fetch(`${base}/debug/pprof/heap`);
    t.equal(heap.status, 200, 'the heap in use is still served');
    await heap.arrayBuffer();
    return;
  }
  churn(300_000);
  const since = await fetch(`${base}/debug/pprof/allocs`);
  t.equal(since.status, 200);
  const p1 = decode(new Uint8Array(await since.arrayBuffer()));
  t.same(p1.sampleTypes, ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']);
  const churned = total(p1, 'churn', 1, 'cum');
  t.ok(churned > 5_000_000, `since the period began: churn allocated ${churned} bytes`);
  t.ok(p1.comments.some((c) => /on-demand allocation profile \(the current period so far\)/.test(c)));

  // A window: keep() runs inside it, churn() ran before it.
  const windowed = fetch(`${base}/debug/pprof/allocs?seconds=1`);
  await new Promise((r) => setTimeout(r, 300));
  keep(40, 2500);
  const w = await windowed;
  t.equal(w.status, 200);
  const p2 = decode(new Uint8Array(await w.arrayBuffer()));
  t.ok(total(p2, 'churn', 1, 'cum') < churned * 0.01, 'the window does not count what was allocated before it');
  t.ok(total(p2, 'keep', 1, 'cum') > 400_000, 'it counts what was allocated in it');
  t.ok(p2.durationNanos >= 0.9e9, 'its duration is the window');

  const heap = decode(new Uint8Array(await (await fetch(`${base}/debug/pprof/heap`)).arrayBuffer()));
  t.same(heap.sampleTypes, ['inuse_objects/count', 'inuse_space/bytes'], '/heap stays in-use only');

  const period = decode((await profiler.collect()).heap!);
  t.ok(total(period, 'churn', 1, 'cum') >= churned * 0.99, 'the pulls did not end the period\'s count');
  kept.length = 0;
});
