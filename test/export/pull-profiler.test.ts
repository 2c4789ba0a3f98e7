// Pull mode with no glue: createPprofHandler(profiler) serves the profiler start() returned.
// A window of N seconds is collected next to the continuous periods (a window that spans a
// period boundary leaves both complete), the heap in use is readable, a wrong token is refused,
// and `go tool pprof` (when Go is installed) reads the window with the hot function on top.
import t from 'tap';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { start, type PeriodResult } from '../../sdk/index.js';
import { createPprofHandler } from '../../sdk/export/http-handler.js';
import { busy } from './helpers/busy.js';
import { decode, sumAll, total } from '../profiler/helpers.js';

const TOKEN = 'pull-token';

async function serve(handler: ReturnType<typeof createPprofHandler>): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, port: (server.address() as AddressInfo).port };
}


async function get(port: number, path: string, token = TOKEN): Promise<{ status: number; body: Uint8Array }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
}

for (const source of ['native', 'inspector'] as const) t.test(`${source}: a window next to the periods, the heap in use, the token`, async (t) => {
  const periods: PeriodResult[] = [];
  const profiler = await start({ profiles: ['wall', 'heap'], interval: '5ms', period: '1s', source, env: {}, onPeriod: (p) => { periods.push(p); } });
  const { server, port } = await serve(createPprofHandler(profiler, { token: TOKEN, maxSeconds: 10 }));
  t.teardown(() => server.close());

  const windowed = get(port, '/debug/pprof/profile?seconds=2');
  await busy(2600);
  const w = await windowed;
  t.equal(w.status, 200, 'window served');
  const wall = decode(w.body);
  t.ok(wall.sampleTypes.includes('wall/nanoseconds'), 'a wall profile');
  const hot = total(wall, 'burnHeavy', 1);
  // Shares, not milliseconds: on a loaded machine the thread gets less of the 2 s.
  t.ok(hot / sumAll(wall) > 0.5, `burnHeavy holds most of the window (${(hot / 1e6).toFixed(0)} of ${(sumAll(wall) / 1e6).toFixed(0)} ms)`);
  t.ok(wall.durationNanos >= 1.9e9 && wall.durationNanos < 4e9, `window duration ${(wall.durationNanos / 1e6).toFixed(0)} ms`);

  const last = await profiler.collect();
  const all = [...periods.filter((p) => p.seq !== last.seq), last];
  t.ok(all.length >= 2, `${all.length} periods while the window ran (it spans a boundary)`);
  t.same(all.map((p) => p.seq), all.map((_, i) => i + 1), 'periods follow each other, none lost');
  let periodHot = 0;
  for (const p of all) periodHot += total(decode(p.wall!), 'burnHeavy', 1);
  t.ok(periodHot >= hot * 0.9, `the periods still hold all of burnHeavy (${(periodHot / 1e6).toFixed(0)} ms over ${all.length} periods, the window ${(hot / 1e6).toFixed(0)} ms)`);

  // Something live to find (what the program happened to retain may fall between samples).
  const kept = Array.from({ length: 120_000 }, (_, i) => ({ i, s: `kept-${i}`.padEnd(96, '.') }));
  const h = await get(port, '/debug/pprof/heap');
  t.equal(h.status, 200, 'heap served');
  const heap = decode(h.body);
  t.same(heap.sampleTypes, ['inuse_objects/count', 'inuse_space/bytes']);
  t.ok(heap.samples.length > 0, `${heap.samples.length} heap samples (${kept.length} objects kept)`);

  t.equal((await get(port, '/debug/pprof/heap', 'wrong')).status, 403, 'wrong token: 403');
  await profiler.stop();
  t.equal((await get(port, '/debug/pprof/heap')).status >= 500, true, 'a stopped profiler: an error status, not a hang');
});

t.test('heap profiling off: the heap endpoint says so', async (t) => {
  const profiler = await start({ profiles: ['wall'], env: {} });
  const { server, port } = await serve(createPprofHandler(profiler));
  t.teardown(() => server.close());
  const h = await fetch(`http://127.0.0.1:${port}/debug/pprof/heap`);
  t.ok(h.status >= 500, `status ${h.status}`);
  t.match(await h.text(), /heap profiling is off/);
  await profiler.stop();
});

const hasGo = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
t.test('go tool pprof reads a window of the running profiler (when Go is installed)', { skip: hasGo ? false : 'go is not installed' }, async (t) => {
  const profiler = await start({ profiles: ['wall'], interval: '5ms', env: {} });
  const { server, port } = await serve(createPprofHandler(profiler, { token: TOKEN }));
  t.teardown(() => server.close());
  t.testdir({});
  const out = new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn('go', ['tool', 'pprof', '-top', '-symbolize=none', `http://x:${TOKEN}@127.0.0.1:${port}/debug/pprof/profile?seconds=2`], {
      env: { ...process.env, PPROF_TMPDIR: t.testdirName, HOME: t.testdirName }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d) => { text += d; });
    child.stderr.on('data', (d) => { text += d; });
    child.on('close', (code) => resolve({ code, out: text }));
  });
  await busy(3000);
  const r = await out;
  await profiler.stop();
  t.equal(r.code, 0, r.out);
  const rows = r.out.split('\n').filter((l) => /^\s*[\d.]+m?s\s/.test(l));
  t.match(rows[0] ?? '', /burnHeavy/, `burnHeavy is on top:\n${rows.slice(0, 3).join('\n')}`);
});
