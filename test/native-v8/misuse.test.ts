// Misuse throws (rejects) with a clear message instead of crashing the process, and loading
// explains in one line why the bridge is unavailable.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadV8Bridge } from '../../sdk/sources/v8-bridge.js';
import { bridgeOrThrow } from './fixtures/profile-helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'wasmprof-v8-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));

function oneLineError(t: Test, r: ReturnType<typeof loadV8Bridge>): string {
  if (!('error' in r)) {
    t.fail('expected an error');
    return '';
  }
  t.notMatch(r.error, /\n/, 'one line');
  t.match(r.error, 'node:inspector', 'says what is used instead');
  return r.error;
}

t.test('CPU source misuse', async (t) => {
  const bridge = bridgeOrThrow();
  const a = bridge.cpu();
  const b = bridge.cpu();
  await t.rejects(a.rotate(), { message: /rotate\(\) called but the CPU profiler is not started/ }, 'rotate before start');
  await t.rejects(a.stop(), { message: /not started/ }, 'stop before start');
  await t.rejects(a.start(0), { message: /interval must be between/ }, 'bad interval');
  await t.rejects(a.start(Number.NaN), { message: /interval must be between/ }, 'NaN interval');
  await a.start(1000);
  await t.rejects(a.start(1000), { message: /already started on this thread/ }, 'start twice');
  await t.rejects(b.start(500), { message: /already started on this thread/ }, 'a second source on the same thread');
  const p = await a.rotate();
  t.ok(Array.isArray(p.nodes), 'still works after the refused starts');
  await a.stop();
  await t.rejects(a.stop(), { message: /not started \(already stopped\?\)/ }, 'stop twice');
  await t.rejects(a.rotate(), { message: /not started/ }, 'rotate after stop');
  await b.start(500);
  t.ok((await b.stop()).nodes.length > 0, 'another source can start once the first stopped');
});

t.test('heap source misuse', async (t) => {
  const bridge = bridgeOrThrow();
  const h = bridge.heap();
  await t.rejects(h.profile(), { message: /not started/ }, 'profile before start');
  await t.rejects(h.stop(), { message: /not started/ }, 'stop before start');
  await t.rejects(h.start(0, 16), { message: /intervalBytes/ }, 'bad interval');
  await t.rejects(h.start(1024, 0), { message: /stackDepth/ }, 'bad depth');
  await h.start(512 * 1024, 16);
  await t.rejects(h.start(512 * 1024, 16), { message: /already started/ }, 'start twice');
  t.ok((await h.profile()).head, 'profile');
  await h.stop();
  await t.rejects(h.stop(), { message: /already stopped/ }, 'stop twice');
});

t.test('heap sampler taken by node:inspector: clear error, not a crash', async (t) => {
  const { Session } = await import('node:inspector');
  const s = new Session();
  s.connect();
  s.post('HeapProfiler.enable');
  s.post('HeapProfiler.startSampling', { samplingInterval: 512 * 1024 });
  const h = bridgeOrThrow().heap();
  await t.rejects(h.start(512 * 1024, 16), { message: /already running on this isolate.*node:inspector/ });
  s.post('HeapProfiler.stopSampling');
  s.disconnect();
  await h.start(512 * 1024, 16);
  await h.stop();
});

t.test('missing build: one line naming the path, npm run build:native and blocked install scripts', async (t) => {
  const missing = join(scratch, 'nope', 'wasmprof_v8.node');
  const error = oneLineError(t, loadV8Bridge({ path: missing }));
  t.match(error, 'not found');
  t.match(error, missing);
  t.match(error, 'npm run build:native');
  t.match(error, /install scripts/);
});

t.test('failed build: the reason from build/status.json', async (t) => {
  const status = join(scratch, 'status.json');
  writeFileSync(status, JSON.stringify([{ addon: 'fork', ok: true }, { addon: 'v8', ok: false, reason: 'v8-profiler.h: No such file or directory' }]));
  const error = oneLineError(t, loadV8Bridge({ path: join(scratch, 'x.node'), statusPath: status }));
  t.match(error, 'its build failed: v8-profiler.h: No such file or directory');
});

t.test('a file that is not an addon: the load error, on one line', async (t) => {
  const bogus = join(scratch, 'bogus.node');
  writeFileSync(bogus, 'not an ELF file\n\nsecond line\n');
  const error = oneLineError(t, loadV8Bridge({ path: bogus }));
  t.match(error, 'failed to load');
  t.match(error, bogus);
});

t.test('Deno: says so without trying to load', async (t) => {
  const g = globalThis as { Deno?: unknown };
  g.Deno = { version: { deno: '2.9.6' } };
  try {
    const error = oneLineError(t, loadV8Bridge());
    t.match(error, 'Deno');
  } finally {
    delete g.Deno;
  }
});

t.test('loads once per thread; sources report kind native', async (t) => {
  const a = loadV8Bridge();
  const b = loadV8Bridge();
  if ('error' in a) return t.fail(a.error);
  t.equal(a, b, 'cached');
  t.equal(a.cpu().kind, 'native');
  t.equal(a.heap().kind, 'native');
  t.ok(a.threadCpuMicros() > 0, 'thread CPU clock');
});
