// DESIGN §4 snapshot behaviours: round trip, golden bytes, budget, environment, rejection.
import { Core, CoreError, CoreErrorCode, snapshotBudgetFromEnv, SNAPSHOT_CEILING_BYTES, SNAPSHOT_DEFAULT_BYTES } from '../../sdk/core.js';
import type { CoreCase, Assert } from './harness.js';
import { newCore, stackOf, liveDigest, stackNames } from './util.js';
import { buildFixtureState, sections, fixChecksum, setU32 } from './snapshot-util.js';

const CLEARED = '[live-alloc cleared]';

function restored(t: Assert, ctx: Parameters<CoreCase['run']>[1], bytes: Uint8Array): Core {
  const d = newCore(ctx);
  d.restoreSnapshot(bytes);
  t.equal(d.liveMismatch(), 0, 'restored map is consistent');
  return d;
}

/** Expected encoded size computed independently from the core's tables (the format spec). */
function expectedSize(c: Core): number {
  const t = c.tables();
  const enc = new TextEncoder();
  const stacks = new Set(t.liveStacks().map((r) => r.stack));
  const frames = new Set<number>();
  for (const s of stacks) for (const f of t.stackFrames(s)) frames.add(f);
  const strings = new Set<string>();
  for (const f of frames) { const x = t.frame(f); for (const s of [x.name, x.file, x.mapping]) if (s !== '') strings.add(s); }
  const varLen = (v: bigint) => { let n = 1; while (v >= 0x80n) { v >>= 7n; n++; } return n; };
  const entries = t.liveEntries();
  const base = entries.length ? BigInt(entries[0].time) : 0n;
  let size = 36 + 8;
  for (const s of strings) size += 4 + enc.encode(s).length;
  size += frames.size * 20;
  for (const s of stacks) size += 4 + 4 * t.stackFrames(s).length;
  size += t.owners().length * 8;
  for (const e of entries) {
    const d = BigInt(e.time) - base;
    size += varLen(e.address) + varLen(BigInt(e.size)) + varLen(d >= 0n ? d << 1n : ((-d) << 1n) - 1n) + 4;
  }
  return size;
}

function untouched(t: Assert, c: Core, bytes: Uint8Array, code: number, label: string): void {
  const before = liveDigest(c);
  const statsBefore = c.stats().dictionary;
  const err = t.throws(() => c.restoreSnapshot(bytes), undefined, `${label}: rejected`);
  t.ok(err instanceof CoreError && err.code === code, `${label}: code ${code} (got ${err instanceof CoreError ? err.code : String(err)}: ${err instanceof Error ? err.message : ''})`);
  t.deepEqual(liveDigest(c), before, `${label}: live map untouched`);
  t.deepEqual(c.stats().dictionary, statsBefore, `${label}: nothing interned`);
}

export const cases: CoreCase[] = [
  {
    name: 'snapshot: round trip preserves every field, including empty strings, negatives and the empty snapshot',
    run(t, ctx) {
      const c = newCore(ctx);
      const empty = c.encodeSnapshot();
      t.equal(empty.bytes.length, 44, 'empty snapshot is header + checksum');
      t.deepEqual(liveDigest(restored(t, ctx, empty.bytes)), liveDigest(c));
      buildFixtureState(c);
      const snap = c.encodeSnapshot();
      t.deepEqual([snap.clearedAddresses, snap.droppedOwners, snap.droppedStacks], [0, 0, 0], 'nothing cleared under the default budget');
      const d = restored(t, ctx, snap.bytes);
      t.deepEqual(liveDigest(d), liveDigest(c), 'same entries, frames, owners and totals');
      t.deepEqual(d.tables().liveStacks().map((r) => r.bytes).sort((a, b) => a - b), c.tables().liveStacks().map((r) => r.bytes).sort((a, b) => a - b));
      t.deepEqual(d.encodeSnapshot().bytes.length, snap.bytes.length, 'stable when re-encoded');
      t.ok(!d.tables().liveEntries().some((e) => stackNames(d, e.stack).includes(CLEARED)), 'no cleared frame when nothing was cleared');
    },
  },
  {
    name: 'snapshot: golden fixture bytes (format v1) are produced and read back',
    run(t, ctx) {
      const c = newCore(ctx);
      buildFixtureState(c);
      const golden = ctx.fixture('snapshot-v1.bin');
      t.deepEqual(c.encodeSnapshot().bytes, golden, 'encoder output matches test/fixtures/snapshot-v1.bin');
      const d = newCore(ctx);
      t.equal(d.restoreSnapshot(golden), 5);
      t.deepEqual(liveDigest(d), liveDigest(c));
    },
  },
  {
    name: 'snapshot: the size model matches the encoder (and the format spec) to the byte',
    run(t, ctx) {
      const c = newCore(ctx);
      buildFixtureState(c);
      for (let i = 0; i < 300; i++) c.trackAlloc(2 + (i % 4), 0x100000 + i * 4096 * (i % 7 + 1), i * 13, stackOf(c, [`f${i % 17}`, `g${i % 5}`]), i * 1000 - 5000);
      const model = c.measureSnapshot();
      t.equal(c.encodeSnapshot().bytes.length, model, 'measure == encode');
      t.equal(model, expectedSize(c), 'both equal the size computed from the spec');
    },
  },
  {
    name: 'snapshot: over budget, the stacks with the fewest live bytes are cleared first; owner totals stay exact',
    run(t, ctx) {
      const c = newCore(ctx);
      const sizes = [10, 20, 30, 40, 50];
      const stacks = sizes.map((n, i) => stackOf(c, [`fn_${n}_${'x'.repeat(40)}`, `caller_${i}_${'y'.repeat(40)}`]));
      for (let owner = 1; owner <= 3; owner++) stacks.forEach((s, i) => { for (let k = 0; k < 3; k++) c.trackAlloc(owner, owner * 0x100000 + i * 0x1000 + k * 16, sizes[i], s); });
      const full = c.measureSnapshot(SNAPSHOT_CEILING_BYTES);
      // A budget between "drop two stacks" and "drop one stack" must clear exactly the two smallest.
      const oneDropped = c.encodeSnapshot(full - 1);
      t.ok(oneDropped.bytes.length <= full - 1);
      t.equal(oneDropped.droppedStacks, 1);
      t.equal(oneDropped.clearedAddresses, 9, 'all three owners had 3 addresses on the smallest stack');
      const two = c.encodeSnapshot(oneDropped.bytes.length - 60);
      t.equal(two.droppedStacks, 2);
      const d = restored(t, ctx, two.bytes);
      const names = new Set(d.tables().liveStacks().map((r) => stackNames(d, r.stack)[0]));
      t.ok(names.has(CLEARED), 'cleared frame present');
      t.ok(!names.has(`fn_10_${'x'.repeat(40)}`) && !names.has(`fn_20_${'x'.repeat(40)}`), 'the two smallest stacks were cleared');
      t.ok(names.has(`fn_30_${'x'.repeat(40)}`) && names.has(`fn_50_${'x'.repeat(40)}`), 'larger stacks kept');
      t.deepEqual(d.tables().owners().sort((a, b) => a.owner - b.owner), c.tables().owners().sort((a, b) => a.owner - b.owner), 'per-owner counts and bytes exact');
      const clearedRows = d.tables().liveEntries().filter((e) => stackNames(d, e.stack)[0] === CLEARED);
      t.equal(clearedRows.length, two.clearedAddresses, 'clearedAddresses is exact');
      // Determinism: same state, same bytes.
      t.deepEqual(c.encodeSnapshot(oneDropped.bytes.length - 60).bytes, two.bytes);
    },
  },
  {
    name: 'snapshot: ties are broken deterministically, and only when every stack is cleared are owners dropped, smallest first',
    run(t, ctx) {
      const c = newCore(ctx);
      const pad = 'p'.repeat(80); // big enough that clearing one stack saves more than the cleared frame costs
      const sa = stackOf(c, [`same_a${pad}`]), sb = stackOf(c, [`same_b${pad}`]);
      c.trackAlloc(1, 0x10, 8, sa);
      c.trackAlloc(1, 0x20, 8, sb);
      const full = c.measureSnapshot(SNAPSHOT_CEILING_BYTES);
      const one = c.encodeSnapshot(full - 1);
      t.equal(one.droppedStacks, 1);
      const d = restored(t, ctx, one.bytes);
      const kept = d.tables().liveStacks().map((r) => stackNames(d, r.stack)[0]).filter((n) => n !== CLEARED);
      t.deepEqual(kept, [`same_b${pad}`], 'equal bytes: the older stack (lower id) goes first');

      const o = newCore(ctx);
      const s = stackOf(o, ['s']);
      for (let i = 0; i < 40; i++) o.trackAlloc(5, i * 8, 100, s);   // owner 5: 4000 bytes
      for (let i = 0; i < 40; i++) o.trackAlloc(6, i * 8, 10, s);    // owner 6: 400 bytes
      for (let i = 0; i < 40; i++) o.trackAlloc(7, i * 8, 1000, s);  // owner 7: 40000 bytes
      const budget = 44 + 52 + 2 * (8 + 40 * 7) - 1; // room for two owners' worth of entries? not quite
      const r = o.encodeSnapshot(budget);
      t.ok(r.bytes.length <= budget, `size ${r.bytes.length} <= budget ${budget}`);
      t.equal(r.droppedStacks, 1, 'the only stack was cleared first');
      t.ok(r.droppedOwners >= 1);
      const back = restored(t, ctx, r.bytes);
      const owners = back.tables().owners().map((x) => x.owner).sort();
      t.ok(!owners.includes(6), 'smallest owner (6) dropped first');
      t.ok(owners.includes(7), 'largest owner kept');
      for (const ow of back.tables().owners()) {
        t.deepEqual(ow, o.tables().owners().find((x) => x.owner === ow.owner), `kept owner ${ow.owner} exact`);
      }
      t.equal(r.clearedAddresses, back.tables().liveEntries().length, 'every kept address points at the cleared frame');
      // Nothing fits but the header: everything dropped, cleared frame gone too.
      const bare = o.encodeSnapshot(44);
      t.equal(bare.bytes.length, 44);
      t.deepEqual([bare.droppedOwners, bare.clearedAddresses], [3, 0]);
      t.throws(() => o.encodeSnapshot(43), /smaller than an empty snapshot/);
    },
  },
  {
    name: 'snapshot: the encoded size never exceeds the budget, for every budget from the header to the full size',
    run(t, ctx) {
      const c = newCore(ctx);
      buildFixtureState(c);
      for (let i = 0; i < 60; i++) c.trackAlloc(10 + (i % 3), i * 64, (i % 9) * 11 + 1, stackOf(c, [`leaf${i % 8}`, 'root']));
      const full = c.measureSnapshot(SNAPSHOT_CEILING_BYTES);
      let checked = 0;
      for (let b = 44; b <= full + 2; b += ctx.stress ? 1 : 7) {
        let r;
        try { r = c.encodeSnapshot(b); } catch (err) { t.ok(false, `budget ${b}: ${String(err)} configured=${c.raw.stat(1)} pid=${c.pid}`); break; }
        if (r.bytes.length > b) t.ok(false, `budget ${b}: ${r.bytes.length} bytes`);
        const d = newCore(ctx);
        d.restoreSnapshot(r.bytes);
        const keptOwners = d.tables().owners();
        if (keptOwners.length + r.droppedOwners !== c.tables().owners().length) t.ok(false, `budget ${b}: owners accounted`);
        for (const o of keptOwners) {
          const orig = c.tables().owners().find((x) => x.owner === o.owner);
          if (!orig || orig.count !== o.count || orig.bytes !== o.bytes) t.ok(false, `budget ${b}: owner ${o.owner} exact`);
        }
        const cleared = d.tables().liveEntries().filter((e) => stackNames(d, e.stack)[0] === CLEARED).length;
        if (cleared !== r.clearedAddresses) t.ok(false, `budget ${b}: clearedAddresses ${r.clearedAddresses} vs ${cleared}`);
        checked++;
      }
      t.ok(checked > 10, `${checked} budgets checked`);
    },
  },
  {
    name: 'snapshot: budget from WASMPROF_LIVE_SNAPSHOT_MAX_BYTES (default 4 MiB, ceiling 20 MiB, 0 = ceiling, bad values rejected)',
    run(t, ctx) {
      t.equal(snapshotBudgetFromEnv(undefined), SNAPSHOT_DEFAULT_BYTES);
      t.equal(snapshotBudgetFromEnv(''), SNAPSHOT_DEFAULT_BYTES);
      t.equal(snapshotBudgetFromEnv('1000'), 1000);
      t.equal(snapshotBudgetFromEnv(' 2048 '), 2048);
      t.equal(snapshotBudgetFromEnv('0'), SNAPSHOT_CEILING_BYTES);
      t.equal(snapshotBudgetFromEnv(String(SNAPSHOT_CEILING_BYTES * 10)), SNAPSHOT_CEILING_BYTES, 'clamped to the ceiling');
      for (const bad of ['abc', '-5', '1.5', '10MB', '0x100', 'NaN']) {
        t.throws(() => snapshotBudgetFromEnv(bad), /WASMPROF_LIVE_SNAPSHOT_MAX_BYTES must be a whole number of bytes/, `"${bad}" rejected`);
      }
      const c = newCore(ctx);
      for (let i = 0; i < 200; i++) c.trackAlloc(1, i * 8, 8, stackOf(c, [`f${i}`]));
      const applied = ctx.withEnv?.('WASMPROF_LIVE_SNAPSHOT_MAX_BYTES', '3000', () => {
        const r = c.encodeSnapshot();
        t.ok(r.bytes.length <= 3000 && r.droppedStacks > 0, `env budget applied (${r.bytes.length} bytes)`);
      });
      if (applied) {
        ctx.withEnv?.('WASMPROF_LIVE_SNAPSHOT_MAX_BYTES', 'lots', () => {
          const before = liveDigest(c);
          t.throws(() => c.encodeSnapshot(), /WASMPROF_LIVE_SNAPSHOT_MAX_BYTES must be a whole number/);
          t.deepEqual(liveDigest(c), before, 'nothing collected is lost');
        });
      }
      t.throws(() => c.encodeSnapshot(-1), /whole number of bytes/);
    },
  },
  {
    name: 'snapshot: an address repeated within an owner (crafted) restores like two allocations: the later wins, a conflict is counted',
    run(t, ctx) {
      const c = newCore(ctx);
      const s = stackOf(c, ['dup']);
      c.trackAlloc(1, 0x1000, 5, s, 0);
      c.trackAlloc(1, 0x1001, 7, s, 0);
      const good = c.encodeSnapshot().bytes;
      const first = sections(good).owners[0] + 8;
      const entryLen = 2 + 1 + 1 + 4; // address (2-byte varint), size, time delta, stack index
      const crafted = good.slice();
      crafted.set(good.subarray(first, first + 2), first + entryLen); // second address := first
      for (const target of [newCore(ctx), (() => { const x = newCore(ctx); x.trackAlloc(9, 1, 1, stackOf(x, ['other'])); return x; })()]) {
        t.equal(target.restoreSnapshot(fixChecksum(target, crafted)), 2);
        const mine = target.tables().liveEntries().filter((e) => e.owner === 1);
        t.deepEqual(mine.map((e) => [Number(e.address), e.size]), [[0x1000, 7]], 'one entry, the later one');
        t.deepEqual(target.tables().owners().find((o) => o.owner === 1), { owner: 1, count: 1, bytes: 7 });
        t.equal(target.stats().live.conflicts, 1);
        t.equal(target.liveMismatch(), 0);
      }
    },
  },
  {
    name: 'snapshot: a restore whose linking order does not fit in its input region (7-byte entries) round-trips',
    run(t, ctx) {
      // 9 owners x 122 one-byte addresses, one-byte sizes, equal times: 7 bytes an entry, under the
      // 8 bytes an entry of the linking order, which then takes a region of its own.
      const c = newCore(ctx);
      const s = stackOf(c, ['tiny']);
      for (let o = 1; o <= 9; o++) for (let a = 0; a < 122; a++) c.trackAlloc(o, a, 1 + (a % 100), s, 7);
      const bytes = c.encodeSnapshot().bytes;
      t.ok(bytes.length < 1098 * 8 && bytes.length > 4096, `set-up: ${bytes.length} bytes for 1098 entries`);
      t.deepEqual(liveDigest(restored(t, ctx, bytes)), liveDigest(c));
    },
  },
  {
    name: 'snapshot: repeated addresses in a bulk restore over several table chunks end as separate allocations would',
    run(t, ctx) {
      // A restore into an empty map links in the input region, so a repeated address (crafted)
      // is handled by adding the table's own entries again: check it against the general path
      // (a map that already holds an entry), with repeats early (later chunks still unread).
      const c = newCore(ctx);
      const st = [stackOf(c, ['rep_a']), stackOf(c, ['rep_b'])];
      const n = 3000;
      for (let i = 0; i < n; i++) c.trackAlloc(1, 0x1000 + i * 2, 5 + (i % 100), st[i & 1], 0);
      const good = c.encodeSnapshot().bytes;
      const at: number[] = [];
      let p = sections(good).owners[0] + 8;
      for (let k = 0; k < n; k++) { at.push(p); for (let v = 0; v < 3; v++) { while (good[p] & 0x80) p++; p++; } p += 4; }
      const crafted = good.slice();
      // Entry addresses are 2-byte varints (0x1000 .. 0x1000 + 6000).
      for (const [dst, src] of [[1, 0], [3, 2], [2500, 2], [2999, 1500]]) crafted.set(good.subarray(at[src], at[src] + 2), at[dst]);
      const bytes = fixChecksum(c, crafted);
      const bulk = newCore(ctx);
      t.equal(bulk.restoreSnapshot(bytes), n);
      const general = newCore(ctx);
      general.trackAlloc(9, 1, 1, stackOf(general, ['other']));
      general.restoreSnapshot(bytes);
      general.trackFree(9, 1);
      t.deepEqual(liveDigest(bulk), liveDigest(general), 'same entries, totals and counters as one allocation each');
      t.equal(bulk.stats().live.entries, n - 4);
      t.equal(bulk.stats().live.conflicts, 4);
      t.equal(bulk.liveMismatch(), 0);
      // The map stays usable: every address frees once, and then nothing is left.
      let freed = 0;
      for (let i = 0; i < n; i++) if (bulk.trackFree(1, 0x1000 + i * 2)) freed++;
      t.equal(freed, n - 4);
      t.deepEqual([bulk.stats().live.entries, bulk.tables().owners().length, bulk.tables().liveStacks().length, bulk.liveMismatch()], [0, 0, 0, 0]);
    },
  },
  {
    name: 'snapshot: owner 0xffffffff round-trips when its entry comes first in the live table',
    run(t, ctx) {
      // Owner ids use all 32 bits: 0xffffffff once doubled as the encoder's "no owner yet", and
      // the first entry's bytes were then placed under whichever owner sat at index 0.
      const c = newCore(ctx);
      const s = stackOf(c, ['top_owner']);
      c.trackAlloc(1, 0x10, 100, s);
      c.trackAlloc(1, 0x20, 100, s);
      c.trackAlloc(0xffffffff, 0x30, 5, s);
      c.trackFree(1, 0x10); // the last entry moves into slot 0
      t.equal(c.tables().liveEntries()[0].owner, 0xffffffff, 'set-up: that owner is first');
      t.deepEqual(liveDigest(restored(t, ctx, c.encodeSnapshot().bytes)), liveDigest(c));
    },
  },
  {
    name: 'snapshot: every malformed input is rejected with a clear error and leaves the core untouched',
    run(t, ctx) {
      const src = newCore(ctx);
      buildFixtureState(src);
      const good = src.encodeSnapshot().bytes;
      const c = newCore(ctx);
      const s = stackOf(c, ['pre_existing']);
      c.trackAlloc(3, 0x99, 12, s);
      const E = CoreErrorCode;
      const sec = sections(good);
      t.equal(sec.end, good.length - 8, 'section walker agrees with the encoder');
      // Truncated at every length.
      for (let n = 0; n < good.length; n += n < 60 ? 1 : 5) {
        const b = good.slice(0, n);
        const code = n >= 4 ? E.SnapshotTruncated : E.SnapshotTruncated;
        if (n === 0 || n >= 4) untouched(t, c, b, code, `truncated to ${n}`);
      }
      untouched(t, c, new Uint8Array([...good, 0]), E.SnapshotTrailing, 'one trailing byte');
      untouched(t, c, setU32(good, 0, 0x12345678), E.SnapshotMagic, 'wrong magic');
      untouched(t, c, new TextEncoder().encode('{"not":"a snapshot"}'), E.SnapshotMagic, 'JSON');
      const v2 = good.slice(); v2[4] = 2;
      untouched(t, c, v2, E.SnapshotVersion, 'version 2');
      const flags = good.slice(); flags[6] = 1;
      untouched(t, c, fixChecksum(c, flags), E.SnapshotFlags, 'unknown flags');
      const flipped = good.slice(); flipped[sec.frames[0] + 12] ^= 0x40;
      untouched(t, c, flipped, E.SnapshotChecksum, 'one flipped bit');
      untouched(t, c, fixChecksum(c, setU32(good, 8, 10)), E.SnapshotLength, 'length field below a header');
      untouched(t, c, fixChecksum(c, setU32(good, sec.strings[0], 100000)), E.SnapshotLength, 'string length past the end');
      untouched(t, c, fixChecksum(c, setU32(good, 20, 0x7fffffff)), E.SnapshotCount, 'absurd string count');
      untouched(t, c, fixChecksum(c, setU32(good, 32, 0xffffffff)), E.SnapshotCount, 'absurd owner count');
      untouched(t, c, fixChecksum(c, setU32(good, sec.owners[0] + 4, 0x10000000)), E.SnapshotCount, 'absurd entry count');
      untouched(t, c, fixChecksum(c, setU32(good, sec.frames[1], 999)), E.SnapshotIndex, 'frame names a missing string');
      untouched(t, c, fixChecksum(c, setU32(good, sec.stacks[0] + 4, 77)), E.SnapshotIndex, 'stack names a missing frame');
      untouched(t, c, fixChecksum(c, setU32(good, sec.stacks[0], 0)), E.SnapshotDepth, 'stack of depth 0');
      untouched(t, c, fixChecksum(c, setU32(good, sec.stacks[0], 0x7fffffff)), E.SnapshotDepth, 'absurd depth');
      const dup = setU32(good, sec.owners[1], new DataView(good.buffer).getUint32(sec.owners[0], true));
      untouched(t, c, fixChecksum(c, dup), E.SnapshotDuplicateOwner, 'owner listed twice');
      // An entry's first varint made of 11 continuation bytes: rebuild the tail around it.
      const o0 = sec.owners[0] + 8;
      const bad = new Uint8Array([...good.slice(0, o0), ...new Array(11).fill(0xff), ...good.slice(o0)]);
      untouched(t, c, fixChecksum(c, setU32(bad, 8, bad.length)), E.SnapshotVarint, 'overlong varint');
      // After all that, the core still works and still restores a good snapshot.
      t.equal(c.restoreSnapshot(good), 5);
      t.equal(c.stats().live.entries, 6);
    },
  },
];
