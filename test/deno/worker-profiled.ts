// A node:worker_threads worker that profiles itself; used by test/deno/profiler.deno.ts.
import { parentPort } from 'node:worker_threads';
import { start } from '../../sdk/index.ts';

function workerHotLoop(ms: number): number {
  const end = performance.now() + ms;
  let acc = 0;
  while (performance.now() < end) for (let i = 0; i < 20000; i++) acc = (acc * 31 + i) % 1000003;
  return acc;
}

try {
  const profiler = await start({ profiles: ['wall'], interval: 2, env: {} });
  workerHotLoop(300);
  const last = await profiler.stop();
  parentPort!.postMessage({ source: last.source, threadId: last.threadId, wall: last.wall });
} catch (err) {
  parentPort!.postMessage({ error: String(err) });
}
