// The push exporters are runtime-neutral: run them under Deno (its own fetch, no node:http) against
// a test server here, when the Deno binary from the npm package `deno` is available (test/deno
// installs it into node_modules/.cache; this test does not install anything).
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMultipart } from './helpers/multipart.js';
import { startServer } from './helpers/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
function denoBin(): string | undefined {
  const cached = join(root, 'node_modules/.cache/wasmprof/deno/node_modules/deno/bin.cjs');
  if (existsSync(cached)) return cached;
  try { return join(dirname(createRequire(import.meta.url).resolve('deno/package.json')), 'bin.cjs'); } catch { return undefined; }
}
const deno = denoBin();

t.test('Pyroscope and Datadog exporters under Deno', { skip: deno ? false : 'the deno npm package is not installed (test/deno/run.mjs installs it)' }, async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const p = spawn(process.execPath, [deno!, 'run', '--unstable-sloppy-imports', '--allow-net', '--allow-read', '--allow-env', '--allow-sys', 'test/export/helpers/deno-push.ts', server.url],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let text = '';
    p.stdout.on('data', (d) => { text += d; });
    p.stderr.on('data', (d) => { text += d; });
    p.on('close', (code) => resolve({ code, text }));
  });
  t.equal(out.code, 0, out.text);
  const line = out.text.split('\n').find((l) => l.startsWith('{'));
  t.same(JSON.parse(line ?? '{}'), { pyroscope: 1, datadog: 1, errors: [] }, out.text);
  const py = server.requests.find((r) => r.url.pathname === '/ingest');
  const dd = server.requests.find((r) => r.url.pathname === '/profiling/v1/input');
  t.equal(py?.url.searchParams.get('name'), 'deno-app{runtime_test=deno}');
  t.equal(py?.headers.authorization, 'Bearer tok');
  t.equal(py?.url.searchParams.get('format'), 'pprof', 'Pyroscope: the raw pprof body, as the Node SDK sends it');
  t.same([...py!.body], [0x1f, 0x8b, 8, 0, 1, 2, 3, 4], 'the body is the profile bytes as given');
  const parts = parseMultipart(dd!.body, dd!.headers['content-type']);
  t.same(parts.map((p) => p.name), ['event', 'wall.pprof']);
  const event = JSON.parse(parts[0].data.toString()) as { tags_profiler: string };
  t.match(event.tags_profiler, /runtime:deno/);
});
