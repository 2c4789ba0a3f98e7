// String/frame/stack/label tables and per-period sample aggregation.
import { CoreError, CoreErrorCode } from '../../sdk/core.js';
import type { CoreCase } from './harness.js';
import { newCore, frame, stackOf, stackNames } from './util.js';

export const cases: CoreCase[] = [
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
];
