// DESIGN §2 frame cache behaviours.
import { CoreError, CoreErrorCode } from '../../sdk/core.js';
import type { CoreCase } from './harness.js';
import { newCore, frame } from './util.js';

export const cases: CoreCase[] = [
  {
    name: 'frame cache: a miss returns a miss, never a stale value (also after reset)',
    run(t, ctx) {
      const c = newCore(ctx, { frameCacheCapacity: 8 });
      t.equal(c.lookupFrame(1, 0), -1, 'unknown key misses');
      const id = c.storeFrame(1, 0, frame('f'));
      t.equal(c.lookupFrame(1, 0), id, 'stored key hits');
      t.equal(c.lookupFrame(1, 1), -1, 'same low half, other high half: a different key');
      c.reset();
      t.equal(c.lookupFrame(1, 0), -1, 'after reset the old key misses');
      t.equal(c.stats().frameCache.entries, 0);
    },
  },
  {
    name: 'frame cache: a hit moves the entry to the front, so the next store evicts the LRU key',
    run(t, ctx) {
      const c = newCore(ctx, { frameCacheCapacity: 3 });
      for (const k of [1, 2, 3]) c.storeFrame(k, 0, frame(`f${k}`));
      t.ok(c.lookupFrame(1, 0) >= 0, 'hit k=1');
      c.storeFrame(4, 0, frame('f4'));
      t.equal(c.lookupFrame(2, 0), -1, 'least recently used key 2 was evicted');
      t.ok(c.lookupFrame(1, 0) >= 0, 'key 1 survived');
      t.deepEqual(c.cachedKeys().map(([lo]) => lo), [1, 4, 3], 'recency order');
    },
  },
  {
    name: 'frame cache: size never exceeds capacity and each store at capacity evicts exactly one',
    run(t, ctx) {
      const cap = 16;
      const c = newCore(ctx, { frameCacheCapacity: cap });
      for (let k = 0; k < cap; k++) c.storeFrame(k, 0, frame('x'));
      t.equal(c.stats().frameCache.evictions, 0);
      for (let k = cap; k < cap * 5; k++) {
        const before = c.stats().frameCache.evictions;
        c.storeFrame(k, 7, frame(`y${k}`));
        const s = c.stats().frameCache;
        t.equal(s.evictions, before + 1, `store ${k} evicted exactly one`);
        t.equal(s.entries, cap, 'size stays at capacity');
      }
      t.equal(new Set(c.cachedKeys().map(([lo, hi]) => `${lo}:${hi}`)).size, cap, 'no duplicate keys');
    },
  },
  {
    name: 'frame cache: storing a present key updates it in place and moves it to the front',
    run(t, ctx) {
      const c = newCore(ctx, { frameCacheCapacity: 3 });
      c.storeFrame(1, 0, frame('a'));
      c.storeFrame(2, 0, frame('b'));
      c.storeFrame(3, 0, frame('c'));
      const updated = c.storeFrame(1, 0, frame('a2'));
      const s = c.stats().frameCache;
      t.equal(s.entries, 3, 'no duplicate entry');
      t.equal(s.updates, 1);
      t.equal(s.evictions, 0, 'an update evicts nothing');
      t.equal(c.peekFrame(1, 0), updated, 'value updated');
      t.deepEqual(c.cachedKeys().map(([lo]) => lo), [1, 3, 2]);
      c.storeFrame(4, 0, frame('d'));
      t.equal(c.peekFrame(2, 0), -1, 'key 2 (now LRU) evicted, not key 1');
      t.equal(c.peekFrame(1, 0), updated);
      // No orphaned index entry: cycling many keys through keeps the index consistent.
      for (let k = 10; k < 200; k++) { c.storeFrame(k, 0, frame(`k${k}`)); c.storeFrame(k - 1, 0, frame(`k${k}`)); }
      const keys = c.cachedKeys();
      t.equal(keys.length, 3);
      for (const [lo, hi] of keys) t.ok(c.peekFrame(lo, hi) >= 0, `listed key ${lo} is findable`);
    },
  },
  {
    name: 'frame cache: a frame handed out stays valid after its entry is evicted (copy-out)',
    run(t, ctx) {
      const c = newCore(ctx, { frameCacheCapacity: 2 });
      const id = c.storeFrame(1, 0, { name: 'kept', file: 'k.js', mapping: '', line: 42, column: 7 });
      const stack = c.internStack([id]);
      c.storeFrame(2, 0, frame('x'));
      c.storeFrame(3, 0, frame('y'));
      t.equal(c.peekFrame(1, 0), -1, 'key evicted');
      const tb = c.tables();
      t.deepEqual(tb.frame(id), { name: 'kept', file: 'k.js', mapping: '', line: 42, column: 7 }, 'frame still readable');
      t.deepEqual(tb.stackFrames(stack), [id], 'stack still resolves');
      t.equal(c.storeFrame(1, 0, { name: 'kept', file: 'k.js', mapping: '', line: 42, column: 7 }), id, 'same content, same id');
    },
  },
  {
    name: 'frame cache: a flood of unique frames evicts; memory stays within the configured cap',
    run(t, ctx) {
      const cap = 2 * 1024 * 1024;
      const c = newCore(ctx, { frameCacheCapacity: 256, maxMemoryBytes: cap });
      let refused = 0;
      const n = ctx.stress ? 400_000 : 60_000;
      for (let k = 0; k < n; k++) {
        try {
          c.storeFrame(k, k >>> 3, frame(`unique_function_name_${k}_with_some_length`, k));
        } catch (err) {
          if (!(err instanceof CoreError) || err.code !== CoreErrorCode.NoMemory) throw err;
          refused++;
        }
      }
      const s = c.stats();
      t.ok(s.memoryBytes <= cap, `memory ${s.memoryBytes} <= cap ${cap}`);
      t.ok(s.frameCache.entries <= 256, 'cache bounded by capacity');
      t.ok(refused > 0 && s.drops.noMemory > 0, `refusals are counted (${refused})`);
      t.equal(c.lookupFrame(0xdead, 0), -1, 'still answers lookups');
    },
  },
  {
    name: 'frame cache: options are validated with a clear message',
    run(t, ctx) {
      t.throws(() => newCore(ctx, { frameCacheCapacity: 0 }), /frameCacheCapacity must be an integer from 1/);
      t.throws(() => newCore(ctx, { maxBuffers: 99 }), /maxBuffers must be an integer from 1 to 32/);
      t.throws(() => newCore(ctx, { profileChildren: 'yes' as unknown as boolean }), /profileChildren must be a boolean/);
    },
  },
];
