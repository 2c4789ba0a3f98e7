// String/frame/stack/label tables and per-period sample aggregation.
import { CoreError, CoreErrorCode } from '../../sdk/core.js';
import type { CoreCase } from './harness.js';
import { newCore, frame, stackOf, stackNames, rng } from './util.js';

export const cases: CoreCase[] = [
  {
    name: 'tables: staged single adds that run out of memory: the ones that fit are added, with exactly their values',
    run(t, ctx) {
      // Two values per add, so the stage hands over no v2/v3 columns; after the first sample that
      // finds no memory the rest of the batch is retried from the next one, whose cells exist.
      const c = newCore(ctx, { maxMemoryBytes: 4 * 1024 * 1024, frameCacheCapacity: 256 });
      const f = c.internFrame(frame('f'));
      const stacks: number[] = [];
      for (let h = 0, i = 0; i < 30_000; i++) stacks.push(h = c.pushStack(h, f));
      const hot = stacks[0];
      let hotAdds = 0, caught: unknown;
      try {
        for (let i = 1; i < stacks.length; i++) {
          c.addSample(0, stacks[i], 0, 1, 7);
          c.addSample(0, hot, 0, 1, 7);
          hotAdds++;
        }
        c.stats();
      } catch (err) {
        caught = err;
      }
      t.ok(caught instanceof CoreError && caught.code === CoreErrorCode.NoMemory, 'the flush reports out of memory');
      const rows = c.tables().samples(0);
      t.ok(rows.length > 1 && rows.length < stacks.length, `some cells made (${rows.length})`);
      t.ok(rows.every((r) => r.values[2] === 0 && r.values[3] === 0), 'no v2/v3 out of nowhere');
      const hotRow = rows.find((r) => r.stack === hot);
      t.deepEqual(hotRow?.values, [hotAdds, 7 * hotAdds, 0, 0], 'every add to an existing cell counted once');
      t.ok(rows.filter((r) => r.stack !== hot).every((r) => r.values[0] === 1 && r.values[1] === 7), 'each new cell added once');
    },
  },
  {
    name: 'tables: strings are interned as UTF-8 and read back unchanged',
    run(t, ctx) {
      const c = newCore(ctx);
      const texts = ['', 'plain', 'naïve – ünïcödé', '😀 emoji', 'x'.repeat(5000)];
      const ids = texts.map((s) => c.internString(s));
      t.deepEqual(texts.map((s) => c.internString(s)), ids, 'same text, same id');
      t.equal(new Set(ids).size, texts.length, 'different texts, different ids');
      const tb = c.tables();
      t.deepEqual(ids.map((i) => tb.string(i)), texts);
    },
  },
  {
    name: 'tables: frames are interned by content; stacks share prefixes; read back leaf first',
    run(t, ctx) {
      const c = newCore(ctx);
      const a = c.internFrame(frame('a', 1)), a2 = c.internFrame(frame('a', 1)), b = c.internFrame(frame('b', 2));
      t.equal(a, a2);
      t.notEqual(a, b);
      t.equal(c.internFrame({ name: 'a', file: 'app.js', mapping: '', line: 1, column: 9 }) === a, false, 'column is part of a frame');
      const s1 = stackOf(c, ['leaf', 'mid', 'root']);
      const s2 = stackOf(c, ['leaf', 'mid', 'root']);
      const s3 = stackOf(c, ['other', 'mid', 'root']);
      t.equal(s1, s2, 'same sequence, same handle');
      t.notEqual(s1, s3);
      t.deepEqual(stackNames(c, s1), ['leaf', 'mid', 'root']);
      const tb = c.tables();
      t.equal(tb.stackParent(s1), tb.stackParent(s3), 'shared prefix is one node');
      t.equal(c.stats().dictionary.stacks, 4, 'root, mid, leaf, other');
    },
  },
  {
    name: 'tables: label sets are canonical (key order does not matter)',
    run(t, ctx) {
      const c = newCore(ctx);
      const x = c.internLabels({ route: '/a', method: 'GET' });
      const y = c.internLabels({ method: 'GET', route: '/a' });
      const z = c.internLabels({ method: 'POST', route: '/a' });
      t.equal(x, y);
      t.notEqual(x, z);
      t.equal(c.internLabels({}), 0, 'no labels: handle 0');
      t.deepEqual(c.tables().labels(x), [['method', 'GET'], ['route', '/a']]);
    },
  },
  {
    name: 'samples: values add up per (kind, stack, label set); periodReset empties only the samples',
    run(t, ctx) {
      const c = newCore(ctx);
      const s = stackOf(c, ['f', 'main']);
      const l1 = c.internLabels({ k: '1' }), l2 = c.internLabels({ k: '2' });
      for (let i = 0; i < 10; i++) c.addSample(0, s, l1, 1, 10_000_000, 2 ** 40, -3);
      c.addSample(0, s, l2, 1, 5, 0, 0);
      c.addSample(1, s, l1, 7);
      const rows = c.tables().samples();
      t.equal(rows.length, 3);
      t.deepEqual(c.tables().samples(0).find((r) => r.labels === l1)?.values, [10, 100_000_000, 10 * 2 ** 40, -30]);
      t.deepEqual(c.tables().samples(1).map((r) => r.values[0]), [7]);
      c.periodReset();
      t.equal(c.tables().samples().length, 0, 'samples gone');
      t.deepEqual(stackNames(c, s), ['f', 'main'], 'dictionary kept');
      t.equal(c.internLabels({ k: '1' }), l1, 'label sets kept');
    },
  },
  {
    name: 'samples: bad handles and values are refused with a clear error, nothing added',
    run(t, ctx) {
      const c = newCore(ctx);
      const s = stackOf(c, ['f']);
      const e1 = t.throws(() => c.addSample(0, 999, 0, 1), /unknown handle 999/);
      t.ok(e1 instanceof CoreError && e1.code === CoreErrorCode.BadHandle);
      t.throws(() => c.addSample(0, 0, 0, 1), /unknown handle/, 'empty stack is not a sample');
      t.throws(() => c.addSample(0, s, 77, 1), /unknown handle/);
      t.throws(() => c.addSample(0, s, 0, 1.5), /invalid argument/);
      t.throws(() => c.addSample(0, s, 0, Number.NaN), /invalid argument/);
      t.throws(() => c.pushStack(12345, 0), /unknown handle 12345/);
      t.equal(c.tables().samples().length, 0);
    },
  },
  {
    name: 'samples: addSamples is all or nothing: an invalid record anywhere in a batch adds nothing and the error names it',
    run(t, ctx) {
      const c = newCore(ctx);
      const s = stackOf(c, ['f']), s2 = stackOf(c, ['g']);
      const l = c.internLabels({ k: 'v' });
      c.addSamples(0, Uint32Array.of(s), Uint32Array.of(0), Float64Array.of(1), Float64Array.of(5));
      const before = JSON.stringify(c.tables().samples());
      const n = 1000;
      const good = () => ({ st: new Uint32Array(n).fill(s2), lb: new Uint32Array(n).fill(l), v0: new Float64Array(n).fill(1), v1: new Float64Array(n).fill(7), v2: new Float64Array(n).fill(3) });
      for (const [label, spoil, match] of [
        ['unknown stack in the last record', (b: ReturnType<typeof good>) => { b.st[n - 1] = 9999; }, /addSamples: record 999: unknown stack 9999/],
        ['empty stack in the middle', (b: ReturnType<typeof good>) => { b.st[500] = 0; }, /record 500: unknown stack 0/],
        ['unknown label set in the first record', (b: ReturnType<typeof good>) => { b.lb[0] = 4242; }, /record 0: .*label set 4242/],
        ['fractional value', (b: ReturnType<typeof good>) => { b.v1[321] = 1.5; }, /record 321: values \(1, 1\.5, 3\)/],
        ['NaN in the third column', (b: ReturnType<typeof good>) => { b.v2[7] = Number.NaN; }, /record 7: values/],
        ['value beyond 2^53', (b: ReturnType<typeof good>) => { b.v0[8] = 2 ** 54; }, /record 8: values/],
      ] as const) {
        const b = good();
        spoil(b);
        const err = t.throws(() => c.addSamples(0, b.st, b.lb, b.v0, b.v1, b.v2), match, label);
        t.ok(err instanceof CoreError, `${label}: a CoreError`);
        t.ok(String((err as Error).message).includes('nothing was added'), `${label}: says nothing was added`);
        t.equal(JSON.stringify(c.tables().samples()), before, `${label}: the table is unchanged`);
      }
      // The other shapes of batch the core checks in passes of their own: two and four columns.
      {
        const b = good();
        b.v1[10] = Number.POSITIVE_INFINITY;
        t.throws(() => c.addSamples(0, b.st, b.lb, b.v0, b.v1), /record 10: values \(1, Infinity\)/, 'two columns: an infinity');
        const v3 = new Float64Array(n).fill(4);
        v3[20] = -0.5;
        t.throws(() => c.addSamples(0, b.st, b.lb, b.v0, good().v1, b.v2, v3), /record 20: values \(1, 7, 3, -0\.5\)/, 'four columns: a fraction in the fourth');
        t.equal(JSON.stringify(c.tables().samples()), before, 'two and four columns: the table is unchanged');
      }
      t.throws(() => c.addSamples(0, new Uint32Array(2), new Uint32Array(3), new Float64Array(2), new Float64Array(2)), /differ in length/);
      const b = good();
      c.addSamples(0, b.st, b.lb, b.v0, b.v1, b.v2, new Float64Array(n).fill(-2));
      t.deepEqual(c.tables().samples().find((r) => r.stack === s2)?.values, [n, 7 * n, 3 * n, -2 * n], 'the same batch, valid, adds all four columns');
    },
  },
  {
    name: 'samples: single adds are staged and batched, with the same results as adding each at once',
    run(t, ctx) {
      const a = newCore(ctx), b = newCore(ctx);
      const frames = (c: typeof a) => Array.from({ length: 50 }, (_, i) => stackOf(c, [`f${i}`, 'main']));
      const sa = frames(a), sb = frames(b);
      const la = [0, a.internLabels({ r: '1' }), a.internLabels({ r: '2' })], lb = [0, b.internLabels({ r: '1' }), b.internLabels({ r: '2' })];
      const r = rng(9);
      for (let i = 0; i < 5000; i++) {
        const k = r() < 0.1 ? 1 : 0, x = Math.floor(r() * 50), y = Math.floor(r() * 3), v = Math.floor(r() * 1e6) - 1000;
        a.addSample(k, sa[x], la[y], 1, v, 2 ** 40, -v);
        // The reference: straight into the core, one call each.
        b.raw.sampleAdd(k, sb[x], lb[y], 1, v, 2 ** 40, -v);
        if (i === 2500) {
          // A capture committed in between goes in after the staged adds (cells keep the order of first adds).
          for (const c of [a, b]) { const cap = c.beginCapture(); cap?.push(1, 0, () => frame('captured')); cap?.commit(0, 0, 3, 4); }
        }
      }
      t.equal(a.stats().period.samples, b.stats().period.samples, 'stats() sees the staged adds');
      t.deepEqual(a.tables().samples(), b.tables().samples(), 'same cells, same order, same sums');
      // Errors are still raised by the call that makes them, and nothing staged is lost.
      a.addSample(0, sa[0], 0, 5);
      t.throws(() => a.addSample(0, 99999, 0, 1), /unknown handle 99999/, 'an unknown stack throws at once');
      t.throws(() => a.addSample(0, sa[0], 0, 0.5), /invalid argument/, 'a fractional value throws at once');
      b.raw.sampleAdd(0, sb[0], 0, 5, 0, 0, 0);
      t.deepEqual(a.tables().samples(), b.tables().samples(), 'the add before the errors is kept');
      // A stack interned after the first add is taken without an error.
      const late = stackOf(a, ['late']);
      a.addSample(0, late, 0, 2);
      t.deepEqual(a.tables().samples().find((x) => x.stack === late)?.values, [2, 0, 0, 0]);
      // reset() and a fork child drop what is staged; periodReset() empties the period.
      a.addSample(0, sa[1], 0, 1);
      a.periodReset();
      t.equal(a.tables().samples().length, 0, 'periodReset: nothing left, nothing added after');
      a.addSample(0, sa[1], 0, 1);
      a.reset();
      const s = stackOf(a, ['after']);
      t.equal(a.tables().samples().length, 0, 'reset: the staged add is gone');
      a.startSampling();
      a.addSample(0, s, 0, 1);
      a.postforkChild(4242);
      t.equal(a.stats().period.samples, 0, 'postforkChild: the parent\'s staged add is not added in the child');
      t.throws(() => a.addSample(0, s, 0, 1), /unknown handle/, 'and handles from before the reset are stale');
    },
  },
];
