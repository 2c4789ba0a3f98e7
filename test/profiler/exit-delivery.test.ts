// The last period reaches the backend however the program ends: by itself, by process.exit(), or
// by SIGTERM — with the default 60 s period (so it is the only period), wall, cpu and heap, over
// both transports. process.exit() leaves no event loop, so that path uploads from a short-lived
// child process (sdk/export/upload-sync.ts) within the close timeout.
import t from 'tap';
import { join } from 'node:path';
import { startServer } from '../export/helpers/server.js';
import { readPprof, summary } from '../export/helpers/pprof.js';
import { ingestAsPyroscope } from '../export/helpers/pyroscope-ingest.js';
import { ensureBuilt, FIXTURES, REGISTER, runChild } from './helpers.js';

ensureBuilt();
const PROGRAM = join(FIXTURES, 'exit-paths.cjs');

for (const transport of ['node', 'fetch'] as const) {
  for (const how of ['end', 'exit', 'term'] as const) {
    t.test(`${how}, ${transport} transport: wall, cpu and heap of the last period arrive`, async (t) => {
      const server = await startServer();
      t.teardown(() => server.close());
      const started = Date.now();
      const r = await runChild(process.execPath, ['--import', REGISTER, PROGRAM, how], {
        env: {
          WASMPROF_EXPORTER: 'pyroscope', WASMPROF_SERVER_URL: server.url, WASMPROF_APP_NAME: 'exit-paths',
          WASMPROF_PROFILES: 'wall,cpu,heap', WASMPROF_TRANSPORT: transport,
        },
        timeoutMs: 30_000,
      });
      const tookMs = Date.now() - started;
      if (how === 'term') t.equal(r.signal, 'SIGTERM', `ended by SIGTERM as it would have without wasmprof (stderr: ${r.stderr.trim()})`);
      else t.equal(r.code, 0, `exit status 0 (stderr: ${r.stderr.trim()})`);
      const types = new Set<string>();
      const series = new Set<string>();
      let hot = false;
      for (const req of server.requests) {
        // As the Pyroscope server reads it: throws unless it is a pprof it would take.
        const ingested = ingestAsPyroscope(req);
        for (const st of ingested.series) series.add(st);
        const s = summary(readPprof(ingested.pprof));
        for (const st of s.sampleTypes) types.add(st);
        if (s.functions.includes('hotLoop')) hot = true;
      }
      t.ok(types.has('wall/nanoseconds') && types.has('cpu/nanoseconds') && types.has('inuse_space/bytes'),
        `${server.requests.length} uploads with ${[...types].join(', ')}`);
      t.ok(series.has('wall:wall:nanoseconds:wall:nanoseconds') && series.has('memory:inuse_space:bytes:inuse_space:bytes')
        && series.has('process_cpu:cpu:nanoseconds:cpu:nanoseconds'), `series ${[...series].join(', ')}`);
      t.ok(hot, 'the program\'s hot function is in them');
      t.ok(tookMs < 15_000, `the exit took ${tookMs} ms (never longer than the 5 s close timeout plus start-up)`);
    });
  }
}
