// DESIGN §4 live-allocation map behaviours.
import { LiveEventKind } from '../../sdk/core.js';
import type { CoreCase } from './harness.js';
import { newCore, stackOf, stackNames, rng } from './util.js';
import { LIVE_CHUNK_ENTRIES } from '../../sdk/core/layout.generated.js';

export const cases: CoreCase[] = [
  {
    name: 'live map: identical stacks aggregate, and a stack disappears with its last allocation',
    run(t, ctx) {
      const c = newCore(ctx);
      const s = stackOf(c, ['alloc10', 'main']);
      for (let i = 0; i < 10; i++) t.equal(c.trackAlloc(1, 0x1000 + i * 16, 10, s, i), true);
      t.deepEqual(c.tables().liveStacks(), [{ owner: 1, stack: s, count: 10, bytes: 100 }]);
      for (let i = 0; i < 9; i++) c.trackFree(1, 0x1000 + i * 16);
      t.deepEqual(c.tables().liveStacks(), [{ owner: 1, stack: s, count: 1, bytes: 10 }]);
      c.trackFree(1, 0x1000 + 9 * 16);
      t.deepEqual(c.tables().liveStacks(), [], 'stack gone');
      t.deepEqual(c.tables().owners(), [], 'owner with nothing live is gone');
      t.equal(c.liveMismatch(), 0);
    },
  },
  {
    name: 'live map: per-owner totals, conflicts, unmatched frees and the consistency check stay exact',
    run(t, ctx) {
      const c = newCore(ctx);
      const a = stackOf(c, ['a']), b = stackOf(c, ['b']);
      c.trackAlloc(1, 0x10, 100, a);
      c.trackAlloc(1, 0x20, 50, b);
      c.trackAlloc(2, 0x10, 7, a);
      t.deepEqual(c.tables().owners().sort((x, y) => x.owner - y.owner), [{ owner: 1, count: 2, bytes: 150 }, { owner: 2, count: 1, bytes: 7 }]);
      // Same address again for owner 1: the old one is replaced, counted as a conflict.
      c.trackAlloc(1, 0x10, 30, b);
      const s = c.stats().live;
      t.equal(s.conflicts, 1);
      t.equal(s.entries, 3, 'replaced, not duplicated');
      t.deepEqual(c.tables().owners().find((o) => o.owner === 1), { owner: 1, count: 2, bytes: 80 });
      t.deepEqual(c.tables().liveStacks().filter((x) => x.owner === 1).sort((x, y) => x.stack - y.stack),
        [{ owner: 1, stack: b, count: 2, bytes: 80 }], 'stack a of owner 1 disappeared with the replacement');
      t.equal(c.trackFree(1, 0xdead), false, 'unknown address: no throw');
      t.equal(c.trackFree(3, 0x10), false, 'address known only for another owner');
      t.equal(c.stats().live.unmatchedFrees, 2);
      t.equal(c.stats().live.tracked, 3);
      t.equal(c.liveMismatch(), 0, 'tracked count equals map size');
    },
  },
  {
    name: 'live map: an allocation with an empty stack is ignored and counted',
    run(t, ctx) {
      const c = newCore(ctx);
      t.equal(c.trackAlloc(1, 0x10, 100, 0), false);
      t.equal(c.stats().live.entries, 0);
      t.equal(c.stats().live.emptyStacksIgnored, 1);
    },
  },
  {
    name: 'live map: realloc and mremap are free(old) then alloc(new), also at the same address; realloc(p, 0) only frees',
    run(t, ctx) {
      const c = newCore(ctx);
      const s1 = stackOf(c, ['first']), s2 = stackOf(c, ['second']);
      c.liveEvent(LiveEventKind.alloc, 1, 0, 0x100, 10, s1);
      c.liveEvent(LiveEventKind.realloc, 1, 0x100, 0x100, 40, s2);
      let e = c.tables().liveEntries();
      t.equal(e.length, 1);
      t.equal(e[0].size, 40);
      t.deepEqual(stackNames(c, e[0].stack), ['second'], 'same address now belongs to the new stack');
      t.equal(c.stats().live.conflicts, 0, 'free came first, so no conflict');
      c.liveEvent(LiveEventKind.realloc, 1, 0x100, 0x200, 80, s1);
      e = c.tables().liveEntries();
      t.deepEqual(e.map((x) => [Number(x.address), x.size]), [[0x200, 80]]);
      c.liveEvent(LiveEventKind.realloc, 1, 0x200, 0, 0, s1);
      t.equal(c.stats().live.entries, 0, 'realloc(p, 0) freed');
      c.liveEvent(LiveEventKind.realloc, 1, 0, 0x300, 5, s1);
      t.equal(c.stats().live.entries, 1, 'realloc(NULL, n) allocates');
      t.equal(c.stats().live.unmatchedFrees, 0, 'realloc(NULL) frees nothing');
      c.liveEvent(LiveEventKind.mmapAnonymous, 1, 0, 0x7f0000000000, 1 << 20, s2);
      c.liveEvent(LiveEventKind.mremap, 1, 0x7f0000000000, 0x7f0000000000, 2 << 20, s2);
      t.equal(c.tables().owners()[0].bytes, 5 + (2 << 20));
      c.liveEvent(LiveEventKind.munmap, 1, 0, 0x7f0000000000, 0, 0);
      t.equal(c.tables().owners()[0].bytes, 5);
      t.equal(c.liveMismatch(), 0);
    },
  },
  {
    name: 'live map: shm attach/detach are alloc/free; file mmaps and brk are not allocations',
    run(t, ctx) {
      const c = newCore(ctx);
      const s = stackOf(c, ['shm']);
      c.liveEvent(LiveEventKind.shmAttach, 1, 0, 0x5000, 65536, s);
      t.equal(c.tables().owners()[0].bytes, 65536);
      c.liveEvent(LiveEventKind.shmDetach, 1, 0, 0x5000, 0, 0);
      t.equal(c.stats().live.entries, 0);
      t.equal(c.liveEvent(LiveEventKind.mmapFile, 1, 0, 0x6000, 4096, s), 0);
      t.equal(c.liveEvent(LiveEventKind.brk, 1, 0, 0x7000, 1 << 20, s), 0);
      t.equal(c.stats().live.entries, 0, 'neither tracked');
      t.throws(() => c.liveEvent(99 as LiveEventKind, 1, 0, 1, 1, s), /invalid argument/);
    },
  },
  {
    name: 'live map: events during an export are deferred; frees are applied before allocations',
    run(t, ctx) {
      const c = newCore(ctx);
      const oldS = stackOf(c, ['old']), newS = stackOf(c, ['new']);
      c.trackAlloc(1, 0xa0, 10, oldS);
      c.trackAlloc(1, 0xc0, 10, oldS);
      c.beginLiveExport();
      // The new allocation at 0xa0 is reported before the free of the old one (another thread
      // recorded its free late): frees first keeps the newest allocation.
      c.trackAlloc(1, 0xa0, 20, newS);
      c.trackFree(1, 0xa0);
      c.trackAlloc(1, 0xb0, 5, newS);
      c.trackFree(1, 0xc0);
      t.equal(c.stats().live.entries, 2, 'nothing applied while exporting');
      t.equal(c.stats().live.pending, 4);
      c.endLiveExport();
      const e = c.tables().liveEntries().sort((x, y) => Number(x.address - y.address));
      t.deepEqual(e.map((x) => [Number(x.address), x.size, stackNames(c, x.stack)[0]]), [[0xa0, 20, 'new'], [0xb0, 5, 'new']]);
      t.equal(c.stats().live.conflicts, 0);
      t.equal(c.stats().live.pending, 0);
      t.equal(c.liveMismatch(), 0);
    },
  },
  {
    name: 'live map: clearing one owner touches only that owner',
    run(t, ctx) {
      const c = newCore(ctx);
      const s = stackOf(c, ['x']);
      for (let i = 0; i < 50; i++) { c.trackAlloc(1, i * 8, 8, s); c.trackAlloc(2, i * 8, 16, s); c.trackAlloc(3, i * 8, 1, s); }
      t.equal(c.clearOwner(2), 50);
      const owners = c.tables().owners().sort((a, b) => a.owner - b.owner);
      t.deepEqual(owners, [{ owner: 1, count: 50, bytes: 400 }, { owner: 3, count: 50, bytes: 50 }]);
      t.equal(c.tables().liveEntries().filter((e) => e.owner === 2).length, 0);
      t.equal(c.liveMismatch(), 0);
      t.equal(c.trackFree(1, 8), true, 'owner 1 entries still findable');
    },
  },
  {
    name: 'live map: addresses are full 64-bit values and sizes/times are validated',
    run(t, ctx) {
      const c = newCore(ctx);
      const s = stackOf(c, ['x']);
      c.trackAlloc(1, 0xffff_ffff_ffff_fff0n, 1, s);
      c.trackAlloc(1, 0x0000_0001_ffff_fff0n, 2, s);
      t.deepEqual(c.tables().liveEntries().map((e) => e.address).sort((a, b) => (a < b ? -1 : 1)), [0x0000_0001_ffff_fff0n, 0xffff_ffff_ffff_fff0n]);
      t.throws(() => c.trackAlloc(1, 0x10, -1, s), /invalid argument/);
      t.throws(() => c.trackAlloc(1, 0x10, 1.5, s), /invalid argument/);
      t.throws(() => c.trackAlloc(1, -1, 1, s), /not a non-negative safe integer/);
      t.throws(() => c.trackAlloc(1, 0x10, 1, 999), /unknown handle/);
      t.equal(c.stats().live.entries, 2);
    },
  },
  {
    name: 'sampler: byte-weighted exponential sampling estimates live bytes within tolerance (seeded)',
    run(t, ctx) {
      const mean = 4096;
      const c = newCore(ctx, { allocationSampleBytes: mean, seed: 7 });
      const r = rng(3);
      const s = stackOf(c, ['alloc']);
      let trueLive = 0;
      const n = ctx.stress ? 1_000_000 : 200_000;
      for (let i = 0; i < n; i++) {
        const size = 1 + Math.floor(r() * 8192);
        const keep = r() < 0.5;
        if (keep) trueLive += size;
        if (c.sampleAllocation(size) && keep) c.trackAlloc(1, i * 16, size, s);
      }
      // Unbiased estimate: each sampled allocation of size s stands for s / P(sampled).
      let estimate = 0;
      for (const e of c.tables().liveEntries()) estimate += e.size / (1 - Math.exp(-e.size / mean));
      const err = Math.abs(estimate - trueLive) / trueLive;
      t.ok(err < 0.05, `estimate ${Math.round(estimate)} vs true ${trueLive}: error ${(err * 100).toFixed(2)}% < 5%`);
      // Same seed, same decisions.
      const d1 = newCore(ctx, { allocationSampleBytes: mean, seed: 99 }), d2 = newCore(ctx, { allocationSampleBytes: mean, seed: 99 });
      const seq = (d: typeof d1) => Array.from({ length: 2000 }, (_, i) => d.sampleAllocation(100 + (i % 700)));
      t.deepEqual(seq(d1), seq(d2), 'reproducible with a seed');
      const big = newCore(ctx, { allocationSampleBytes: mean });
      t.equal(big.sampleAllocation(mean * 100), true, 'an allocation far above the mean is sampled');
    },
  },
  {
    name: 'live map: chunks emptied by frees are reused: after free-all and re-add, memory stays within the high-water mark',
    run(t, ctx) {
      const c = newCore(ctx);
      const s = stackOf(c, ['spike']);
      const n = 20 * LIVE_CHUNK_ENTRIES;
      const base = c.stats().arenaBytes;
      for (let i = 0; i < n; i++) c.raw.liveAlloc(1 + (i & 1), i * 16, 0, 32, s, 0);
      const high = c.stats().arenaBytes - base, highMemory = c.memoryBytes;
      for (let round = 0; round < 3; round++) {
        let freed = 0;
        for (let i = 0; i < n; i++) freed += c.raw.liveFree(1 + (i & 1), i * 16 + round * 8, 0);
        t.equal(freed, n, `round ${round}: every free matched`);
        t.equal(c.stats().live.entries, 0, `round ${round}: all freed`);
        // Different addresses, so nothing is a conflict and every chunk is taken again.
        for (let i = 0; i < n; i++) c.raw.liveAlloc(1 + (i & 1), i * 16 + (round + 1) * 8, 0, 32, s, 0);
        t.equal(c.stats().live.entries, n, `round ${round}: all re-added`);
        t.ok(c.stats().arenaBytes - base <= high, `round ${round}: arena ${c.stats().arenaBytes - base} <= high-water ${high}`);
        t.equal(c.memoryBytes, highMemory, `round ${round}: memory not grown`);
      }
      t.equal(c.liveMismatch(), 0);
      t.deepEqual(c.tables().owners().map((o) => [o.owner, o.count, o.bytes]).sort(), [[1, n / 2, 16 * n], [2, n / 2, 16 * n]]);
    },
  },
  {
    name: 'live map: a restore into an empty map (bulk load over several index slices) finds every entry and frees it',
    run(t, ctx) {
      const src = newCore(ctx);
      const st = [stackOf(src, ['a']), stackOf(src, ['b', 'a'])];
      // More entries than one linking slice covers (LINK_SLICE = 2^15 buckets, two per entry), so several slices are linked.
      const n = 140_000;
      for (let i = 0; i < n; i++) src.raw.liveAlloc(1 + (i % 3), (i * 40) >>> 0, i >>> 20, 8 + (i % 64), st[i & 1], i);
      const dst = newCore(ctx);
      t.equal(dst.restoreSnapshot(src.encodeSnapshot(0).bytes), n);
      const digest = (c: typeof src) => {
        const tb = c.tables();
        const names = new Map<number, string>();
        const name = (h: number) => { let v = names.get(h); if (v === undefined) { v = tb.stackFrames(h).map((f) => tb.frame(f).name).join('<'); names.set(h, v); } return v; };
        const rows = tb.liveEntries().map((e) => `${e.owner}:${e.address}:${e.size}:${e.time}:${name(e.stack)}`).sort();
        return { rows, owners: tb.owners().sort((x, y) => x.owner - y.owner), tracked: c.stats().live.tracked, conflicts: c.stats().live.conflicts };
      };
      const [d, e] = [digest(dst), digest(src)];
      t.equal(d.rows.length, n);
      t.ok(d.rows.every((r, i) => r === e.rows[i]), 'same entries');
      t.deepEqual([d.owners, d.tracked, d.conflicts], [e.owners, e.tracked, e.conflicts], 'same totals and counters');
      let found = 0;
      for (let i = n - 1; i >= 0; i--) found += dst.raw.liveFree(1 + (i % 3), (i * 40) >>> 0, i >>> 20);
      t.equal(found, n, 'every restored entry is found in the index');
      t.deepEqual([dst.stats().live.entries, dst.stats().live.unmatchedFrees, dst.liveMismatch()], [0, 0, 0]);
    },
  },
];
