// The addon is context-aware: it loads in worker_threads, where it profiles that worker's own
// isolate and thread (CPU samples, thread CPU time, heap), independently of the main thread's,
// and a worker terminated while profiling is cleaned up by the environment cleanup hook.
import t from 'tap';
import { Worker } from 'node:worker_threads';
import { bridgeOrThrow, fixtureLine, selfSamples } from './fixtures/profile-helpers.js';

const WORKER = new URL('./fixtures/worker-profile.ts', import.meta.url);

function message<T>(w: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`worker exited (${code}) before reporting`)));
  });
}

interface Summary {
  problems: string[];
  hotA: number;
  hotB: number;
  samples: number;
  hotALine: number;
  threadCpuMicros: number;
  wallMicros: number;
  retained: number;
}

t.test('profiles a worker thread while the main thread profiles itself', async (t) => {
  const bridge = bridgeOrThrow();
  const main = bridge.cpu();
  await main.start(1000);
  const cpu0 = bridge.threadCpuMicros();
  const w = new Worker(WORKER);
  const s = await message<Summary>(w);
  await w.terminate();
  const mainCpu = bridge.threadCpuMicros() - cpu0;
  const mainProfile = await main.stop();

  t.same(s.problems, [], 'worker periods have the DevTools shape');
  const ratio = s.hotA / Math.max(1, s.hotB);
  t.comment(`worker: ${s.samples} samples, hotA ${s.hotA} hotB ${s.hotB} (ratio ${ratio.toFixed(2)}); thread CPU ${(s.threadCpuMicros / 1000).toFixed(0)} ms of ${(s.wallMicros / 1000).toFixed(0)} ms; retained ${(s.retained / 2 ** 20).toFixed(1)} MiB of 8`);
  t.ok(ratio > 1.4 && ratio < 2.6, 'hotA:hotB ≈ 2 in the worker');
  t.equal(s.hotALine, fixtureLine('hotA'), 'line numbers in the worker');
  t.ok(s.threadCpuMicros > 0.5 * s.wallMicros, "the worker's CPU time is the worker thread's (busy)");
  t.ok(s.retained > 8 * 2 ** 20 * 0.7 && s.retained < 8 * 2 ** 20 * 1.3, 'heap profile in the worker');

  const mainSelf = selfSamples(mainProfile);
  t.equal(mainSelf.get('hotA') ?? 0, 0, "the main thread's profile has none of the worker's samples");
  t.comment(`main thread meanwhile: ${mainProfile.samples.length} samples, thread CPU ${(mainCpu / 1000).toFixed(0)} ms`);
  t.ok(mainCpu < s.threadCpuMicros / 2, "the main thread's CPU time does not include the worker's");
});

// Plain CommonJS against the raw addon, without the parent's loaders (execArgv: []), so that
// workers start in milliseconds; what is tested is the addon's per-environment teardown.
const ABANDON = `
  const { parentPort, workerData } = require('node:worker_threads');
  const addon = require(workerData.addon);
  const fx = require(workerData.burn);
  const retain = require(workerData.retain);
  addon.cpuStart(1000);
  addon.heapStart(512 * 1024, 32);
  fx.burn(50);
  addon.cpuRotate(); // leaves a profile pending deletion too
  retain.retainLots(4);
  parentPort.postMessage({ running: addon.cpuRunning() && addon.heapRunning() });
  setInterval(() => fx.burn(5), 10);
`;

t.test('workers terminated while profiling are cleaned up; others unaffected', async (t) => {
  const bridge = bridgeOrThrow();
  const main = bridge.cpu();
  await main.start(1000);
  const workerData = {
    addon: bridge.path,
    burn: new URL('./fixtures/burn.cjs', import.meta.url).pathname,
    retain: new URL('./fixtures/retain.cjs', import.meta.url).pathname,
  };
  for (let round = 0; round < 4; round++) {
    const workers = [0, 1].map(() => new Worker(ABANDON, { eval: true, execArgv: [], workerData }));
    const acks = await Promise.all(workers.map((w) => message<{ running: boolean }>(w)));
    t.same(acks, [{ running: true }, { running: true }], `round ${round}: both workers profiling`);
    const codes = await Promise.all(workers.map((w) => w.terminate()));
    t.same(codes, [1, 1], `round ${round}: terminated`);
  }
  const p = await main.rotate();
  t.ok(p.nodes.length > 0, 'main thread still profiling');
  await main.stop();
});
