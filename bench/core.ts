// The core's hot paths against idiomatic plain JavaScript (bench/js-baselines.ts), both sides
// in one process, alternated over several rounds; prints medians and ratios (never trust one
// absolute time on these machines). Run: npm run bench:core   (WASMPROF_BENCH_SCALE=0.2 for a quick run)
import { Core, recycleCore, SNAPSHOT_CEILING_BYTES } from '../sdk/core.js';
import { JsFrameCache, JsSamples, JsLiveMap, type JsFrame } from './js-baselines.js';

const scale = Number(process.env.WASMPROF_BENCH_SCALE ?? '1');
const ROUNDS = 5;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc && process.env.WASMPROF_BENCH_DECODE_CHILD !== '1') console.warn('bench: run with --expose-gc for memory numbers (npm run bench:core does)');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(1)} ms`);
const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
const rows: string[][] = [];
const memRows: string[][] = [];
const targets: string[] = [];
/** A row with its target speed-up (core faster by at least `min`×), met or not. */
function report(op: string, coreMs: number, jsMs: number, min?: number): void {
  const r = jsMs / coreMs;
  rows.push([op, fmt(coreMs), fmt(jsMs), `${r.toFixed(2)}x`, min === undefined ? '' : `>= ${min}x ${r >= min ? 'met' : 'NOT met'}`]);
}
const under = (ms: number, limit: number) => `(target < ${limit} ms: ${ms < limit ? 'met' : 'NOT met'})`;
function heapUsed(): number { gc?.(); gc?.(); return process.memoryUsage().heapUsed; }

/** Runs the two sides alternately, fresh state each round; returns median ms of each. */
function duel(setupCore: () => () => void, setupJs: () => () => void): [number, number] {
  const c: number[] = [], j: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const [setup, out] of (r % 2 ? [[setupJs, j], [setupCore, c]] : [[setupCore, c], [setupJs, j]]) as Array<[() => () => void, number[]]>) {
      const fn = setup();
      const t0 = performance.now();
      fn();
      out.push(performance.now() - t0);
    }
  }
  return [median(c), median(j)];
}

// Child mode: one 1M-entry restore in a fresh process (the parent runs it with and without
// Liftoff, V8's baseline tier); prints the time of the very first restore call.
if (process.env.WASMPROF_BENCH_DECODE_CHILD === '1') {
  const m = (await Core.create()).module;
  const src = Core.instantiate(m, { frameCacheCapacity: 16384, maxMemoryBytes: 0, seed: 1 });
  const n = Math.round(1_000_000 * scale);
  const st: number[] = [];
  const f = src.internFrame({ name: 'alloc', file: 'a.js', mapping: '', line: 1, column: 1 });
  for (let i = 0; i < 1000; i++) st.push(src.internStack([src.internFrame({ name: `leaf_${i}`, file: `/srv/m${i % 50}.js`, mapping: '', line: i, column: 3 }), f]));
  // Entries through restore of a hand-made map would need the decoder: track them directly.
  for (let i = 0; i < n; i++) src.raw.liveAlloc(1 + (i & 3), (0x7f000000 + i * 48) >>> 0, 0x7f, 16 + (i * 7919) % 2048, st[(i * 31) % 1000], 1_700_000_000_000 + i);
  const bytes = src.encodeSnapshot(0).bytes;
  const fresh = Core.instantiate(m, { frameCacheCapacity: 16384, maxMemoryBytes: 0, seed: 1 });
  const t0 = performance.now();
  fresh.restoreSnapshot(bytes);
  console.log(JSON.stringify({ firstDecodeMs: performance.now() - t0 }));
  process.exit(0);
}

// V8 garbage collections, to say how much of a timed call was the collector (a restore grows
// wasm memory by tens of MiB, which V8 counts as external memory and may answer with a full
// collection of this process's heap: here the JS baselines' ~200 MiB of live objects).
const gcSpans: Array<[number, number]> = [];
const { PerformanceObserver } = await import('node:perf_hooks');
new PerformanceObserver((list) => { for (const e of list.getEntries()) gcSpans.push([e.startTime, e.startTime + e.duration]); }).observe({ entryTypes: ['gc'] });
/** Milliseconds of garbage collection inside [t0, t1] (call after a turn of the event loop). */
const gcWithin = (t0: number, t1: number) => gcSpans.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, t1) - Math.max(a, t0)), 0);
const tick = () => new Promise((r) => setTimeout(r, 0));
/** A collected heap before a timed call: a full collection, then a pause for the sweeping V8
 *  goes on doing in the background (of the round before's garbage, ~200 MiB of JS objects),
 *  which otherwise competes with whichever side runs next on this 2-core machine. */
const settle = async () => { gc?.(); await new Promise((r) => setTimeout(r, 150)); };

const module = (await Core.create()).module;
const newCore = () => Core.instantiate(module, { frameCacheCapacity: 16384, maxMemoryBytes: 0, seed: 1 });

// The first restore call in a fresh process, with V8's default tiers (Liftoff first) and
// without Liftoff, three children each. Run before this process builds its own state: its
// collector sweeping a few hundred MiB in the background during a child's run takes one of
// this machine's two cores from the child (measured: 173 ms then, 95 ms with this process idle).
const freshDecodeRows: string[] = [];
{
  const { execFileSync } = await import('node:child_process');
  for (const flags of [[], ['--no-liftoff']]) {
    const runs: number[] = [];
    for (let k = 0; k < 3; k++) {
      const out = execFileSync(process.execPath, [...flags, '--import', './test/helpers/ts-loader.mjs', new URL(import.meta.url).pathname],
        { env: { ...process.env, WASMPROF_BENCH_DECODE_CHILD: '1' }, encoding: 'utf8' });
      runs.push((JSON.parse(out.trim().split('\n').pop() ?? '{}') as { firstDecodeMs: number }).firstDecodeMs);
    }
    const worst = Math.max(...runs);
    freshDecodeRows.push(`snapshot decode, first call in a fresh process${flags.length ? ` (${flags.join(' ')})` : ' (default tiers)'}: median ${fmt(median(runs))}, worst of 3 ${fmt(worst)} ${under(worst, 100)}`);
  }
}

// --- 1. frame cache ---
// A profiler sees the same frames period after period: the steady state is lookups that hit.
// Misses (a new frame: strings encoded, interned, cached) are measured separately.
{
  const N = Math.round(2_000_000 * scale), W = 10_000, CAP = 16_384;
  const r = rng(1);
  const keys = Int32Array.from({ length: N }, () => (r() < 0.8 ? Math.floor(r() * 1000) : Math.floor(r() * W)));
  const frames: JsFrame[] = Array.from({ length: W }, (_, i) => ({ name: `function_${i % 5000}`, file: `/srv/app/module_${i % 300}.js`, line: i % 2000, column: i % 80 }));
  const coreFrames = frames.map((f) => ({ ...f, mapping: '' }));
  const warmCore = () => { const core = newCore(); for (let k = 0; k < W; k++) core.storeFrame(k, 0, coreFrames[k]); return core; };
  const warmJs = () => { const cache = new JsFrameCache(CAP); for (let k = 0; k < W; k++) cache.store(k, frames[k]); return cache; };
  let [c, j] = duel(
    () => { const core = warmCore(); return () => { for (let i = 0; i < N; i++) core.lookupFrame(keys[i], 0); }; },
    () => { const cache = warmJs(); return () => { for (let i = 0; i < N; i++) cache.lookup(keys[i]); }; },
  );
  report(`frame lookup, warm cache x${N}`, c, j, 4);
  const B = 4096;
  [c, j] = duel(
    () => {
      const core = warmCore();
      const batch = new Uint32Array(B * 2);
      return () => {
        for (let i0 = 0; i0 < N; i0 += B) {
          const n = Math.min(B, N - i0);
          for (let i = 0; i < n; i++) batch[i * 2] = keys[i0 + i];
          core.lookupFrames(n === B ? batch : batch.subarray(0, n * 2));
        }
      };
    },
    () => { const cache = warmJs(); return () => { for (let i = 0; i < N; i++) cache.lookup(keys[i]); }; },
  );
  report(`frame lookup, batched ${B}/call x${N}`, c, j);
  const M = Math.round(50_000 * scale);
  [c, j] = duel(
    () => { const core = newCore(); return () => { for (let k = 0; k < M; k++) core.storeFrame(k, 0, coreFrames[k % W]); }; },
    () => { const cache = new JsFrameCache(CAP); return () => { for (let k = 0; k < M; k++) cache.store(k, frames[k % W]); }; },
  );
  report(`frame store (miss: strings+frame+cache) x${M}`, c, j, 3);
  const core = warmCore();
  const before = heapUsed();
  const cache = warmJs();
  const jsBytes = heapUsed() - before;
  memRows.push([`frame cache, ${W} frames`, mib(core.stats().arenaBytes), mib(jsBytes), `${(jsBytes / core.stats().arenaBytes).toFixed(2)}x`, `(JS holds references to the caller's frame objects; the core copies the strings)`]);
  void cache;
}

// --- 2. sample aggregation ---
{
  const N = Math.round(2_000_000 * scale), STACKS = 5000;
  const r = rng(2);
  const picks = Int32Array.from({ length: N }, () => Math.floor(r() * STACKS));
  const labelPicks = Int32Array.from({ length: N }, () => Math.floor(r() * 8));
  const [c, j] = duel(
    () => {
      const core = newCore();
      const f = core.internFrame({ name: 'f', file: 'a.js', mapping: '', line: 1, column: 1 });
      const stacks = Array.from({ length: STACKS }, (_, i) => core.internStack(Array.from({ length: 1 + (i % 20) }, () => f).concat([core.internFrame({ name: `r${i}`, file: '', mapping: '', line: 0, column: 0 })])));
      const labels = Array.from({ length: 8 }, (_, i) => core.internLabels({ route: `/r${i}` }));
      return () => { for (let i = 0; i < N; i++) core.addSample(0, stacks[picks[i]], labels[labelPicks[i]], 1, 10_000_000); };
    },
    () => { const s = new JsSamples(); return () => { for (let i = 0; i < N; i++) s.add(picks[i] + 1, labelPicks[i], 1, 10_000_000, 0); }; },
  );
  report(`sample add x${N}`, c, j, 2);
  // Batched the way sdk/ingest/cpu.ts feeds it: per-sample columns (stack, labels, 1, wall ns,
  // cpu ns) handed over as they are, one addSamples call per slice of a profile.
  const B = 8192;
  const colStacks = new Int32Array(N), colLabels = new Int32Array(N), colOne = new Float64Array(N).fill(1);
  const colWall = Float64Array.from({ length: N }, (_, i) => 10_000_000 + (i % 7) * 1000), colCpu = Float64Array.from(colWall, (w) => w / 2);
  const [cb, jb] = duel(
    () => {
      const core = newCore();
      const f = core.internFrame({ name: 'f', file: 'a.js', mapping: '', line: 1, column: 1 });
      const stacks = Array.from({ length: STACKS }, (_, i) => core.internStack(Array.from({ length: 1 + (i % 20) }, () => f).concat([core.internFrame({ name: `r${i}`, file: '', mapping: '', line: 0, column: 0 })])));
      const labels = Array.from({ length: 8 }, (_, i) => core.internLabels({ route: `/r${i}` }));
      for (let i = 0; i < N; i++) { colStacks[i] = stacks[picks[i]]; colLabels[i] = labels[labelPicks[i]]; }
      return () => {
        for (let i0 = 0; i0 < N; i0 += B) {
          const i1 = Math.min(N, i0 + B);
          core.addSamples(0, colStacks.subarray(i0, i1), colLabels.subarray(i0, i1), colOne.subarray(i0, i1), colWall.subarray(i0, i1), colCpu.subarray(i0, i1));
        }
      };
    },
    () => { const s = new JsSamples(); return () => { for (let i = 0; i < N; i++) s.add(picks[i] + 1, labelPicks[i], 1, colWall[i], colCpu[i]); }; },
  );
  report(`sample add, batched columns (${B}/call) x${N}`, cb, jb, 2);
}

// --- 3. live map: track/untrack with ~200k live ---
{
  const N = Math.round(1_000_000 * scale), LIVE = Math.round(200_000 * scale);
  const r = rng(3);
  const sizes = Int32Array.from({ length: N }, () => 16 + Math.floor(r() * 4096));
  const stackPick = Int32Array.from({ length: N }, () => 1 + Math.floor(r() * 1000));
  let coreLive = 0, jsLive = 0;
  const [c, j] = duel(
    () => {
      const core = newCore();
      const f = core.internFrame({ name: 'alloc', file: 'a.js', mapping: '', line: 1, column: 1 });
      let h = 0; for (let i = 0; i < 1000; i++) h = core.pushStack(h, f);
      return () => {
        for (let i = 0; i < N; i++) {
          core.trackAlloc(1 + (i & 3), 0x10000 + i * 64, sizes[i], stackPick[i], i);
          if (i >= LIVE) core.trackFree(1 + ((i - LIVE) & 3), 0x10000 + (i - LIVE) * 64);
        }
        coreLive = core.stats().live.entries;
      };
    },
    () => {
      const m = new JsLiveMap();
      return () => {
        for (let i = 0; i < N; i++) {
          m.alloc(1 + (i & 3), 0x10000 + i * 64, sizes[i], stackPick[i], i);
          if (i >= LIVE) m.free(1 + ((i - LIVE) & 3), 0x10000 + (i - LIVE) * 64);
        }
        jsLive = m.size;
      };
    },
  );
  report(`track+untrack x${N} (${coreLive}/${jsLive} live)`, c, j, 2);
}

// --- 4. memory and snapshot of 1e6 live allocations ---
{
  const N = Math.round(1_000_000 * scale);
  const r = rng(4);
  const core = newCore();
  const f = core.internFrame({ name: 'alloc', file: 'a.js', mapping: '', line: 1, column: 1 });
  const stacks: number[] = [];
  for (let i = 0; i < 1000; i++) stacks.push(core.internStack([core.internFrame({ name: `leaf_${i}`, file: `/srv/m${i % 50}.js`, mapping: '', line: i, column: 3 }), f]));
  const js = new JsLiveMap();
  const beforeJs = heapUsed();
  const data: Array<[number, number, number, number, number]> = [];
  for (let i = 0; i < N; i++) data.push([1 + (i & 3), 0x7f0000000000 + i * 48, 16 + Math.floor(r() * 2048), Math.floor(r() * 1000), 1_700_000_000_000 + i]);
  const dataBytes = heapUsed() - beforeJs;
  const b2 = heapUsed();
  for (const [o, a, s, st, t] of data) js.alloc(o, a, s, st + 1, t);
  const jsBytes = heapUsed() - b2;
  const arena0 = core.stats().arenaBytes;
  for (const [o, a, s, st, t] of data) core.trackAlloc(o, a, s, stacks[st], t);
  // The input rows (a million small arrays) are the benchmark's own, not either side's state:
  // let them go, or every collection V8 runs during the timed calls below marks them too.
  data.length = 0;
  const coreBytes = core.stats().arenaBytes - arena0;
  const perEntry = coreBytes / N;
  memRows.push([`live map, ${N} allocations`, mib(coreBytes), mib(jsBytes), `${(jsBytes / coreBytes).toFixed(2)}x`,
    `${perEntry.toFixed(1)} B/entry (target <= 50 B and <= 0.5x JS: ${perEntry <= 50 && coreBytes <= 0.5 * jsBytes ? 'met' : 'NOT met'}; input array ${mib(dataBytes)} excluded)`]);
  // A spike: a second core takes the same allocations, frees them all, takes them again. The
  // live table reuses its chunks, so the second spike needs no memory beyond the first.
  {
    const spike = newCore();
    const sf = spike.internFrame({ name: 'alloc', file: 'a.js', mapping: '', line: 1, column: 1 });
    const sh = spike.internStack([sf]);
    const base = spike.stats().arenaBytes;
    for (let i = 0; i < N; i++) spike.raw.liveAlloc(1 + (i & 3), i * 48, 1, 64, sh, 0);
    const high = spike.stats().arenaBytes - base;
    for (let i = 0; i < N; i++) spike.raw.liveFree(1 + (i & 3), i * 48, 1);
    for (let i = 0; i < N; i++) spike.raw.liveAlloc(1 + (i & 3), i * 48 + 8, 1, 64, sh, 0);
    const again = spike.stats().arenaBytes - base;
    memRows.push([`  free all, then ${N} again`, mib(again), '', '', `first spike ${mib(high)} (target: within the high-water mark: ${again <= high * 1.01 ? 'met' : 'NOT met'})`]);
  }
  // A recycle (snapshot -> fresh instance -> restore) holds the restore's input and scratch regions too.
  const recycled = recycleCore(core, SNAPSHOT_CEILING_BYTES).core;
  memRows.push([`  same, after a recycle`, mib(recycled.stats().arenaBytes), mib(jsBytes), `${(jsBytes / recycled.stats().arenaBytes).toFixed(2)}x`, '(includes the restore\'s input copy and scratch)']);

  const names = (s: number) => [`leaf_${s - 1}`, 'alloc'];
  // V8 runs a wasm function in its baseline tier until it has used a budget, and switches the
  // next call (not the running one) to optimized code compiled in the background. A one-shot
  // restore of 1M entries would run entirely in the baseline tier: measure that first call
  // separately, then warm up both sides before the steady-state rounds.
  {
    const first = newCore();
    const snap = core.encodeSnapshot(0);
    // The spike and recycle cores above are garbage now (~100 MiB of wasm memory, external
    // memory to V8): collected first, as before every timed decode below.
    await settle();
    const t0 = performance.now();
    first.restoreSnapshot(snap.bytes);
    const t1 = performance.now();
    const ms = t1 - t0;
    await tick();
    targets.push(`snapshot decode, first call of this process (decoder not run before): ${fmt(ms)} ${under(ms, 100)} [V8 GC inside: ${fmt(gcWithin(t0, t1))}]`);
  }
  targets.push(...freshDecodeRows);
  for (let w = 0; w < 3; w++) {
    const small = newCore();
    const h = small.internStack([small.internFrame({ name: 'warm', file: 'w.js', mapping: '', line: 1, column: 1 })]);
    for (let i = 0; i < 50_000; i++) small.trackAlloc(1 + (i & 3), i * 64, 32, h, i);
    newCore().restoreSnapshot(small.encodeSnapshot(0).bytes);
    await new Promise((r) => setTimeout(r, 50));
  }
  const times = { coreEnc: [] as number[], coreDec: [] as number[], jsonEnc: [] as number[], jsonDec: [] as number[], packEnc: [] as number[], packDec: [] as number[] };
  let snapBytes = 0, jsonBytes = 0, packBytes = 0;
  const decWindows: Array<[number, number]> = [];
  for (let round = 0; round < 3; round++) {
    await settle();
    let t0 = performance.now();
    const snap = core.encodeSnapshot(0);
    times.coreEnc.push(performance.now() - t0);
    snapBytes = snap.bytes.length;
    const fresh = newCore();
    // Each side starts from a collected heap: the JS side's garbage of the round before would
    // otherwise be collected during whichever side runs next (wasm memory growth is external
    // memory and prompts V8 to collect).
    await settle();
    t0 = performance.now();
    fresh.restoreSnapshot(snap.bytes);
    times.coreDec.push(performance.now() - t0);
    decWindows.push([t0, performance.now()]);
    if (fresh.stats().live.entries !== N) throw new Error('restore lost entries');
    t0 = performance.now();
    const json = js.toJson(names);
    times.jsonEnc.push(performance.now() - t0);
    jsonBytes = json.length;
    await settle();
    t0 = performance.now();
    JsLiveMap.fromJson(json);
    times.jsonDec.push(performance.now() - t0);
    t0 = performance.now();
    const packed = js.toPacked();
    times.packEnc.push(performance.now() - t0);
    packBytes = packed.length;
    await settle();
    t0 = performance.now();
    JsLiveMap.fromPacked(packed);
    times.packDec.push(performance.now() - t0);
  }
  report(`snapshot encode, ${N} live (core ${mib(snapBytes)} vs JSON ${mib(jsonBytes)})`, median(times.coreEnc), median(times.jsonEnc));
  report(`snapshot decode, ${N} live (vs JSON)`, median(times.coreDec), median(times.jsonDec));
  report(`snapshot encode (vs hand-packed JS, ${mib(packBytes)})`, median(times.coreEnc), median(times.packEnc));
  report(`snapshot decode (vs hand-packed JS)`, median(times.coreDec), median(times.packDec));
  await tick();
  const decGc = decWindows.map(([a, b]) => gcWithin(a, b));
  targets.push(`snapshot of ${N} live allocations: encode ${fmt(median(times.coreEnc))} ${under(median(times.coreEnc), 100)}, decode ${fmt(median(times.coreDec))} ${under(median(times.coreDec), 100)}` +
    ` [V8 GC inside the decodes: ${decGc.map(fmt).join(', ')}; decode minus GC: ${fmt(median(times.coreDec.map((d, i) => d - decGc[i])))}]`);
}

// --- 5. reset time vs size ---
{
  const out: string[] = [];
  for (const n of [1_000, 100_000, 1_000_000]) {
    const core = newCore();
    const f = core.internFrame({ name: 'x', file: '', mapping: '', line: 0, column: 0 });
    const s = core.internStack([f]);
    const samples: number[] = [];
    let jsClear = 0;
    for (let r = 0; r < 3; r++) {
      for (let i = 0; i < n; i++) core.raw.liveAlloc(1, i * 16, 0, 16, s, 0);
      // The first reset after the fill, then 999 more (a reset never looks at what was there).
      const h0 = process.hrtime.bigint();
      for (let k = 0; k < 1000; k++) core.reset();
      samples.push(Number(process.hrtime.bigint() - h0) / 1e6 / 1000);
      const m = new Map<number, number>();
      for (let i = 0; i < n; i++) m.set(i * 16, i);
      const t1 = performance.now();
      m.clear();
      jsClear = performance.now() - t1;
    }
    out.push(`${n.toExponential(0)} entries: core reset ${fmt(median(samples))}, JS Map.clear ${fmt(jsClear)}`);
  }
  targets.push(`reset: ${out.join('; ')}`);
}




const pad = (cells: string[], w: number[]) => cells.map((c, i) => c.padEnd(w[i])).join('  ');
console.log(`\nwasmprof bench/core — Node ${process.version}, ${ROUNDS} alternating rounds, medians (scale ${scale})\n`);
const w = [62, 12, 12, 9, 16];
console.log(pad(['operation', 'core', 'plain JS', 'speedup', 'target'], w));
for (const r of rows) console.log(pad(r, w));
console.log(`\n${pad(['memory held', 'core', 'plain JS', 'JS/core'], [36, 12, 12, 9])}`);
for (const r of memRows) console.log(pad(r, [36, 12, 12, 9, 20]));
console.log('');
for (const t of targets) console.log(t);
