// Labels read at sample time (native-bridge/v8/sample-labels.cc) where Node keeps AsyncLocalStorage
// in AsyncContextFrame (24+): right through garbage collections that move the frames (a
// labelled function that allocates hard), in a worker thread next to the main thread, with
// thousands of distinct label sets (tokens collected and their ids released), and from the
// first sample of a profile on, including samples V8 takes without a signal (deoptimizations).
// Elsewhere the profiler says why it uses the async-hook timeline.
import t from 'tap';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { start } from '../../sdk/index.js';
import { loadNativeBridge } from '../../sdk/sources/select.js';
import { burnHeavy } from '../profiler/fixtures/burn.mjs';
import { decode, ensureBuilt, FIXTURES, ROOT, total } from '../profiler/helpers.js';

ensureBuilt();
const native = await loadNativeBridge();
const major = Number(process.versions.node.split('.')[0]);

/** Allocates young objects that escape (so TurboFan keeps them) for `ms`: scavenges all along. */
function churn(ms: number): number {
  const end = performance.now() + ms;
  let kept: object[] = [];
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) kept.push({ i, s: `x${i}` });
    if (kept.length > 50_000) { n += kept.length; kept = []; }
  }
  return n + kept.length;
}

if ('error' in native) t.skip(`native bridge unavailable: ${native.error}`);
else if (major < 24) {
  t.test('before Node 24: the async-hook timeline, with the reason', async (t) => {
    const profiler = await start({ profiles: ['wall'], interval: '2ms', source: 'native', env: {} });
    profiler.runWithLabels({ a: '1' }, () => burnHeavy(20));
    await profiler.stop();
    t.equal(profiler.labelSource.kind, 'async-hooks');
    t.match(profiler.labelSource.reason, /AsyncLocalStorage|Node 22\+/);
  });
} else {
  t.test('labels stay right while garbage collections move the frames', async (t) => {
    const profiler = await start({ profiles: ['wall'], interval: '1ms', source: 'native', env: {} });
    await profiler.runWithLabels({ phase: 'churn' }, async () => {
      churn(150);
      await new Promise((ok) => setTimeout(ok, 5));
      churn(150);
    });
    churn(100); // outside
    const r = await profiler.stop();
    t.equal(r.stats.labelSource, 'sample-time');
    t.equal(r.stats.labelUnreadable, 0, 'every lookup could read its context');
    const wall = decode(r.wall!);
    // Wall time inside runWithLabels is 3/4 of the churn (300 of 400 ms), GC pauses included:
    // those samples keep the label of the sample before them.
    const onStack = (s: { stack: Array<{ name: string }> }) => s.stack.some((f) => f.name === 'churn' || f.name === '(garbage collector)');
    const inside = total(wall, 'churn', 1, 'cum', (s) => s.labels.phase === 'churn') + total(wall, '(garbage collector)', 1, 'flat', (s) => s.labels.phase === 'churn');
    const all = total(wall, 'churn', 1, 'cum') + total(wall, '(garbage collector)', 1, 'flat');
    const gcLabelled = total(wall, '(garbage collector)', 1, 'flat', (s) => s.labels.phase === 'churn');
    t.ok(wall.samples.some(onStack), 'churn and GC samples present');
    t.ok(inside / all > 0.6 && inside / all < 0.9, `churn + GC labelled: ${(inside / all * 100).toFixed(0)}% (wall share inside: 75%)`);
    t.ok(gcLabelled > 0, `GC samples inside the labelled phase carry its label (${(gcLabelled / 1e6).toFixed(0)} ms)`);
  });

  t.test('thousands of distinct label sets: each sample keeps its own, ids are released', async (t) => {
    const profiler = await start({ profiles: ['wall'], interval: '1ms', source: 'native', env: {} });
    for (let i = 0; i < 5000; i++) profiler.runWithLabels({ request: String(i) }, () => undefined);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      await profiler.runWithLabels({ request: `hot-${i}` }, async () => { burnHeavy(30); await Promise.resolve(); burnHeavy(20); });
    }
    const wall = decode((await profiler.stop()).wall!);
    for (const s of wall.samples) if (s.stack.some((f) => f.name === 'burnHeavy') && s.labels.request) seen.add(s.labels.request);
    const labelled = total(wall, 'burnHeavy', 1, 'flat', (s) => /^hot-\d$/.test(s.labels.request ?? ''));
    const all = total(wall, 'burnHeavy', 1, 'flat');
    t.ok(labelled / all > 0.95, `burnHeavy samples with their own hot-N label: ${(labelled / all * 100).toFixed(1)}%`);
    t.ok(seen.size >= 5, `${seen.size} of the 6 hot label sets seen on samples`);
  });

  t.test('a profiler started after another one stopped reads labels at sample time too', async (t) => {
    for (let round = 0; round < 3; round++) {
      const profiler = await start({ profiles: ['wall'], interval: '1ms', source: 'native', env: {} });
      profiler.runWithLabels({ round: String(round) }, () => burnHeavy(40));
      const wall = decode((await profiler.stop()).wall!);
      t.equal(profiler.labelSource.kind, 'sample-time', `profiler ${round + 1}: labels read at sample time ${profiler.labelSource.reason ?? ''}`);
      // Every burnHeavy sample lies inside runWithLabels, the first milliseconds too (where the
      // full GC at start makes V8 tier the loop up again, deoptimization samples included).
      const own = total(wall, 'burnHeavy', 1, 'flat', (s) => s.labels.round === String(round));
      const all = total(wall, 'burnHeavy', 1, 'flat');
      t.ok(all > 0, `profiler ${round + 1}: burnHeavy sampled`);
      t.equal(own, all, `profiler ${round + 1}: burnHeavy samples with its own label: ${(own / 1e6).toFixed(1)} of ${(all / 1e6).toFixed(1)} ms`);
    }
  });

  t.test('a sample V8 takes without a signal, before the first one with, carries its labels', async (t) => {
    // V8 records the stack on the thread itself when code deoptimizes; the bridge's handler never
    // sees those samples. Right after start() and runWithLabels no signal has come yet, so only
    // the enter noted by runWithLabels can label it (without it: unlabelled every time).
    setFlagsFromString('--allow-natives-syntax');
    for (let round = 0; round < 6; round++) {
      // Fresh source each round: a function that deoptimized once is compiled generic after.
      const fx = new Function(`// round ${round}
        function deoptMe(x) { return x + 1; }
        function prepare() { %PrepareFunctionForOptimization(deoptMe); deoptMe(1); deoptMe(2); %OptimizeFunctionOnNextCall(deoptMe); deoptMe(3); }
        return { deoptMe, prepare };`)() as { deoptMe(x: unknown): unknown; prepare(): void };
      const profiler = await start({ profiles: ['wall'], interval: '1ms', source: 'native', env: {} });
      fx.prepare();
      profiler.runWithLabels({ round: String(round) }, function underLabels() { return fx.deoptMe('a string deoptimizes it'); });
      const wall = decode((await profiler.stop()).wall!);
      t.equal(profiler.labelSource.kind, 'sample-time', `profiler ${round + 1}: labels read at sample time ${profiler.labelSource.reason ?? ''}`);
      // Only samples under runWithLabels: a signal can also land in deoptMe while prepare()
      // compiles it, outside any label context, and that sample is rightly unlabelled.
      const deopt = wall.samples.filter((s) => s.stack[0]?.name === 'deoptMe' && s.stack.some((f) => f.name === 'underLabels'));
      t.ok(deopt.length > 0, `profiler ${round + 1}: V8 sampled the deoptimization`);
      t.same(deopt.map((s) => s.labels.round), deopt.map(() => String(round)), `profiler ${round + 1}: the deoptimization sample carries the label`);
    }
  });

  t.test('a label set per request: sets whose tokens are collected are let go within the period', async (t) => {
    // Without the early drain, every set made in a period stays held until the period ends:
    // memory in proportion to requests (a span id per request), not to samples.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const profiler = await start({ profiles: ['wall'], interval: '1ms', source: 'native', env: {} });
    const REQUESTS = 20_000;
    for (let i = 0; i < REQUESTS; i++) {
      await profiler.runWithLabels({ span_id: `s${i}` }, async () => { await null; });
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    // The tokens die at the next full collection; FinalizationRegistry callbacks follow in tasks.
    for (let round = 0; round < 20; round++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    const held = profiler.upkeepStats.labelSets;
    t.equal(profiler.labelSource.kind, 'sample-time', `labels read at sample time ${profiler.labelSource.reason ?? ''}`);
    const wall = decode((await profiler.stop()).wall!);
    // At most: the token cache (4,096 of the newest sets), one drain batch (1,024), slack.
    t.ok(held < 6_000, `${held} of ${REQUESTS} label sets held before the period ends`);
    t.match(wall.comments.join('\n'), /wasmprof held: .* labelSets=\d+/, 'the profile says how many label sets were held');
  });

  t.test('a worker reads its own labels next to the main thread', async (t) => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      (async () => {
        const { start } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/sdk/index.js')).href)});
        const { burnLight } = await import(${JSON.stringify(pathToFileURL(join(FIXTURES, 'burn.mjs')).href)});
        const profiler = await start({ profiles: ['wall'], interval: '1ms', source: 'native', env: {} });
        await profiler.runWithLabels({ thread: 'worker' }, async () => { burnLight(150); await null; burnLight(150); });
        const r = await profiler.stop();
        parentPort.postMessage({ wall: r.wall, labelSource: r.stats.labelSource });
      })().catch((err) => parentPort.postMessage({ error: String(err && err.stack || err) }));`;
    const main = await start({ profiles: ['wall'], interval: '1ms', source: 'native', env: {} });
    const worker = new Worker(code, { eval: true });
    const reply = new Promise<Record<string, unknown>>((ok, fail) => { worker.once('message', ok); worker.once('error', fail); });
    await main.runWithLabels({ thread: 'main' }, async () => { burnHeavy(200); await null; burnHeavy(100); });
    const msg = await reply;
    await worker.terminate();
    const mainWall = decode((await main.stop()).wall!);
    t.notOk(msg.error, String(msg.error ?? ''));
    t.equal(msg.labelSource, 'sample-time');
    const workerWall = decode(msg.wall as Uint8Array);
    const w = total(workerWall, 'burnLight', 1, 'flat', (s) => s.labels.thread === 'worker') / total(workerWall, 'burnLight', 1, 'flat');
    const m = total(mainWall, 'burnHeavy', 1, 'flat', (s) => s.labels.thread === 'main') / total(mainWall, 'burnHeavy', 1, 'flat');
    t.ok(w > 0.95, `worker samples labelled thread=worker: ${(w * 100).toFixed(1)}%`);
    t.ok(m > 0.95, `main samples labelled thread=main: ${(m * 100).toFixed(1)}%`);
  });
}
