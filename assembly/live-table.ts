// The live-allocation table: (owner, address) -> (stack, size, time), the one table that holds
// a million entries. Unlike table.ts it never doubles and never copies:
//   * entries live in fixed-size chunks (LIVE_CHUNK_ENTRIES each) found through a small
//     directory, so growth adds a chunk, and a chunk emptied by frees goes on a free list that
//     the next growth takes from: after a spike the map reuses its memory instead of bumping
//     past the high-water mark;
//   * the index is linear hashing over chained buckets, themselves in chunks, kept at two
//     buckets per entry (load factor 1/2: a lookup of a new address reads half an entry on
//     average, a hit 1.25; 8 bytes per entry): up to two buckets are split per insert, so the
//     index grows a bucket at a time, without a second copy during growth and without a
//     pause. An empty map can be pre-sized in one step (snapshot restore).
// Entries carry no stored hash (36 bytes): the hash is recomputed from the key when a bucket
// splits or an entry moves, which reads the same cache line the chain walk reads anyway.
//
// Descriptor (T_LIVE, 32 bytes in the header): +0 chunk directory, +4 count, +8 directory
// capacity, +12 chunks in use, +16 bucket-chunk directory, +20 buckets, +24 mask (2^(L+1)-1),
// +28 bucket chunks; LIVE_BDIR_CAP and LIVE_FREE_CHUNKS beside it. All zero = empty (reset).
import { HDR, T_LIVE, LIVE_BDIR_CAP, LIVE_FREE_CHUNKS, hget, hset } from "./layout";
import { arenaAlloc } from "./arena";
import { mix32 } from "./hash";
import { hook, HOOK_TABLE_INSERT, HOOK_TABLE_REMOVE, HOOK_LIVE_CHUNK, HOOK_LIVE_SPLIT, HOOK_LIVE_CHUNK_FREE, HOOK_LIVE_BULK_LINK } from "./hooks";

// Entry layout, shared with the host through sdk/core/layout.generated.ts. Sizes and times are
// f64 holding integers (exact to 2^53), the host's number type; f64 fields are not 8-aligned.
export const LIVE_ENTRY_SIZE: u32 = 36;
export const LIVE_NEXT: usize = 0;          // index+1 of the next entry in the bucket's chain
export const LIVE_OWNER: usize = 4;
export const LIVE_ADDR_LO: usize = 8;
export const LIVE_ADDR_HI: usize = 12;
export const LIVE_STACK: usize = 16;
export const LIVE_SIZE: usize = 20;
export const LIVE_TIME: usize = 28;
/** Entries per chunk; the table view's live pointer is the chunk directory (u32 chunk pointers). */
export const LIVE_CHUNK_ENTRIES: u32 = 1024;

const CHUNK_SHIFT: u32 = 10;
const CHUNK_MASK: u32 = 1023;
const CHUNK_BYTES: usize = 1024 * 36;
const BCHUNK_SHIFT: u32 = 13;       // 8192 buckets (32 KiB) per chunk: fits a CHUNK_BYTES chunk
const BCHUNK_MASK: u32 = 8191;
const MIN_BUCKETS: u32 = 16;

// @ts-ignore: decorator
@inline function d(): usize { return HDR + T_LIVE; }
// @ts-ignore: decorator
@inline export function liveCount(): u32 { return load<u32>(HDR + T_LIVE, 4); }
// @ts-ignore: decorator
@inline export function liveEntry(i: u32): usize {
  return <usize>load<u32>(<usize>load<u32>(HDR + T_LIVE) + (<usize>(i >>> CHUNK_SHIFT) << 2)) + <usize>(i & CHUNK_MASK) * 36;
}
// @ts-ignore: decorator
@inline export function liveHash(owner: u32, lo: u32, hi: u32): u32 { return mix32(lo * 0x9e3779b1 ^ hi * 0x85ebca77 ^ owner * 0xc2b2ae3d); }
// @ts-ignore: decorator
@inline function entryHash(e: usize): u32 { return liveHash(load<u32>(e, LIVE_OWNER), load<u32>(e, LIVE_ADDR_LO), load<u32>(e, LIVE_ADDR_HI)); }
// @ts-ignore: decorator
@inline function bucketSlot(b: u32): usize {
  return <usize>load<u32>(<usize>load<u32>(HDR + T_LIVE, 16) + (<usize>(b >>> BCHUNK_SHIFT) << 2)) + (<usize>(b & BCHUNK_MASK) << 2);
}
/** Linear hashing: the bucket of `h` among the first N buckets. */
// @ts-ignore: decorator
@inline function bucketOf(h: u32): u32 {
  const m = load<u32>(HDR + T_LIVE, 24);
  let b = h & m;
  if (b >= load<u32>(HDR + T_LIVE, 20)) b = h & (m >>> 1);
  return b;
}

/** A chunk from the free list, else fresh from the arena; 0 when memory is exhausted. */
function chunkAlloc(): usize {
  const head = <usize>hget(LIVE_FREE_CHUNKS);
  if (head != 0) { hset(LIVE_FREE_CHUNKS, load<u32>(head)); return head; }
  return arenaAlloc(CHUNK_BYTES);
}

/** Makes slot `i` of a directory (pointer word at d()+ptrOff, capacity word capAddr) exist. */
function dirRoom(ptrOff: usize, capAddr: usize, i: u32): bool {
  const cap = load<u32>(capAddr);
  if (i < cap) return true;
  // Directories are small (a word per chunk): doubling them costs a few KiB at most.
  const ncap: u32 = cap < 16 ? 16 : cap << 1;
  const p = arenaAlloc(<usize>ncap << 2);
  if (p == 0) return false;
  memory.copy(p, <usize>load<u32>(d() + ptrOff), <usize>cap << 2);
  store<u32>(d() + ptrOff, <u32>p);
  store<u32>(capAddr, ncap);
  return true;
}

function ensureEntryChunks(need: u32): bool {
  const want = (need + CHUNK_MASK) >>> CHUNK_SHIFT;
  let have = load<u32>(d(), 12);
  while (have < want) {
    if (!dirRoom(0, d() + 8, have)) return false;
    const c = chunkAlloc();
    if (c == 0) return false;
    store<u32>(<usize>load<u32>(d()) + (<usize>have << 2), <u32>c);
    hook(HOOK_LIVE_CHUNK);
    have++;
    store<u32>(d(), have, 12);
  }
  return true;
}

function ensureBucketChunks(buckets: u32): bool {
  const want = (buckets + BCHUNK_MASK) >>> BCHUNK_SHIFT;
  let have = load<u32>(d(), 28);
  while (have < want) {
    if (!dirRoom(16, HDR + LIVE_BDIR_CAP, have)) return false;
    const c = chunkAlloc();
    if (c == 0) return false;
    memory.fill(c, 0, <usize>(BCHUNK_MASK + 1) << 2);
    store<u32>(<usize>load<u32>(d(), 16) + (<usize>have << 2), <u32>c);
    hook(HOOK_LIVE_CHUNK);
    have++;
    store<u32>(d(), have, 28);
  }
  return true;
}

/** Room for `extra` more entries (chunks and buckets), so that that many inserts cannot fail.
 *  An empty map takes its whole index at once. */
export function liveTableReserve(extra: u32): bool {
  const count = liveCount();
  const need = count + extra;
  if (need < count) return false;
  if (need > 0x7ffffff0) return false;
  let n = load<u32>(d(), 20);
  const target = need << 1 > n ? need << 1 : n;
  if (!ensureEntryChunks(need) || !ensureBucketChunks(target < MIN_BUCKETS ? MIN_BUCKETS : target)) return false;
  if (n == 0 || (count == 0 && need > n)) {
    // No entries: any bucket count is valid, and every bucket is empty (zeroed chunks, or
    // chains emptied by frees).
    n = need << 1 < MIN_BUCKETS ? MIN_BUCKETS : need << 1;
    let m: u32 = MIN_BUCKETS - 1;
    while (m < n) m = (m << 1) | 1;   // 2^(L+1) - 1 with 2^L <= n < 2^(L+1)
    store<u32>(d(), m, 24);
    store<u32>(d(), n, 20);
  }
  return true;
}

/** Adds bucket N by splitting bucket N - 2^L: its entries whose hash has bit L go to the new one. */
function split(): void {
  const n = load<u32>(d(), 20), m = load<u32>(d(), 24);
  let link = bucketSlot(n & (m >>> 1));
  let tail = bucketSlot(n);
  let cur = load<u32>(link);
  let moved = 0;
  while (cur != 0) {
    const e = liveEntry(cur - 1);
    const next = load<u32>(e, LIVE_NEXT);
    if ((entryHash(e) & m) == n) {
      store<u32>(link, next);
      store<u32>(e, 0, LIVE_NEXT);
      store<u32>(tail, cur);
      tail = e;
      if (moved++ == 0) hook(HOOK_LIVE_SPLIT);
    } else {
      link = e;
    }
    cur = next;
  }
  store<u32>(d(), n + 1, 20);
  if (n + 1 == m + 1) store<u32>(d(), (m << 1) | 1, 24);
}

/** Index of the entry for (owner, address), or -1. */
export function liveTableFind(owner: u32, lo: u32, hi: u32, hash: u32): i32 {
  if (load<u32>(d(), 20) == 0) return -1;
  let i = load<u32>(bucketSlot(bucketOf(hash)));
  while (i != 0) {
    const e = liveEntry(i - 1);
    if (load<u32>(e, LIVE_ADDR_LO) == lo && load<u32>(e, LIVE_ADDR_HI) == hi && load<u32>(e, LIVE_OWNER) == owner) return <i32>(i - 1);
    i = load<u32>(e, LIVE_NEXT);
  }
  return -1;
}

/** Appends and links an entry; room must have been reserved (liveTableReserve). */
export function liveTableAppend(owner: u32, lo: u32, hi: u32, hash: u32, stack: u32, size: f64, time: f64): u32 {
  const count = liveCount();
  // Two buckets per entry: room for this one (reserved: at most two splits).
  while ((count + 1) << 1 > load<u32>(d(), 20)) split();
  const e = liveEntry(count);
  store<u32>(e, owner, LIVE_OWNER); store<u32>(e, lo, LIVE_ADDR_LO); store<u32>(e, hi, LIVE_ADDR_HI);
  store<u32>(e, stack, LIVE_STACK); store<f64>(e, size, LIVE_SIZE); store<f64>(e, time, LIVE_TIME);
  const slot = bucketSlot(bucketOf(hash));
  store<u32>(e, load<u32>(slot), LIVE_NEXT);
  hook(HOOK_TABLE_INSERT);
  store<u32>(slot, count + 1);
  store<u32>(d(), count + 1, 4);
  return count;
}

// --- bulk load (snapshot restore into an empty map) ---
// Linking entries one by one into a million-bucket index writes a random bucket per entry, a
// cache (and TLB) miss each: most of a restore's time. The bulk load appends the entries first
// (sequential writes), then sorts (hash, index) pairs by slice of LINK_SLICE buckets (a
// counting pass and a scatter pass over the entries, in order), and links slice by slice: the
// bucket words and the duplicate filter of one slice (192 KiB) stay in the processor's
// second-level cache while its entries are linked, the pairs are read in order, and the only
// other access is the store of each entry's chain link (a store does not wait for its cache
// line). Within a slice the entries come in index order, so the chains come out exactly as
// one-by-one appends would make them.

/** Buckets per slice: 128 KiB of bucket words, plus 64 KiB of duplicate filter. */
export const LINK_SLICE: u32 = 1 << 15;
const LINK_SHIFT: u32 = 15;

// @ts-ignore: decorator
@inline function sliceCount(buckets: u32): u32 { return (buckets + LINK_SLICE - 1) >>> LINK_SHIFT; }

/** Scratch bytes liveTableLinkAll needs besides the order array (two words per entry) for a map
 *  pre-sized for `entries` (two buckets each): the duplicate filter of one slice (16 bits per
 *  bucket) and a counter per slice. */
export function linkScratchBytes(entries: u32): u32 {
  const b: u64 = <u64>entries * 2 < <u64>MIN_BUCKETS ? <u64>MIN_BUCKETS : <u64>entries * 2;
  const buckets = b > 0xffffffff ? 0xffffffff : <u32>b;
  const filter = buckets < LINK_SLICE ? buckets * 2 : LINK_SLICE * 2;
  return filter + ((sliceCount(buckets) + 1) << 2);
}

/** Appends an entry without linking it (room reserved; liveTableLinkAll links it later): its
 *  hash goes to word `index` of `nexts` (read back by the linking, which then overwrites it with
 *  the chain link) and its slice's counter (liveSliceCounts) goes up by one. */
// @ts-ignore: decorator
@inline export function liveTableAppendUnlinked(owner: u32, lo: u32, hi: u32, stack: u32, size: f64, time: f64, nexts: usize, counts: usize): void {
  const count = liveCount();
  const e = liveEntry(count);
  store<u32>(e, 0, LIVE_NEXT);
  store<u32>(e, owner, LIVE_OWNER); store<u32>(e, lo, LIVE_ADDR_LO); store<u32>(e, hi, LIVE_ADDR_HI);
  store<u32>(e, stack, LIVE_STACK); store<f64>(e, size, LIVE_SIZE); store<f64>(e, time, LIVE_TIME);
  store<u32>(d(), count + 1, 4);
  const h = liveHash(owner, lo, hi);
  store<u32>(nexts + (<usize>count << 2), h);
  const sc = counts + (<usize>(bucketIn(h, load<u32>(d(), 20), load<u32>(d(), 24)) >>> LINK_SHIFT) << 2);
  store<u32>(sc, load<u32>(sc) + 1);
}

// @ts-ignore: decorator
@inline function bucketIn(h: u32, n: u32, m: u32): u32 { const b = h & m; return b >= n ? h & (m >>> 1) : b; }

/**
 * Links every entry of a map whose entries were all added with liveTableAppendUnlinked into
 * its (empty, pre-sized) index, the entries of each slice counted while they were appended
 * (liveSliceCounts, in the same scratch). order is two words per entry of scratch, nexts one
 * word per entry holding each entry's hash (liveTableAppendUnlinked), scratch linkScratchBytes(entries) more. The chain links are collected in
 * nexts (4 bytes an entry: random writes that stay in the processor's cache, where the entries
 * themselves are 36) and written into the entries in one pass in entry order at the end.
 * Returns false, part way, if two entries have the same key (only a crafted snapshot has
 * that; the entries' links are then still unset): the caller then clears the table with
 * liveTableClear.
 */
export function liveTableLinkAll(order: usize, scratch: usize, nexts: usize): bool {
  const count = liveCount();
  const n = load<u32>(d(), 20);
  const slices = sliceCount(n);
  const filterBytes = n < LINK_SLICE ? n * 2 : LINK_SLICE * 2;
  const filter = scratch, pos = scratch + filterBytes;
  // pos[s + 1] holds slice s's count: make pos[s] where slice s starts in order.
  const chunks = (count + CHUNK_MASK) >>> CHUNK_SHIFT;
  for (let s: u32 = 1; s < slices; s++) store<u32>(pos + (<usize>(s + 1) << 2), load<u32>(pos + (<usize>(s + 1) << 2)) + load<u32>(pos + (<usize>s << 2)));
  // In calls of LINK_CHUNKS chunks (and from two call sites, so that each stays a function of
  // its own): V8 switches a call to optimized code only when it starts, so a long restore in
  // a fresh process gets out of the baseline tier early instead of running all of it there.
  let c: u32 = 0;
  while (chunks - c > LINK_CHUNKS) { sliceChunks(order, pos, nexts, c, c + LINK_CHUNKS); c += LINK_CHUNKS; }
  sliceChunks(order, pos, nexts, c, chunks);
  // pos[s] is now where slice s ends (and s + 1 starts). The first slice is linked from a call
  // site of its own, so that linkSlice stays a function (one call per slice, see above).
  memory.fill(filter, 0, <usize>filterBytes);
  if (!linkSlice(order, filter, nexts, 0, 0, load<u32>(pos))) return false;
  for (let s: u32 = 1; s < slices; s++) {
    memory.fill(filter, 0, <usize>filterBytes);
    if (!linkSlice(order, filter, nexts, s << LINK_SHIFT, load<u32>(pos + (<usize>(s - 1) << 2)), load<u32>(pos + (<usize>s << 2)))) return false;
  }
  c = 0;
  while (chunks - c > LINK_CHUNKS) { setNexts(nexts, c, c + LINK_CHUNKS); c += LINK_CHUNKS; }
  setNexts(nexts, c, chunks);
  return true;
}

/** Over entry chunks [c0, c1): each entry's chain link from nexts. */
function setNexts(nexts: usize, c0: u32, c1: u32): void {
  const count = liveCount();
  const dir = <usize>load<u32>(d());
  for (let c = c0; c < c1; c++) {
    const first = c << CHUNK_SHIFT;
    let e = <usize>load<u32>(dir + (<usize>c << 2));
    const k1 = count - first < LIVE_CHUNK_ENTRIES ? count - first : LIVE_CHUNK_ENTRIES;
    let x = nexts + (<usize>first << 2);
    for (let k: u32 = 0; k < k1; k++) {
      store<u32>(e, load<u32>(x), LIVE_NEXT);
      if ((k & 7) == 0) hook(HOOK_LIVE_BULK_LINK);
      e += 36; x += 4;
    }
  }
}

const LINK_CHUNKS: u32 = 64;

/**
 * Before a bulk load's appends (the index pre-sized): zeroes the per-slice counters in
 * `scratch` (as given to liveTableLinkAll) and returns where the counter of slice 0 is; each
 * appended entry with hash h adds 1 at that address + (liveSliceOf(h) << 2). Counting while
 * appending, where the key is at hand, saves the link a pass over every entry.
 */
export function liveSliceCounts(scratch: usize): usize {
  const n = load<u32>(d(), 20);
  const pos = scratch + (n < LINK_SLICE ? n * 2 : LINK_SLICE * 2);
  memory.fill(pos, 0, <usize>(sliceCount(n) + 1) << 2);
  return pos + 4;
}
/** Over entry chunks [c0, c1): writes each entry's (hash, index) at its slice's next place in
 *  order (pos[s] is slice s's next place), the hashes read from nexts (4 bytes an entry, where
 *  the entries themselves are 36). */
function sliceChunks(order: usize, pos: usize, nexts: usize, c0: u32, c1: u32): void {
  const count = liveCount();
  const n = load<u32>(d(), 20), m = load<u32>(d(), 24);
  const i1 = c1 << CHUNK_SHIFT < count ? c1 << CHUNK_SHIFT : count;
  for (let i = c0 << CHUNK_SHIFT; i < i1; i++) {
    const h = load<u32>(nexts + (<usize>i << 2));
    const p = pos + (<usize>(bucketIn(h, n, m) >>> LINK_SHIFT) << 2);
    const at = load<u32>(p);
    const q = order + (<usize>at << 3);
    store<u32>(q, h); store<u32>(q, i, 4);
    store<u32>(p, at + 1);
  }
}

/** Links the entries order[from..to) (in index order), whose buckets are in [lo, lo +
 *  LINK_SLICE). False on a repeated key. */
function linkSlice(order: usize, filter: usize, nexts: usize, lo: u32, from: u32, to: u32): bool {
  const n = load<u32>(d(), 20), m = load<u32>(d(), 24);
  for (let k = from; k < to; k++) {
    const q = order + (<usize>k << 3);
    const h = load<u32>(q), i = load<u32>(q, 4);
    const b = bucketIn(h, n, m);
    // 16 filter bits per bucket, picked by the hash's top bits (independent of the bucket):
    // a set bit means "maybe a key seen before", and only then is the chain compared.
    const bit = ((b - lo) << 4) | (h >>> 28);
    const fb = filter + <usize>(bit >>> 3);
    const byte = <u32>load<u8>(fb);
    const slot = bucketSlot(b);
    if ((byte & (1 << (bit & 7))) != 0) {
      const e = liveEntry(i);
      const owner = load<u32>(e, LIVE_OWNER), alo = load<u32>(e, LIVE_ADDR_LO), ahi = load<u32>(e, LIVE_ADDR_HI);
      let j = load<u32>(slot);
      while (j != 0) {
        const o = liveEntry(j - 1);
        if (load<u32>(o, LIVE_ADDR_LO) == alo && load<u32>(o, LIVE_ADDR_HI) == ahi && load<u32>(o, LIVE_OWNER) == owner) return false;
        j = load<u32>(nexts + (<usize>(j - 1) << 2));
      }
    } else {
      store<u8>(fb, <u8>(byte | (1 << (bit & 7))));
    }
    store<u32>(nexts + (<usize>i << 2), load<u32>(slot));
    if ((k & 7) == 0) hook(HOOK_LIVE_BULK_LINK);
    store<u32>(slot, i + 1);
  }
  return true;
}

/** Empties the map, keeping its chunks and index size (every bucket zeroed): for undoing a
 *  bulk load into a map that was empty. O(entries + buckets). */
export function liveTableClear(): void {
  const n = load<u32>(d(), 20);
  const bchunks = (n + BCHUNK_MASK) >>> BCHUNK_SHIFT;
  for (let c: u32 = 0; c < bchunks; c++) memory.fill(<usize>load<u32>(<usize>load<u32>(d(), 16) + (<usize>c << 2)), 0, <usize>(BCHUNK_MASK + 1) << 2);
  store<u32>(d(), 0, 4);
}

/** While set (only during a replay of the table's own entries, see restore in snapshot-decode.ts),
 *  removals keep every chunk: the chunks past the replay's position hold entries not yet read. */
let keepChunks = false;
export function liveTableKeepChunks(on: bool): void { keepChunks = on; }

/** Address of the link (bucket slot or next field) that points at entry idx. */
function linkTo(idx: u32): usize {
  let link = bucketSlot(bucketOf(entryHash(liveEntry(idx))));
  let cur = load<u32>(link);
  while (cur != 0 && cur != idx + 1) { link = liveEntry(cur - 1); cur = load<u32>(link); }
  return cur == 0 ? 0 : link;
}

/** Removes entry idx; the last entry moves into its place (ids stay dense). A chunk left empty
 *  beyond one spare goes back on the free list. Returns the old index of the moved entry or -1. */
export function liveTableRemove(idx: u32): i32 {
  const count = liveCount();
  const e = liveEntry(idx);
  const link = linkTo(idx);
  if (link != 0) store<u32>(link, load<u32>(e, LIVE_NEXT));
  hook(HOOK_TABLE_REMOVE);
  const last = count - 1;
  let moved: i32 = -1;
  if (idx != last) {
    const lastLink = linkTo(last);
    memory.copy(e, liveEntry(last), <usize>LIVE_ENTRY_SIZE);
    if (lastLink != 0) store<u32>(lastLink, idx + 1);
    moved = <i32>last;
  }
  store<u32>(d(), last, 4);
  // Keep one empty chunk as a spare so that alloc/free around a boundary does not churn.
  const chunks = load<u32>(d(), 12);
  if (!keepChunks && chunks > ((last + CHUNK_MASK) >>> CHUNK_SHIFT) + 1) {
    const slot = <usize>load<u32>(d()) + (<usize>(chunks - 1) << 2);
    const c = <usize>load<u32>(slot);
    store<u32>(d(), chunks - 1, 12);
    hook(HOOK_LIVE_CHUNK_FREE);
    store<u32>(c, hget(LIVE_FREE_CHUNKS));
    hset(LIVE_FREE_CHUNKS, <u32>c);
  }
  return moved;
}
