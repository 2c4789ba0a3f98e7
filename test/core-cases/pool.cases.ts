// DESIGN §3: scratch buffer pool, re-entrant captures, order of work.
import { CoreError, CoreErrorCode, type FrameInfo } from '../../sdk/core.js';
import type { CoreCase } from './harness.js';
import { newCore, frame, stackNames } from './util.js';

export const cases: CoreCase[] = [
  {
    name: 'pool: acquire hands out distinct buffers; at most N idle are kept, extras discarded and reused',
    run(t, ctx) {
      const c = newCore(ctx, { poolIdleMax: 4 });
      const raw = c.raw;
      const bufs = Array.from({ length: 10 }, () => raw.bufferAcquire());
      t.equal(new Set(bufs).size, 10, 'ten distinct buffers');
      t.ok(bufs.every((b) => b > 0));
      t.equal(c.stats().pool.out, 10);
      for (const b of bufs) t.equal(raw.bufferRelease(b), 1);
      const p = c.stats().pool;
      t.equal(p.idle, 4, 'idle capped at 4');
      t.equal(p.discarded, 6);
      t.equal(p.out, 0);
      const again = Array.from({ length: 10 }, () => raw.bufferAcquire());
      t.equal(c.stats().pool.created, 10, 'discarded memory is reused, not grown');
      for (const b of again) raw.bufferRelease(b);
    },
  },
  {
    name: 'pool: double release and foreign or stale handles are refused without touching memory',
    run(t, ctx) {
      const c = newCore(ctx);
      const b = c.raw.bufferAcquire();
      t.equal(c.raw.bufferRelease(b), 1);
      t.ok(c.raw.bufferRelease(b) < 0, 'second release refused');
      t.ok(c.raw.bufferRelease(12345) < 0, 'foreign pointer refused');
      const held = c.raw.bufferAcquire();
      c.reset();
      t.ok(c.raw.bufferRelease(held) < 0, 'handle from before a reset refused');
      t.equal(c.stats().pool.out, 0);
    },
  },
  {
    name: 'pool: a cap on buffers out at once is enforced and counted, never a silent drop',
    run(t, ctx) {
      const c = newCore(ctx, { maxBuffers: 3 });
      const caps = [c.beginCapture(), c.beginCapture(), c.beginCapture()];
      t.ok(caps.every((x) => x !== undefined));
      t.equal(c.beginCapture(), undefined, 'fourth refused');
      t.equal(c.stats().pool.denied, 1, 'refusal counted');
      caps.forEach((x) => x?.abandon());
      t.ok(c.beginCapture() !== undefined, 'available again after release');
    },
  },
  {
    name: 'captures: nested and interleaved captures get distinct buffers and produce intact stacks',
    run(t, ctx) {
      const c = newCore(ctx);
      c.startSampling();
      const info = (name: string): (() => FrameInfo) => () => frame(name);
      const outer = c.beginCapture();
      t.ok(outer);
      if (!outer) return;
      outer.push(1, 0, info('outer_leaf'));
      let innerHandle = 0;
      // Resolving this frame "calls out" and, re-entrantly, another capture runs to completion.
      outer.push(2, 0, () => {
        const inner = c.beginCapture();
        t.ok(inner && inner.buffer !== outer.buffer, 'nested capture has its own buffer');
        inner?.push(10, 0, info('inner_leaf'));
        inner?.push(11, 0, info('inner_root'));
        innerHandle = inner?.commit(0, 0, 1) ?? 0;
        return frame('outer_mid');
      });
      outer.push(3, 0, info('outer_root'));
      // Interleave a third capture that starts before the outer one commits and ends after.
      const third = c.beginCapture();
      third?.push(10, 0, info('never used: key cached'));
      third?.push(20, 0, info('third_root'));
      const outerHandle = outer.commit(0, 0, 1);
      const thirdHandle = third?.commit(0, 0, 1) ?? 0;
      t.deepEqual(stackNames(c, innerHandle), ['inner_leaf', 'inner_root']);
      t.deepEqual(stackNames(c, outerHandle), ['outer_leaf', 'outer_mid', 'outer_root']);
      t.deepEqual(stackNames(c, thirdHandle), ['inner_leaf', 'third_root'], 'key-only record resolved via the cache');
      t.equal(c.stats().pool.out, 0, 'every buffer released');
      // Copied out right-sized: reusing the buffers for new captures changes no earlier stack.
      for (let i = 0; i < 20; i++) {
        const x = c.beginCapture();
        x?.push(100 + i, 0, info(`noise${i}`));
        x?.commit(0, 0, 1);
      }
      t.deepEqual(stackNames(c, outerHandle), ['outer_leaf', 'outer_mid', 'outer_root'], 'unchanged after buffer reuse');
      t.deepEqual(stackNames(c, innerHandle), ['inner_leaf', 'inner_root']);
    },
  },
  {
    name: 'captures: when sampling stops while a capture is in flight, nothing is inserted and the buffer is released',
    run(t, ctx) {
      const c = newCore(ctx);
      c.startSampling();
      const cap = c.beginCapture();
      cap?.push(1, 0, () => frame('would_be_inserted'));
      c.stopSampling();
      t.equal(cap?.commit(0, 0, 1), 0, 'void capture');
      t.equal(c.tables().samples().length, 0, 'no sample');
      t.equal(c.stats().dictionary.frames, 0, 'no frame interned');
      t.equal(c.stats().pool.out, 0, 'buffer released');
      t.equal(c.stats().drops.abandonedCaptures, 1, 'counted');
      // Restarting does not revive a capture begun under the old generation.
      const late = c.beginCapture();
      c.startSampling();
      c.stopSampling();
      c.startSampling();
      late?.push(1, 0, () => frame('late'));
      t.equal(late?.commit(0, 0, 1), 0);
    },
  },
  {
    name: 'captures: a malformed capture is refused with an error and its buffer released',
    run(t, ctx) {
      const c = newCore(ctx);
      c.startSampling();
      const buf = c.raw.bufferAcquire();
      const rc = c.raw.captureCommit(buf, 5, 10, 0, 0, 1, 0, 0, 0);
      t.ok(rc < 0 && -rc === CoreErrorCode.BadArgument, 'record count larger than the bytes written');
      t.equal(c.stats().pool.out, 0);
      const err = t.throws(() => c.beginCapture()?.commit(0, 99, 1), /unknown handle 99/);
      t.ok(err instanceof CoreError);
      t.equal(c.stats().pool.out, 0, 'released on a bad label handle too');
    },
  },
  {
    name: 'captures: stacks deeper than maxStackDepth keep the leaf side and are counted',
    run(t, ctx) {
      const c = newCore(ctx, { maxStackDepth: 4 });
      c.startSampling();
      const cap = c.beginCapture();
      for (let i = 0; i < 10; i++) cap?.push(i, 0, () => frame(`f${i}`));
      const h = cap?.commit(0, 0, 1) ?? 0;
      t.deepEqual(stackNames(c, h), ['f0', 'f1', 'f2', 'f3']);
      t.equal(c.stats().drops.truncatedStacks, 1);
    },
  },
];
