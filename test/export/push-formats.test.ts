// Integration against real HTTP servers on 127.0.0.1: each server parses the body (Datadog's
// multipart with the test's own parser; Pyroscope's raw pprof as its /ingest handler reads it),
// decodes every pprof with pprof-format, and checks names, tags, time
// range and auth headers — for Pyroscope and for the Datadog agent, over both transports.
import t from 'tap';
import { DatadogExporter } from '../../sdk/export/datadog.js';
import { PyroscopeExporter } from '../../sdk/export/pyroscope.js';
import { fetchTransport, type Transport } from '../../sdk/export/transport.js';
import { nodeTransport } from '../../sdk/export/transport-node.js';
import type { ProfileBatch } from '../../sdk/export/types.js';
import { parseMultipart } from './helpers/multipart.js';
import { makePprof, readPprof, summary } from './helpers/pprof.js';
import { ingestAsPyroscope } from './helpers/pyroscope-ingest.js';
import { startServer } from './helpers/server.js';

const transports: Array<[string, Transport]> = [['fetch', fetchTransport], ['node:http', nodeTransport]];

function batch(): ProfileBatch {
  return {
    start: new Date('2024-05-01T12:00:10.400Z'),
    end: new Date('2024-05-01T12:01:10.600Z'),
    profiles: [
      { type: 'wall', pprof: makePprof({ type: 'wall', marker: 'wallFn' }) },
      { type: 'cpu', pprof: makePprof({ type: 'cpu', marker: 'cpuFn' }) },
      { type: 'heap', pprof: makePprof({ type: 'heap', marker: 'heapFn' }) },
    ],
    labels: { route: 'checkout' },
  };
}

const FROM = String(Math.floor(Date.parse('2024-05-01T12:00:10.400Z') / 1000));
const UNTIL = String(Math.ceil(Date.parse('2024-05-01T12:01:10.600Z') / 1000));

for (const [tname, transport] of transports) {
  t.test(`Pyroscope /ingest over ${tname}: query, raw pprof body (format=pprof), bearer token, tenant`, async (t) => {
    const server = await startServer();
    t.teardown(() => server.close());
    const errors: string[] = [];
    const ex = new PyroscopeExporter({
      serverUrl: `${server.url}/pyro/`, appName: 'checkout-api', tags: { env: 'test', region: 'eu-west-1' },
      authToken: 'py-token-1', tenantId: 'team-a', sampleRate: 99, transport, onError: (l) => errors.push(l),
    });
    ex.export(batch());
    await ex.flush(5000);
    t.equal(server.requests.length, 3, 'one request per profile');
    const seen: Record<string, string[]> = {};
    for (const r of server.requests) {
      t.equal(r.method, 'POST');
      t.equal(r.url.pathname, '/pyro/ingest');
      const q = r.url.searchParams;
      t.equal(q.get('name'), 'checkout-api{env=test,region=eu-west-1,route=checkout}');
      t.equal(q.get('from'), FROM);
      t.equal(q.get('until'), UNTIL);
      t.equal(q.get('spyName'), 'nodespy');
      t.equal(q.get('format'), 'pprof', 'the body is the pprof itself, as @pyroscope/nodejs 0.6.4 sends it');
      t.equal(r.headers['content-type'], 'application/octet-stream');
      t.equal(r.headers.authorization, 'Bearer py-token-1');
      t.equal(r.headers['x-scope-orgid'], 'team-a');
      t.match(r.headers['user-agent'], /^wasmprof\//);
      const s = summary(readPprof(ingestAsPyroscope(r).pprof));
      seen[s.functions[0]] = s.sampleTypes;
      t.equal(q.get('sampleRate'), s.functions[0] === 'heapFn' ? null : '99', 'sampleRate with wall and cpu profiles only');
    }
    t.same(seen, {
      wallFn: ['samples/count', 'wall/nanoseconds'],
      cpuFn: ['samples/count', 'cpu/nanoseconds'],
      heapFn: ['inuse_objects/count', 'inuse_space/bytes'],
    });
    const st = ex.stats();
    t.equal(st.delivered, 3);
    t.equal(st.batchesAccepted, 1);
    t.equal(st.queued, 0);
    t.same(errors, []);
    await ex.close(1000);
  });

  t.test(`Pyroscope basic auth (option and URL user:password) over ${tname}`, async (t) => {
    const server = await startServer();
    t.teardown(() => server.close());
    const a = new PyroscopeExporter({ serverUrl: server.url, appName: 'app', basicAuth: { user: 'u1', password: 'p:w' }, transport, onError: () => undefined });
    const b = new PyroscopeExporter({ serverUrl: server.url.replace('http://', 'http://u2:s%40cret@'), appName: 'app', transport, onError: () => undefined });
    const one: ProfileBatch = { start: new Date(1_000_000), end: new Date(1_060_000), profiles: [{ type: 'wall', pprof: makePprof() }] };
    a.export(one);
    await a.flush(5000);
    b.export(one);
    await b.flush(5000);
    t.equal(server.requests[0].headers.authorization, `Basic ${Buffer.from('u1:p:w').toString('base64')}`);
    t.equal(server.requests[1].headers.authorization, `Basic ${Buffer.from('u2:s@cret').toString('base64')}`);
    t.equal(server.requests[1].url.searchParams.get('name'), 'app', 'no tags: a bare name');
    t.equal(server.requests[1].url.searchParams.get('from'), '1000');
    t.equal(server.requests[1].url.searchParams.get('until'), '1060');
    await Promise.all([a.close(100), b.close(100)]);
  });

  t.test(`Datadog agent /profiling/v1/input over ${tname}: event.json, wall.pprof (wall + cpu) and space.pprof`, async (t) => {
    const server = await startServer((_r, res) => { res.writeHead(202); res.end('{}'); });
    t.teardown(() => server.close());
    const ex = new DatadogExporter({
      agentUrl: server.url, service: 'checkout-api', env: 'prod', version: '1.2.3', tags: { team: 'payments' },
      apiKey: 'dd-key-123', transport, onError: () => undefined,
    });
    ex.export(batch());
    await ex.flush(5000);
    t.equal(server.requests.length, 1, 'one request per batch');
    const r = server.requests[0];
    t.equal(r.method, 'POST');
    t.equal(r.url.pathname, '/profiling/v1/input');
    t.equal(r.headers['dd-api-key'], 'dd-key-123');
    t.equal(r.headers['dd-evp-origin'], 'wasmprof');
    t.ok(r.headers['dd-evp-origin-version']);
    const parts = parseMultipart(r.body, r.headers['content-type']);
    t.same(parts.map((p) => [p.name, p.filename, p.contentType]), [
      ['event', 'event.json', 'application/json'],
      ['wall.pprof', 'wall.pprof', 'application/octet-stream'],
      ['space.pprof', 'space.pprof', 'application/octet-stream'],
    ]);
    const event = JSON.parse(parts[0].data.toString('utf8')) as Record<string, unknown>;
    t.same(event.attachments, ['wall.pprof', 'space.pprof']);
    t.equal(event.start, '2024-05-01T12:00:10.400Z');
    t.equal(event.end, '2024-05-01T12:01:10.600Z');
    t.equal(event.family, 'node');
    t.equal(event.version, '4');
    const tags = String(event.tags_profiler).split(',');
    for (const tag of ['service:checkout-api', 'env:prod', 'version:1.2.3', 'language:javascript', 'runtime:nodejs', `runtime_version:${process.version}`, 'format:pprof', `process_id:${process.pid}`, 'team:payments', 'route:checkout', 'profiler:wasmprof', 'profile_seq:0']) {
      t.ok(tags.includes(tag), `tags_profiler has ${tag}`);
    }
    t.ok(tags.some((tag) => /^runtime-id:[0-9a-f-]{36}$/.test(tag)), 'tags_profiler has runtime-id');
    const byName = Object.fromEntries(parts.slice(1).map((p) => [p.name, summary(readPprof(p.data))]));
    t.same(byName['wall.pprof'].functions, ['wallFn', 'cpuFn']);
    t.same(byName['wall.pprof'].sampleTypes, ['sample/count', 'wall/nanoseconds', 'cpu/nanoseconds']);
    t.same(byName['space.pprof'].sampleTypes, ['inuse_objects/count', 'inuse_space/bytes']);
    t.equal(ex.stats().delivered, 1);
    await ex.close(1000);
  });
}

t.test('bad options are refused at construction with a reason', async (t) => {
  const base = { serverUrl: 'http://127.0.0.1:1', appName: 'a' };
  t.throws(() => new PyroscopeExporter({ ...base, serverUrl: 'ftp://x' }), /http:\/\/ or https:\/\//);
  t.throws(() => new PyroscopeExporter({ ...base, serverUrl: 'not a url' }), /is not a URL/);
  t.throws(() => new PyroscopeExporter({ ...base, appName: 'a b' }), /application name/);
  t.throws(() => new PyroscopeExporter({ ...base, tags: { 'bad key': 'v' } }), /tag key/);
  t.throws(() => new PyroscopeExporter({ ...base, authToken: 't', basicAuth: { user: 'u', password: 'p' } }), /not both/);
  t.throws(() => new PyroscopeExporter({ ...base, sampleRate: 0 }), /sampleRate/);
  t.throws(() => new PyroscopeExporter({ ...base, queue: { maxItems: 0 } }), /queue.maxItems/);
  t.throws(() => new DatadogExporter({ service: '' }), /service/);
  t.throws(() => new DatadogExporter({ service: 'a,b' }), /without commas/);
  t.throws(() => new DatadogExporter({ service: 's', agentUrl: 'http://u:p@h:8126' }), /user:password/);
});

t.test('invalid batch labels are left out and reported once; the batch is still sent', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const errors: string[] = [];
  const ex = new PyroscopeExporter({ serverUrl: server.url, appName: 'app', onError: (l) => errors.push(l) });
  for (let i = 0; i < 2; i++) ex.export({ start: new Date(0), end: new Date(1000), profiles: [{ type: 'wall', pprof: makePprof() }], labels: { 'bad key': 'x', ok: 'y', worse: 'a,b' } });
  await ex.flush(5000);
  t.same(server.requests.map((r) => r.url.searchParams.get('name')), ['app{ok=y}', 'app{ok=y}']);
  t.equal(errors.length, 1);
  t.match(errors[0], /batch labels bad key, worse are not valid Pyroscope tags; sent without them/);
  t.equal(ex.stats().invalid, 0);
  await ex.close(100);
});
