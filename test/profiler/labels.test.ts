// Labels: samples taken inside runWithLabels carry its labels — also after `await`, also when two
// labelled tasks interleave on the event loop, also in timer and I/O callbacks and with other
// AsyncLocalStorage contexts inside — and samples outside do not. Each scenario runs with both
// stack sources: node:inspector (async-hook timeline) and the native bridge (labels read at
// sample time where Node keeps AsyncLocalStorage in AsyncContextFrame: 24+). Plus the timeline's
// carry-over between periods and its overflow bound.
import t from 'tap';
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFile } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { start } from '../../sdk/index.js';
import { LabelContext, TimelineCursor } from '../../sdk/sources/labels.js';
import { burnHeavy, burnLight } from './fixtures/burn.mjs';
import { decode, total, type DecodedSample } from './helpers.js';

const labelled = (key: string, value: string) => (s: DecodedSample) => s.labels[key] === value;
const unlabelled = (s: DecodedSample) => Object.keys(s.labels).length === 0;

const major = Number(process.versions.node.split('.')[0]);
const SOURCES = ['inspector', 'native'] as const;
/** The label source each stack source must end up with on this Node. */
const expectedLabelSource = (source: typeof SOURCES[number]) => (source === 'native' && major >= 24 ? 'sample-time' : 'async-hooks');

for (const source of SOURCES) {
t.test(`${source}: runWithLabels: sync, across await, nested, and not outside`, async (t) => {
  const profiler = await start({ profiles: ['wall'], interval: '1ms', source, env: {} });
  burnHeavy(150); // outside
  const value = await profiler.runWithLabels({ phase: 'inside' }, async () => {
    t.same(profiler.currentLabels(), { phase: 'inside' });
    burnHeavy(150);
    await sleep(20);
    burnLight(150); // after an await: still labelled
    await Promise.resolve();
    profiler.runWithLabels({ step: 'nested' }, () => {
      t.same(profiler.currentLabels(), { phase: 'inside', step: 'nested' });
      burnLight(100);
    });
    return 42;
  });
  t.equal(value, 42, 'returns what fn returns');
  t.equal(profiler.currentLabels(), undefined, 'nothing active outside');
  burnLight(100); // outside again
  const r = await profiler.stop();
  const wall = decode(r.wall!);
  const heavyIn = total(wall, 'burnHeavy', 1, 'flat', labelled('phase', 'inside'));
  const heavyOut = total(wall, 'burnHeavy', 1, 'flat', unlabelled);
  t.ok(heavyIn > 100e6 && heavyOut > 100e6, `burnHeavy: ${(heavyIn / 1e6).toFixed(0)} ms labelled, ${(heavyOut / 1e6).toFixed(0)} ms not`);
  const lightIn = total(wall, 'burnLight', 1, 'flat', (s) => s.labels.phase === 'inside' && s.labels.step === undefined);
  t.ok(lightIn > 120e6, `burnLight after await is labelled (${(lightIn / 1e6).toFixed(0)} ms of 150)`);
  const nested = total(wall, 'burnLight', 1, 'flat', (s) => s.labels.phase === 'inside' && s.labels.step === 'nested');
  t.ok(nested > 70e6, `nested labels are merged (${(nested / 1e6).toFixed(0)} ms of 100)`);
  const lightOut = total(wall, 'burnLight', 1, 'flat', unlabelled);
  t.ok(lightOut > 70e6, `burnLight outside is not labelled (${(lightOut / 1e6).toFixed(0)} ms of 100)`);
  const misplaced = total(wall, 'burnHeavy', 1, 'flat', (s) => s.labels.step === 'nested');
  t.equal(misplaced, 0, 'no burnHeavy sample carries the nested label');
  t.ok(r.stats.labelledSamples > 50 && r.stats.labelTransitions >= 4, `${r.stats.labelledSamples} labelled samples, ${r.stats.labelTransitions} transitions`);
  t.equal(r.stats.labelSource, expectedLabelSource(source), `labels ${r.stats.labelSource}${profiler.labelSource.reason ? ` (${profiler.labelSource.reason})` : ''}`);
  t.equal(r.stats.labelUnreadable, 0, 'every sample-time lookup could read its context');
});

t.test(`${source}: labels follow timers, I/O callbacks and other AsyncLocalStorage contexts`, async (t) => {
  const profiler = await start({ profiles: ['wall'], interval: '1ms', source, env: {} });
  const other = new AsyncLocalStorage<{ span: number }>();
  async function inTimer(): Promise<void> { await new Promise<void>((ok) => setTimeout(() => { burnHeavy(80); ok(); }, 5)); }
  async function inIo(): Promise<void> { await new Promise<void>((ok) => readFile(import.meta.filename ?? process.argv[1], () => { burnHeavy(80); ok(); })); }
  async function inOther(): Promise<void> { await other.run({ span: 1 }, async () => { await sleep(5); burnHeavy(80); }); }
  await profiler.runWithLabels({ via: 'timer' }, inTimer);
  await profiler.runWithLabels({ via: 'io' }, inIo);
  await profiler.runWithLabels({ via: 'other-als' }, inOther);
  burnHeavy(60); // outside
  const wall = decode((await profiler.stop()).wall!);
  for (const via of ['timer', 'io', 'other-als']) {
    const labelledMs = total(wall, 'burnHeavy', 1, 'flat', labelled('via', via)) / 1e6;
    t.ok(labelledMs > 60, `burnHeavy in ${via}: ${labelledMs.toFixed(0)} ms of 80 labelled via=${via}`);
  }
  const outside = total(wall, 'burnHeavy', 1, 'flat', unlabelled) / 1e6;
  t.ok(outside > 45, `burnHeavy outside: ${outside.toFixed(0)} ms of 60 unlabelled`);
});

t.test(`${source}: two labelled tasks interleaving on the event loop keep their own labels`, async (t) => {
  const profiler = await start({ profiles: ['wall'], interval: '1ms', source, env: {} });
  // Two distinct functions, so that attribution can be checked on the task frame itself (V8 may
  // inline the burn function into it, and then only the task frame is on the stack).
  async function taskHeavy(): Promise<void> {
    for (let i = 0; i < 60; i++) { burnHeavy(4); await new Promise((ok) => setImmediate(ok)); }
  }
  async function taskLight(): Promise<void> {
    for (let i = 0; i < 60; i++) { burnLight(4); await new Promise((ok) => setImmediate(ok)); }
  }
  await Promise.all([profiler.runWithLabels({ task: 'A' }, taskHeavy), profiler.runWithLabels({ task: 'B' }, taskLight)]);
  const wall = decode((await profiler.stop()).wall!);
  const heavyA = total(wall, 'taskHeavy', 1, 'cum', labelled('task', 'A'));
  const heavyAll = total(wall, 'taskHeavy', 1, 'cum');
  const lightB = total(wall, 'taskLight', 1, 'cum', labelled('task', 'B'));
  const lightAll = total(wall, 'taskLight', 1, 'cum');
  t.ok(heavyAll > 150e6 && lightAll > 150e6, `both tasks ran (${(heavyAll / 1e6).toFixed(0)} and ${(lightAll / 1e6).toFixed(0)} ms)`);
  t.ok(heavyA / heavyAll > 0.97, `taskHeavy samples labelled task=A: ${(heavyA / heavyAll * 100).toFixed(1)}%`);
  t.ok(lightB / lightAll > 0.97, `taskLight samples labelled task=B: ${(lightB / lightAll * 100).toFixed(1)}%`);
});
}

t.test('bad labels are rejected', async (t) => {
  const profiler = await start({ profiles: ['wall'], source: 'inspector', env: {} });
  t.throws(() => profiler.runWithLabels(null as never, () => 1), /object of string labels/);
  t.throws(() => profiler.runWithLabels({ a: {} as never }, () => 1), /label "a" must be a string/);
  t.throws(() => profiler.runWithLabels({ '': 'x' }, () => 1), /must not be empty/);
  t.throws(() => profiler.runWithLabels({ a: 'x' }, 5 as never), /fn must be a function/);
  t.equal(profiler.runWithLabels({ n: 5 as never }, () => profiler.currentLabels()?.n), '5', 'numbers become strings');
  t.throws(() => profiler.runWithLabels({ a: 'x' }, () => { throw new Error('boom'); }), /boom/, 'errors pass through');
  t.equal(profiler.currentLabels(), undefined, 'and the context is restored');
  await profiler.stop();
});

t.test('timeline: carry-over into the next period, overflow bound', async (t) => {
  const ctx = new LabelContext({ clockOffset: 0, maxTransitions: 8 });
  ctx.run({ a: '1' }, () => undefined);
  const before = ctx.now();
  ctx.run({ b: '2' }, () => {
    const tl = ctx.take(before);
    t.equal(tl.count, 4, 'initial entry + 3 transitions (into a, out of a, into b)');
    const cur = new TimelineCursor(tl);
    t.equal(cur.at(-1e18), undefined);
    t.same(cur.at(ctx.now())?.labels, { b: '2' });
  });
  // The next timeline starts from the state before `before` and carries the transitions after it.
  const next = ctx.take(Infinity);
  t.same(next.sets[0], undefined, 'state before the cut: no labels');
  t.same(next.sets.slice(1, next.count).map((s) => s?.labels), [{ b: '2' }, undefined], 'transitions after the cut are carried over');
  for (let i = 0; i < 20; i++) ctx.run({ i: String(i) }, () => undefined);
  const full = ctx.take(Infinity);
  t.equal(full.count, 8, 'bounded');
  t.ok(full.dropped > 0, `${full.dropped} transitions dropped and counted`);
  t.ok(Number.isFinite(full.unknownFrom), 'samples after the overflow are marked unknown');
  t.equal(new TimelineCursor(full).at(full.unknownFrom + 1), null);
  t.equal(ctx.take(Infinity).dropped, 0, 'a new period starts clean');
  ctx.disable();
});
