// What counting allocations costs (heapAllocations: V8's sampler keeping the samples of collected
// objects), in one process, both sides interleaved:
//   1. an allocation-heavy loop (objects that escape into a bounded array, so TurboFan keeps
//      them) under the heap source without and with allocations, at the default 512 KiB interval
//      unless BENCH_HEAP_INTERVAL says otherwise; the ratio is the median over rounds of with /
//      without of the same round (order alternates);
//   2. the period's read (profile(): V8 builds its profile, the bridge flattens it, JS counts live
//      and allocated per node) and a restart of V8's sampler, with the kept samples near the cap
//      (COLLECTED_SAMPLE_CAP), reached quickly at a 1 KiB interval;
//   3. the memory those kept samples hold (RSS growth over the same loop, per kept sample).
// Needs the native bridge on Node 26 or later; elsewhere it says why and exits.
//
//   node --expose-gc --import ./test/helpers/ts-loader.mjs bench/alloc-flags.ts
//   BENCH_ROUNDS=9 BENCH_ITER=3000000 BENCH_HEAP_INTERVAL=65536 ...
import { loadV8Bridge } from '../sdk/sources/v8-bridge.js';
import { COLLECTED_SAMPLE_CAP } from '../sdk/sources/heap-allocations.js';
import type { HeapSource } from '../sdk/sources/types.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS) || 7;
const ITER = Number(process.env.BENCH_ITER) || 2_000_000;
const INTERVAL = Number(process.env.BENCH_HEAP_INTERVAL) || 524_288;
const gcFn = (globalThis as { gc?: () => void }).gc;
if (!gcFn) throw new Error('run with --expose-gc');
const gc: () => void = gcFn;

const bridge = loadV8Bridge();
if ('error' in bridge) { console.log(`native bridge unavailable: ${bridge.error}`); process.exit(0); }
const why = bridge.heap().allocationsUnavailable;
if (why !== undefined) { console.log(`allocation profiles unavailable on ${process.version}: ${why}`); process.exit(0); }

let sink: Array<{ i: number; pair: number[] }> = [];
function churn(n: number): number {
  let kept = 0;
  for (let i = 0; i < n; i++) {
    sink.push({ i, pair: [i, i + 1] });
    if (sink.length >= 4096) { kept += sink.length; sink = []; }
  }
  return kept;
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

async function round(allocations: boolean, interval: number, iter: number): Promise<{ loopMs: number; readMs: number; samples: number; rssMiB: number }> {
  const heap: HeapSource = bridge.heap();
  gc();
  const rss0 = process.memoryUsage().rss;
  await heap.start(interval, 128, { allocations });
  const t0 = performance.now();
  churn(iter);
  const loopMs = performance.now() - t0;
  gc();
  const rss1 = process.memoryUsage().rss;
  const t1 = performance.now();
  const p = heap.sync!.profile();
  const readMs = performance.now() - t1;
  await heap.stop();
  return { loopMs, readMs, samples: p.samples?.length ?? 0, rssMiB: (rss1 - rss0) / 2 ** 20 };
}

churn(ITER); // JIT warm-up
const ratios: number[] = [], off: number[] = [], on: number[] = [], readOff: number[] = [], readOn: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? [false, true] : [true, false];
  const res: Record<string, Awaited<ReturnType<typeof round>>> = {};
  for (const a of order) res[String(a)] = await round(a, INTERVAL, ITER);
  off.push(res.false.loopMs); on.push(res.true.loopMs);
  readOff.push(res.false.readMs); readOn.push(res.true.readMs);
  ratios.push(res.true.loopMs / res.false.loopMs);
  process.stderr.write(`round ${r + 1}/${ROUNDS}: without ${res.false.loopMs.toFixed(0)} ms, with ${res.true.loopMs.toFixed(0)} ms (${(res.true.loopMs / res.false.loopMs).toFixed(3)})\n`);
}
console.log(`${process.version}, interval ${INTERVAL} B, ${ITER} iterations x ${ROUNDS} rounds`);
console.log(`loop: without ${median(off).toFixed(0)} ms, with allocations ${median(on).toFixed(0)} ms; ratio (median of rounds) ${median(ratios).toFixed(3)}`);
console.log(`period read: without ${median(readOff).toFixed(2)} ms, with ${median(readOn).toFixed(2)} ms`);

// Near the cap: the memory the kept samples hold (RSS growth with minus without, same churn), and
// how long a period's read and a restart stall with that many.
async function capRound(allocations: boolean): Promise<{ rssBytes: number; collected: number; readMs: number; restarted: boolean; nextMs: number }> {
  const heap = bridge.heap();
  gc();
  const rss0 = process.memoryUsage().rss;
  await heap.start(1024, 128, { allocations });
  churn(CAP_ITER);
  gc();
  const rss1 = process.memoryUsage().rss;
  const t0 = performance.now();
  const p = heap.sync!.profile(); // with allocations and over the cap: this read restarts the sampler
  const readMs = performance.now() - t0;
  const t1 = performance.now();
  heap.sync!.profile();
  const nextMs = performance.now() - t1;
  await heap.stop();
  return { rssBytes: rss1 - rss0, collected: p.collectedSamples ?? 0, readMs, restarted: p.notes?.some((n) => n.includes('restarted')) ?? false, nextMs };
}
// ~100 bytes per iteration (measured): enough at a 1 KiB interval to pass the cap by about a fifth.
const CAP_ITER = Math.ceil(COLLECTED_SAMPLE_CAP * 1.2 * 1024 / 100);
const without = await capRound(false);
const withA = await capRound(true);
const perSample = (withA.rssBytes - without.rssBytes) / withA.collected;
console.log(`cap ${COLLECTED_SAMPLE_CAP}: ${withA.collected} kept samples of collected objects (1 KiB interval) hold ${((withA.rssBytes - without.rssBytes) / 2 ** 20).toFixed(1)} MiB of RSS (${perSample.toFixed(0)} B each; with minus without)`);
console.log(`period read with them: ${withA.readMs.toFixed(1)} ms including the restart (${withA.restarted ? 'restarted' : 'NOT restarted'}); without allocations ${without.readMs.toFixed(1)} ms; the read after the restart ${withA.nextMs.toFixed(2)} ms`);
