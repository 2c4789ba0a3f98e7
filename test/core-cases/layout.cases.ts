// The generated layout (sdk/core/layout.generated.ts) against the built core itself: every
// number the SDK reads memory or calls exports with is checked here against what core.wasm
// actually does, by writing known values through the exports and reading raw memory back with
// the generated offsets (never through CoreTables, which uses the same constants and so could
// not notice). test/core/layout.test.ts checks the generated file against the sources.
import { Core, CoreErrorCode, Stat, SamplerState, LiveEventKind, type CoreExports } from '../../sdk/core.js';
import * as L from '../../sdk/core/layout.generated.js';
import type { CoreCase } from './harness.js';
import { newCore, frame, stackNames } from './util.js';

const u32 = (c: Core, at: number) => new DataView(c.raw.memory.buffer).getUint32(at, true);
const i32 = (c: Core, at: number) => new DataView(c.raw.memory.buffer).getInt32(at, true);
const f64 = (c: Core, at: number) => new DataView(c.raw.memory.buffer).getFloat64(at, true);

/** (entries pointer, count) of table `tv` from the core's table view. */
function table(c: Core, tv: number): { at: (i: number, size: number) => number; count: number } {
  const view = c.raw.tablesView();
  const ptr = u32(c, view + tv * 8), count = u32(c, view + tv * 8 + 4);
  return { at: (i, size) => ptr + i * size, count };
}

function stringAt(c: Core, id: number): string {
  const e = table(c, L.TV_STRINGS).at(id, L.STRING_ENTRY_SIZE);
  const bytes = u32(c, c.raw.tablesView() + L.TV_STRING_BYTES * 4);
  const off = u32(c, e + L.STRING_OFFSET), len = u32(c, e + L.STRING_LENGTH);
  return new TextDecoder().decode(new Uint8Array(c.raw.memory.buffer, bytes + off, len));
}

const values = (o: Record<string, number>) => Object.values(o).sort((a, b) => a - b);

export const cases: CoreCase[] = [
  {
    name: 'layout: the release core imports nothing; the debug core only env.checkpoint',
    run(t, ctx) {
      t.deepEqual(WebAssembly.Module.imports(ctx.module), []);
      t.deepEqual(WebAssembly.Module.imports(ctx.debugModule), [{ module: 'env', name: 'checkpoint', kind: 'function' }]);
    },
  },
  {
    name: 'layout: stat ids are dense, all known to the core, and mean what their names say',
    run(t, ctx) {
      const c = newCore(ctx, { frameCacheCapacity: 77 });
      const ids = values(Stat);
      t.deepEqual(ids, ids.map((_, i) => i), 'ids 0..n-1, none missing');
      t.ok(ids.every((id) => c.raw.stat(id) >= 0), 'the core answers every id');
      t.equal(c.raw.stat(ids.length), -1, 'and no id past the last');
      t.equal(c.raw.stat(Stat.frameCacheCapacity), 77);
      t.equal(c.raw.stat(Stat.pid), 100);
      t.equal(c.raw.stat(Stat.arenaBase), L.HDR + L.HDR_SIZE, 'the arena starts right after the header');
      t.equal(c.raw.abortSlot(), L.ABORT_SLOT);
      t.equal(c.raw.stat(Stat.state), SamplerState.stopped);
      c.startSampling();
      t.equal(c.raw.stat(Stat.state), SamplerState.running);
      t.equal(c.raw.stat(Stat.startedEver), 1);
      c.failSampling(9);
      t.equal(c.raw.stat(Stat.state), SamplerState.errored);
      c.internString('abcd');
      t.deepEqual([c.raw.stat(Stat.strings), c.raw.stat(Stat.stringBytes)], [1, 4]);
    },
  },
  {
    name: 'layout: string, frame and trie entries read back raw at the generated offsets',
    run(t, ctx) {
      const c = newCore(ctx);
      const f0 = c.internFrame({ name: 'first', file: 'one.js', mapping: 'lib.so', line: 12345, column: -7 });
      const f1 = c.internFrame({ name: 'second', file: 'two.js', mapping: '', line: -1, column: 99 });
      const frames = table(c, L.TV_FRAMES);
      t.equal(frames.count, 2);
      const e1 = frames.at(f1, L.FRAME_ENTRY_SIZE);
      t.deepEqual([stringAt(c, u32(c, e1 + L.FRAME_NAME)), stringAt(c, u32(c, e1 + L.FRAME_FILE)), stringAt(c, u32(c, e1 + L.FRAME_MAPPING)),
        i32(c, e1 + L.FRAME_LINE), i32(c, e1 + L.FRAME_COLUMN)], ['second', 'two.js', '', -1, 99], 'second frame at one entry size');
      const e0 = frames.at(f0, L.FRAME_ENTRY_SIZE);
      t.deepEqual([stringAt(c, u32(c, e0 + L.FRAME_MAPPING)), i32(c, e0 + L.FRAME_LINE), i32(c, e0 + L.FRAME_COLUMN)], ['lib.so', 12345, -7]);
      const root = c.pushStack(0, f0), leaf = c.pushStack(root, f1);
      const leafEntry = table(c, L.TV_STACKS).at(leaf - 1, L.TRIE_ENTRY_SIZE);
      t.deepEqual([u32(c, leafEntry + L.TRIE_PARENT), u32(c, leafEntry + L.TRIE_ITEM_A), u32(c, leafEntry + L.TRIE_ITEM_B), u32(c, leafEntry + L.TRIE_DEPTH)],
        [root, f1, 0, 2], 'stack node: parent, frame, no second item, depth');
      const labels = c.internLabels({ k: 'v' });
      const le = table(c, L.TV_LABELS).at(labels - 1, L.TRIE_ENTRY_SIZE);
      t.deepEqual([stringAt(c, u32(c, le + L.TRIE_ITEM_A)), stringAt(c, u32(c, le + L.TRIE_ITEM_B))], ['k', 'v'], 'label node: key, value');
    },
  },
  {
    name: 'layout: samples, batch records, live, owner and aggregate entries at the generated offsets',
    run(t, ctx) {
      const c = newCore(ctx);
      const s = c.internStack([c.internFrame(frame('x'))]);
      c.addSample(3, s, 0, 11, 22, 33, -44);
      // Dense cells: TV_SAMPLE_SLOTS of them, each in use (a scan skips stack 0 all the same).
      const slots = u32(c, c.raw.tablesView() + L.TV_SAMPLE_SLOTS * 4);
      const occupied = Array.from({ length: slots }, (_, i) => table(c, L.TV_SAMPLES).at(i, L.SAMPLE_ENTRY_SIZE)).filter((at) => u32(c, at + L.SAMPLE_STACK) !== 0);
      t.equal(occupied.length, 1, 'one occupied slot');
      t.equal(table(c, L.TV_SAMPLES).count, 1, 'and a cell count of 1');
      const se = occupied[0];
      t.deepEqual([u32(c, se + L.SAMPLE_KIND), u32(c, se + L.SAMPLE_STACK), u32(c, se + L.SAMPLE_LABELS)], [3, s, 0]);
      t.deepEqual([0, 1, 2, 3].map((j) => f64(c, se + L.SAMPLE_VALUES + j * 8)), [11, 22, 33, -44], 'values are f64 sums');
      // A batch of columns written by hand, not through addSamples(): v0, v1 (f64), stacks, labels (u32).
      const raw: CoreExports = c.raw;
      const ptr = raw.stagingBuffer(2 * 24);
      const dv = new DataView(raw.memory.buffer);
      for (let i = 0; i < 2; i++) {
        dv.setFloat64(ptr + i * 8, 100 + i, true); dv.setFloat64(ptr + 16 + i * 8, 7, true);
        dv.setUint32(ptr + 32 + i * 4, s, true); dv.setUint32(ptr + 40 + i * 4, 0, true);
      }
      t.equal(raw.sampleAddColumns(5, ptr + 32, ptr + 40, ptr, ptr + 16, 0, 0, 2), 2);
      t.deepEqual(c.tables().samples(5).map((r) => r.values), [[201, 14, 0, 0]], 'both records summed into one cell');
      c.trackAlloc(9, 0x1_2345_6789n, 640, s, 1234);
      // The live table is chunked: its view pointer is the chunk directory.
      const le = u32(c, table(c, L.TV_LIVE).at(0, 4));
      t.deepEqual([u32(c, le + L.LIVE_OWNER), u32(c, le + L.LIVE_ADDR_LO), u32(c, le + L.LIVE_ADDR_HI), u32(c, le + L.LIVE_STACK),
        f64(c, le + L.LIVE_SIZE), f64(c, le + L.LIVE_TIME)], [9, 0x2345_6789, 1, s, 640, 1234]);
      c.trackAlloc(9, 0x10, 60, s);
      c.trackAlloc(8, 0x10, 1, s);
      const oe = table(c, L.TV_OWNERS).at(0, L.OWNER_ENTRY_SIZE);
      t.deepEqual([u32(c, oe + L.OWNER_ID), u32(c, oe + L.OWNER_COUNT), f64(c, oe + L.OWNER_BYTES)], [9, 2, 700]);
      t.equal(u32(c, table(c, L.TV_OWNERS).at(1, L.OWNER_ENTRY_SIZE) + L.OWNER_ID), 8, 'second owner one entry further');
      const ae = table(c, L.TV_AGG).at(0, L.AGG_ENTRY_SIZE);
      t.deepEqual([u32(c, ae + L.AGG_OWNER), u32(c, ae + L.AGG_STACK), u32(c, ae + L.AGG_COUNT), f64(c, ae + L.AGG_BYTES)], [9, s, 2, 700]);
    },
  },
  {
    name: 'layout: a capture written by hand with the CAP_* record layout commits to the right stack',
    run(t, ctx) {
      const c = newCore(ctx);
      c.startSampling();
      c.storeFrame(5, 0, frame('cached'));
      const raw = c.raw;
      const buf = raw.bufferAcquire();
      let p = buf + L.BUF_HEADER;
      const dv = new DataView(raw.memory.buffer);
      const mem = new Uint8Array(raw.memory.buffer);
      // Leaf: full record with an odd-length name, so the next record needs the alignment.
      const name = new TextEncoder().encode('leaf1'), file = new TextEncoder().encode('f.js');
      dv.setUint32(p + L.CAP_KEY_LO, 1, true); dv.setUint32(p + L.CAP_KEY_HI, 0, true);
      dv.setInt32(p + L.CAP_LINE, 3, true); dv.setInt32(p + L.CAP_COLUMN, 4, true);
      dv.setUint32(p + L.CAP_NAME_LEN, name.length, true); dv.setUint32(p + L.CAP_FILE_LEN, file.length, true); dv.setUint32(p + L.CAP_MAPPING_LEN, 0, true);
      mem.set(name, p + L.CAP_HEAD); mem.set(file, p + L.CAP_HEAD + name.length);
      p = (p + L.CAP_HEAD + name.length + file.length + L.CAP_ALIGN - 1) & ~(L.CAP_ALIGN - 1);
      // Root: key only, resolved through the cache.
      dv.setUint32(p + L.CAP_KEY_LO, 5, true); dv.setUint32(p + L.CAP_KEY_HI, 0, true);
      dv.setUint32(p + L.CAP_NAME_LEN, L.CAP_KEY_ONLY, true);
      p += L.CAP_HEAD;
      const h = raw.captureCommit(buf, 2, p - (buf + L.BUF_HEADER), 0, 0, 1, 0, 0, 0);
      t.ok(h > 0, `committed (${h})`);
      t.deepEqual(stackNames(c, h), ['leaf1', 'cached']);
      const leaf = c.tables().frame(c.tables().stackLeaf(h));
      t.deepEqual([leaf.file, leaf.line, leaf.column], ['f.js', 3, 4]);
      t.equal(c.stats().pool.out, 0, 'buffer released');
    },
  },
  {
    name: 'layout: error codes and section details are the ones the core returns',
    run(t, ctx) {
      const bare = new WebAssembly.Instance(ctx.module, {}).exports as unknown as CoreExports;
      t.equal(bare.stringIntern(0, 0), -CoreErrorCode.NotConfigured, 'unconfigured');
      const c = newCore(ctx);
      t.equal(c.raw.frameIntern(999, 0, 0, 0, 0), -CoreErrorCode.BadHandle);
      t.equal(c.raw.lastError(), CoreErrorCode.BadHandle, 'lastError keeps the code');
      t.equal(c.raw.sampleAdd(0, 0, 0, 0.5, 0, 0, 0), -CoreErrorCode.BadHandle, 'stack 0 is not a sample stack');
      const s = c.internStack([c.internFrame(frame('y'))]);
      t.equal(c.raw.sampleAdd(0, s, 0, 0.5, 0, 0, 0), -CoreErrorCode.BadArgument, 'non-integer value');
      t.equal(c.raw.snapshotEncode(L.SNAP_HEADER + L.SNAP_CHECKSUM - 1), -CoreErrorCode.SnapshotBudget);
      const restore = (bytes: Uint8Array) => {
        const ptr = c.raw.snapshotInput(bytes.length);
        new Uint8Array(c.raw.memory.buffer).set(bytes, ptr);
        return c.raw.snapshotRestore(bytes.length);
      };
      const good = c.encodeSnapshot().bytes;
      t.equal(good.length, L.SNAP_HEADER + L.SNAP_CHECKSUM, 'the empty snapshot is a header and a checksum');
      t.equal(restore(good.slice(0, 10)), -CoreErrorCode.SnapshotTruncated);
      t.equal(restore(new Uint8Array([1, 2, 3, 4, 5])), -CoreErrorCode.SnapshotMagic);
      const flags = good.slice(); flags[L.SNAP_H_FLAGS] = 1;
      t.equal(restore(flags), -CoreErrorCode.SnapshotFlags);
      const version = good.slice(); version[L.SNAP_H_VERSION] = L.SNAP_VERSION + 1;
      t.equal(restore(version), -CoreErrorCode.SnapshotVersion);
      const short = good.slice(); new DataView(short.buffer).setUint32(L.SNAP_H_LENGTH, 8, true);
      t.equal(restore(short), -CoreErrorCode.SnapshotLength, 'length below a header');
      t.deepEqual([c.raw.lastErrorDetail(), c.raw.lastErrorDetail2()], [L.SnapshotSection.header, 8], 'names the header section');
      const sum = good.slice(); sum[L.SNAP_HEADER] ^= 1;
      t.equal(restore(sum), -CoreErrorCode.SnapshotChecksum);
      t.equal(restore(new Uint8Array([...good, 0])), -CoreErrorCode.SnapshotTrailing);
      c.beginLiveExport();
      t.equal(restore(good), -CoreErrorCode.LiveExporting);
      c.endLiveExport();
      t.equal(restore(good), 0, 'and the good one still restores');
    },
  },
  {
    name: 'layout: snapshot header fields sit at the generated offsets',
    run(t, ctx) {
      const c = newCore(ctx);
      const s = c.internStack([c.internFrame({ name: 'n', file: 'f', mapping: '', line: 1, column: 2 })]);
      c.trackAlloc(4, 0x40, 8, s, 5000);
      const b = c.encodeSnapshot().bytes;
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      t.equal(dv.getUint32(L.SNAP_H_MAGIC, true), L.SNAP_MAGIC);
      t.equal(dv.getUint16(L.SNAP_H_VERSION, true), L.SNAP_VERSION);
      t.equal(dv.getUint16(L.SNAP_H_FLAGS, true), 0);
      t.equal(dv.getUint32(L.SNAP_H_LENGTH, true), b.length);
      t.equal(Number(dv.getBigInt64(L.SNAP_H_TIME_BASE, true)), 5000);
      t.deepEqual([L.SNAP_H_STRINGS, L.SNAP_H_FRAMES, L.SNAP_H_STACKS, L.SNAP_H_OWNERS].map((o) => dv.getUint32(o, true)), [2, 1, 1, 1]);
      const f = L.SNAP_HEADER + (4 + 1) + (4 + 1); // after the strings "n" and "f"
      t.deepEqual([dv.getUint32(f + L.SNAP_F_MAPPING, true), dv.getInt32(f + L.SNAP_F_LINE, true), dv.getInt32(f + L.SNAP_F_COLUMN, true)],
        [L.SNAP_NONE, 1, 2], 'frame record: empty mapping, line, column');
      t.equal(f + L.SNAP_FRAME_BYTES + 8 + 8 + 7 + L.SNAP_CHECKSUM, b.length, 'then one stack of depth 1, one owner header, one 7-byte entry');
    },
  },
  {
    name: 'layout: event kinds and hook ids are the ones the core knows',
    run(t, ctx) {
      const c = newCore(ctx);
      const s = c.internStack([c.internFrame(frame('z'))]);
      const kinds = values(LiveEventKind);
      t.deepEqual(kinds, kinds.map((_, i) => i + 1), 'kinds 1..n');
      for (const k of kinds) c.liveEvent(k as LiveEventKind, 1, 0, 0x100 + k * 16, 8, s);
      t.deepEqual([c.stats().live.entries, c.stats().live.unmatchedFrees], [5, 3],
        'alloc, realloc, mmapAnonymous, mremap and shmAttach add; free, munmap and shmDetach free; mmapFile and brk are ignored');
      t.throws(() => c.liveEvent((kinds.length + 1) as LiveEventKind, 1, 0, 0x10, 8, s), /invalid argument/, 'the next kind is unknown');
      let max = 0;
      const seen = new Set<number>();
      const d = Core.instantiate(ctx.debugModule, { frameCacheCapacity: 2 }, { onCheckpoint: (id) => { seen.add(id); max = Math.max(max, id); } });
      d.startSampling();
      for (let i = 0; i < 40; i++) {
        d.storeFrame(i % 5, 0, frame(`h${i % 5}`));
        d.lookupFrame((i + 1) % 5, 0);
        const cap = d.beginCapture();
        cap?.push(i % 3, 0, () => frame(`c${i % 3}`));
        const h = cap?.commit(0, 0, 1, 2) ?? 0;
        d.trackAlloc(1, i * 8, 8, h);
        if (i % 2) d.trackFree(1, (i - 1) * 8);
      }
      // Enough allocations for several live-table chunks, then frees that return them.
      const h = d.internStack([d.internFrame(frame('burst'))]);
      for (let i = 0; i < 3 * L.LIVE_CHUNK_ENTRIES; i++) d.trackAlloc(2, i * 8, 8, h);
      for (let i = 0; i < 3 * L.LIVE_CHUNK_ENTRIES; i++) d.trackFree(2, i * 8);
      for (let kind = 0; kind < 40; kind++) d.addSample(kind, h, 0, 1); // past half of the first slots: the sample table grows
      // A restore into an empty map takes the bulk load.
      const src = Core.instantiate(ctx.module, { frameCacheCapacity: 2 });
      const sh = src.internStack([src.internFrame(frame('bulk'))]);
      for (let i = 0; i < 100; i++) src.trackAlloc(1, i * 8, 8, sh);
      d.clearOwner(1);
      d.restoreSnapshot(src.encodeSnapshot().bytes);
      t.ok([...seen].every((id) => id >= 1 && id <= L.HOOK_LAST), `every checkpoint id is in 1..HOOK_LAST (${[...seen].sort((a, b) => a - b)})`);
      t.equal(max, L.HOOK_LAST, 'and the last one is HOOK_LAST');
    },
  },
];
