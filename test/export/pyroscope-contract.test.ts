// The Pyroscope exporter against the server's side of the contract: a local server reads each
// request as Grafana Pyroscope's /ingest handler does (helpers/pyroscope-ingest.ts) and the test
// checks the series the server would build. The expected values are what @pyroscope/nodejs 0.6.4
// sends (measured: its exporter, with the @datadog/pprof 5.14.4 it pins, posting to a local
// server), so a change that would split a mixed fleet's data into two series fails here.
import t from 'tap';
import { Core } from '../../sdk/core.js';
import { PyroscopeExporter } from '../../sdk/export/pyroscope.js';
import { fetchTransport, type Transport } from '../../sdk/export/transport.js';
import { nodeTransport } from '../../sdk/export/transport-node.js';
import type { ProfileBatch } from '../../sdk/export/types.js';
import { ingestCpuProfile } from '../../sdk/ingest/cpu.js';
import { FrameInterner } from '../../sdk/ingest/frames.js';
import { ingestHeapProfile } from '../../sdk/ingest/heap.js';
import { buildProfile } from '../../sdk/pprof/build.js';
import { encodeGzipSync } from '../../sdk/pprof/gzip.js';
import type { CallFrameInfo } from '../../sdk/sources/types.js';
import { encodeMultipart } from '../../sdk/export/multipart.js';
import { makePprof } from './helpers/pprof.js';
import { ingestAsPyroscope, type Ingested } from './helpers/pyroscope-ingest.js';
import { startServer, type Recorded } from './helpers/server.js';

// __profile_type__ of the series @pyroscope/nodejs 0.6.4 produces. Its wall profile is
// @datadog/pprof's sample/count + wall/nanoseconds with `sample` renamed to `samples` before
// upload; its heap profile is objects/count + space/bytes renamed to inuse_objects / inuse_space
// (the period type is the same ValueType object as the last sample type, so it is renamed too).
const NODE_SDK_SERIES = {
  wall: ['wall:samples:count:wall:nanoseconds', 'wall:wall:nanoseconds:wall:nanoseconds'],
  heap: ['memory:inuse_objects:count:inuse_space:bytes', 'memory:inuse_space:bytes:inuse_space:bytes'],
};
// The Node SDK has no CPU profile of its own (collectCpuTime adds cpu/nanoseconds to the wall
// profile); wasmprof's lands where pyroscope-go's CPU profile does.
const CPU_SERIES = ['process_cpu:samples:count:cpu:nanoseconds', 'process_cpu:cpu:nanoseconds:cpu:nanoseconds'];

// The request @pyroscope/nodejs 0.6.4 made in that measurement (body aside).
const NODE_SDK_REQUEST = {
  method: 'POST',
  path: '/ingest',
  query: ['format', 'from', 'name', 'spyName', 'until', 'sampleRate'],
  format: 'pprof',
  spyName: 'nodespy',
  contentType: 'application/octet-stream',
  body: 'raw' as const,
};

const transports: Array<[string, Transport]> = [['fetch', fetchTransport], ['node:http', nodeTransport]];
const START = new Date('2024-05-01T12:00:10.400Z');
const END = new Date('2024-05-01T12:01:10.600Z');

/** Each request as the server reads it, by the marker function of its profile. */
function ingestAll(requests: Recorded[]): Map<string, Ingested & { query: URLSearchParams }> {
  const byMarker = new Map<string, Ingested & { query: URLSearchParams }>();
  for (const r of requests) {
    const got = ingestAsPyroscope(r);
    byMarker.set(got.profile.stringTable.strings[Number(got.profile.function[0].name)], { ...got, query: r.url.searchParams });
  }
  return byMarker;
}

for (const [tname, transport] of transports) {
  t.test(`over ${tname}: the request is read as the Node SDK's is, and lands on its series`, async (t) => {
    const server = await startServer();
    t.teardown(() => server.close());
    const pprofs = { wall: makePprof({ type: 'wall', marker: 'wallFn' }), cpu: makePprof({ type: 'cpu', marker: 'cpuFn' }), heap: makePprof({ type: 'heap', marker: 'heapFn' }) };
    const ex = new PyroscopeExporter({ serverUrl: `${server.url}/pyro/`, appName: 'checkout-api', tags: { env: 'test' }, sampleRate: 99, transport, onError: () => undefined });
    ex.export({ start: START, end: END, profiles: Object.entries(pprofs).map(([type, pprof]) => ({ type, pprof })), labels: { route: 'checkout' } });
    await ex.flush(5000);
    t.equal(server.requests.length, 3, 'one request per profile');
    for (const r of server.requests) {
      t.equal(r.method, NODE_SDK_REQUEST.method);
      t.equal(r.url.pathname, `/pyro${NODE_SDK_REQUEST.path}`);
      t.equal(r.url.searchParams.get('format'), NODE_SDK_REQUEST.format);
      t.equal(r.headers['content-type'], NODE_SDK_REQUEST.contentType);
      t.equal(r.url.searchParams.get('spyName'), NODE_SDK_REQUEST.spyName);
      for (const k of r.url.searchParams.keys()) t.ok(NODE_SDK_REQUEST.query.includes(k), `query parameter ${k} is one the Node SDK sends`);
    }
    const got = ingestAll(server.requests);
    const wall = got.get('wallFn')!;
    const cpu = got.get('cpuFn')!;
    const heap = got.get('heapFn')!;
    for (const [g, sent] of [[wall, pprofs.wall], [cpu, pprofs.cpu], [heap, pprofs.heap]] as const) {
      t.equal(g.body, NODE_SDK_REQUEST.body);
      t.same(new Uint8Array(g.pprof), sent, 'the body is the gzipped pprof, byte for byte');
      t.equal(g.serviceName, 'checkout-api');
      t.same(g.labels, { env: 'test', route: 'checkout' });
      t.equal(g.from, String(Math.floor(START.getTime() / 1000)));
      t.equal(g.until, String(Math.ceil(END.getTime() / 1000)));
    }
    t.same(wall.series, NODE_SDK_SERIES.wall);
    t.same(heap.series, NODE_SDK_SERIES.heap);
    t.same(cpu.series, CPU_SERIES);
    t.equal(wall.sampleRate, 99);
    t.equal(cpu.sampleRate, 99);
    t.notOk(heap.query.has('sampleRate'), 'no sampleRate with a heap profile, as the Node SDK');
    await ex.close(1000);
  });
}

const cf = (functionName: string, lineNumber: number): CallFrameInfo => ({ functionName, url: 'file:///app/main.js', scriptId: '7', lineNumber, columnNumber: 2 });

t.test('profiles from wasmprof\'s own pprof builder land on the Node SDK\'s wall and memory series', async (t) => {
  const core = await Core.create();
  const frames = new FrameInterner(core, undefined);
  const root = cf('(root)', -1);
  const handles = { handle: () => core.internLabels({}), unknown: () => core.internLabels({ wasmprof_labels: 'unknown' }) };
  ingestCpuProfile(core, frames, {
    nodes: [{ id: 1, callFrame: root, children: [2] }, { id: 2, callFrame: cf('work', 4) }],
    startTime: 0, samples: [2, 2, 2], timeDeltas: [10, 10, 10], endTime: 40,
  }, undefined, handles, { micros: 20, scope: 'thread' });
  ingestHeapProfile(core, frames, {
    head: { id: 1, callFrame: root, selfSize: 0, children: [{ id: 2, callFrame: cf('alloc', 9), selfSize: 4096, children: [] }] },
    samples: [{ size: 4096, nodeId: 2, ordinal: 1 }],
  }, 512 * 1024, 0);
  const built = (type: 'wall' | 'cpu' | 'heap'): Uint8Array =>
    encodeGzipSync(buildProfile({ tables: core.tables(), type, timeNanos: START.getTime() * 1e6, durationNanos: 60e9, period: type === 'heap' ? 512 * 1024 : 10e6, comments: [] }));
  const server = await startServer();
  t.teardown(() => server.close());
  const ex = new PyroscopeExporter({ serverUrl: server.url, appName: 'built', onError: () => undefined });
  const batch: ProfileBatch = { start: START, end: END, profiles: [{ type: 'wall', pprof: built('wall') }, { type: 'cpu', pprof: built('cpu') }, { type: 'heap', pprof: built('heap') }] };
  ex.export(batch);
  await ex.flush(5000);
  const series = server.requests.map((r) => ingestAsPyroscope(r).series);
  t.same(series, [NODE_SDK_SERIES.wall, CPU_SERIES, NODE_SDK_SERIES.heap]);
  await ex.close(1000);
});

t.test('the contract server is as strict as the real one', async (t) => {
  const rec = (query: string, body: Uint8Array, contentType = 'application/octet-stream'): Recorded =>
    ({ method: 'POST', url: new URL(`http://127.0.0.1/ingest?${query}`), headers: { 'content-type': contentType }, body: Buffer.from(body), at: 0 });
  const pprof = makePprof({ type: 'cpu' });
  t.same(ingestAsPyroscope(rec('name=a&format=pprof', pprof)).series, CPU_SERIES);
  const form = encodeMultipart([{ name: 'profile', filename: 'p', contentType: 'application/octet-stream', data: pprof }]);
  const viaForm = ingestAsPyroscope(rec('name=a', form.body, form.contentType));
  t.equal(viaForm.body, 'multipart', 'without format, a multipart Content-Type selects the form parser');
  t.same(viaForm.series, CPU_SERIES, 'a form carries the same profile to the same series');
  t.throws(() => ingestAsPyroscope(rec('name=a&format=pprof', form.body, form.contentType)), /not a pprof profile/, 'format=pprof wins over a multipart Content-Type: the form framing is read as pprof');
  t.throws(() => ingestAsPyroscope(rec('name=a', pprof)), /folded/, 'a raw body without format=pprof is read as folded text');
  t.throws(() => ingestAsPyroscope(rec('name=my:app&format=pprof', pprof)), /invalid service name/, 'the server refuses ":" in a service name');
  // sample_type_config replaces the default mapping; the default already names wasmprof's cpu
  // profile process_cpu (samples → "cpu"), and so does its cpu/nanoseconds type on its own.
  const stc = encodeMultipart([
    { name: 'profile', filename: 'p', contentType: 'application/octet-stream', data: pprof },
    { name: 'sample_type_config', filename: 'c.json', contentType: 'application/json', data: new TextEncoder().encode('{"samples":{"units":"samples"}}') },
  ]);
  t.same(ingestAsPyroscope(rec('name=a', stc.body, stc.contentType)).series, CPU_SERIES, 'a sample_type_config would not change the cpu series');
});
