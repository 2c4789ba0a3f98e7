// `node --import wasmprof/register` with WASMPROF_EXPORTER: every period, and the last one at
// exit, goes to the backend (a Pyroscope-style server on 127.0.0.1 started here); no local files.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../export/helpers/server.js';
import { readPprof, summary } from '../export/helpers/pprof.js';
import { ingestAsPyroscope } from '../export/helpers/pyroscope-ingest.js';
import { ensureBuilt, REGISTER, ROOT, runChild, scratch } from './helpers.js';

ensureBuilt();

t.test('register + WASMPROF_EXPORTER=pyroscope delivers every period, the last one too', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const { dir, cleanup } = scratch('wasmprof-export-');
  t.teardown(cleanup);
  const r = await runChild(process.execPath, ['--import', REGISTER, join(ROOT, 'examples/busy.js')], {
    cwd: dir,
    env: {
      BUSY_MS: '1500', WASMPROF_EXPORTER: 'pyroscope', WASMPROF_SERVER_URL: server.url, WASMPROF_APP_NAME: 'busy-example',
      WASMPROF_PROFILES: 'wall,cpu', WASMPROF_PERIOD: '1s', WASMPROF_TAGS: 'region=test',
    },
    timeoutMs: 60_000,
  });
  t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr.trim()})`);
  t.ok(server.requests.length >= 2, `${server.requests.length} uploads (periods x profile types)`);
  const names = new Set<string>();
  const series = new Set<string>();
  let hot = 0;
  for (const req of server.requests) {
    t.equal(req.url.pathname, '/ingest');
    t.match(req.url.searchParams.get('name') ?? '', /^busy-example\{.*region=test/);
    // Read as the Pyroscope server reads it (raw pprof with format=pprof); throws on anything else.
    const ingested = ingestAsPyroscope(req);
    for (const st of ingested.series) series.add(st);
    const s = summary(readPprof(ingested.pprof));
    for (const st of s.sampleTypes) names.add(st);
    if (s.functions.includes('renderThumbnails')) hot++;
  }
  t.ok(names.has('wall/nanoseconds') && names.has('cpu/nanoseconds'), `sample types ${[...names].join(',')}`);
  t.same([...series].sort(), [
    'process_cpu:cpu:nanoseconds:cpu:nanoseconds', 'process_cpu:samples:count:cpu:nanoseconds',
    'wall:samples:count:wall:nanoseconds', 'wall:wall:nanoseconds:wall:nanoseconds',
  ], 'the series @pyroscope/nodejs names its wall profile (and pyroscope-go its CPU profile)');
  t.ok(hot > 0, 'the hot function is in the uploaded profiles');
  t.notOk(existsSync(join(dir, 'wasmprof-profiles')), 'no local files when exporting');
});

t.test('a bad exporter setting: one error line, the program runs unprofiled', async (t) => {
  const r = await runChild(process.execPath, ['--import', REGISTER, '-e', 'console.log("ran")'], {
    env: { WASMPROF_EXPORTER: 'carrier-pigeon' },
  });
  t.equal(r.code, 0);
  t.match(r.stdout, /ran/);
  t.match(r.stderr, /WASMPROF_EXPORTER/);
  t.match(r.stderr, /profiling is off/);
});
