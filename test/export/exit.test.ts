// Uploads never keep a process alive: a process whose only remaining work is an upload to a
// server that never answers exits at once with the node:http transport (its socket is unref'd;
// backoff and timeout timers are unref'd). With fetch the in-flight socket is held by undici
// until the request timeout, so such a process lingers at most timeoutMs.
import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSilentServer } from './helpers/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const child = fileURLToPath(new URL('./helpers/exit-child.ts', import.meta.url));

function run(url: string, transport: string, timeoutMs: number): Promise<{ code: number | null; lingerMs: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', './test/helpers/ts-loader.mjs', child, url, transport, String(timeoutMs)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let exportedAt = 0;
    p.stdout.on('data', (d: Buffer) => {
      out += d;
      const m = /exported (\d+)/.exec(out);
      if (m && !exportedAt) exportedAt = Date.now();
    });
    p.stderr.on('data', (d: Buffer) => { out += d; });
    p.on('close', (code) => resolve({ code, lingerMs: exportedAt ? Date.now() - exportedAt : -1, out }));
  });
}

t.test('an upload in flight does not hold the process open', async (t) => {
  const server = await startSilentServer();
  t.teardown(() => server.close());
  const node = await run(server.url, 'node', 20_000);
  t.equal(node.code, 0, node.out);
  t.ok(node.lingerMs >= 0 && node.lingerMs < 1500, `node:http transport: exited ${node.lingerMs} ms after export() (request timeout 20 s)`);
  const fetchRun = await run(server.url, 'fetch', 2000);
  t.equal(fetchRun.code, 0, fetchRun.out);
  t.ok(fetchRun.lingerMs < 2000 + 1500, `fetch transport: exited ${fetchRun.lingerMs} ms after export() (bounded by the 2 s request timeout)`);
  t.comment(`linger after export(): node:http ${node.lingerMs} ms, fetch ${fetchRun.lingerMs} ms`);
});
