// worker_threads: start() inside a worker profiles that worker's isolate (its own inspector
// session or native source, its own core); the main thread's profile, taken at the same time,
// shows only main-thread JavaScript.
import t from 'tap';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { start } from '../../sdk/index.js';
import { loadNativeBridge } from '../../sdk/sources/select.js';
import { burnHeavy } from './fixtures/burn.mjs';
import { decode, ensureBuilt, FIXTURES, ROOT, total } from './helpers.js';

ensureBuilt();
const native = await loadNativeBridge();

function workerCode(source: string): string {
  return `
    const { parentPort } = require('node:worker_threads');
    (async () => {
      const { start } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/sdk/index.js')).href)});
      const { burnLight } = await import(${JSON.stringify(pathToFileURL(join(FIXTURES, 'burn.mjs')).href)});
      const profiler = await start({ profiles: ['wall', 'cpu'], interval: '2ms', source: ${JSON.stringify(source)}, env: {} });
      burnLight(500);
      const r = await profiler.stop();
      parentPort.postMessage({ wall: r.wall, cpu: r.cpu, threadId: r.threadId, source: r.source, cpuScope: r.stats.cpuScope });
    })().catch((err) => parentPort.postMessage({ error: String(err && err.stack || err) }));`;
}

for (const source of ['inspector', 'native'] as const) {
  t.test(`${source}: a worker profiles itself while the main thread profiles itself`, async (t) => {
    if (source === 'native' && 'error' in native) return t.skip(`native bridge unavailable: ${native.error}`);
    const main = await start({ profiles: ['wall'], interval: '2ms', source, env: {} });
    const worker = new Worker(workerCode(source), { eval: true });
    const reply = new Promise<Record<string, unknown>>((ok, fail) => { worker.once('message', ok); worker.once('error', fail); });
    burnHeavy(400);
    const msg = await reply;
    await worker.terminate();
    const mainWall = decode((await main.stop()).wall!);
    t.notOk(msg.error, String(msg.error ?? ''));
    t.equal(msg.source, source);
    t.ok((msg.threadId as number) > 0, 'the worker\'s thread id is reported');
    const workerWall = decode(msg.wall as Uint8Array);
    t.ok(total(workerWall, 'burnLight', 1) > 300e6, `the worker sees its own work (${(total(workerWall, 'burnLight', 1) / 1e6).toFixed(0)} ms)`);
    t.equal(total(workerWall, 'burnHeavy', 1), 0, 'and not the main thread\'s');
    const leaves = [...new Set(mainWall.samples.map((s) => s.stack[0].name))].slice(0, 12).join(', ');
    t.ok(total(mainWall, 'burnHeavy', 1) > 250e6, `the main thread sees its own work (${(total(mainWall, 'burnHeavy', 1) / 1e6).toFixed(0)} ms; leaves: ${leaves})`);
    t.equal(total(mainWall, 'burnLight', 1), 0, 'and not the worker\'s');
    const workerCpu = decode(msg.cpu as Uint8Array);
    t.ok(total(workerCpu, 'burnLight', 1) > 200e6, `the worker's CPU time is its own thread's (scope ${String(msg.cpuScope)})`);
  });
}
