// Snapshot decoder (the format is in snapshot-format.ts). Nothing in the input is trusted:
// validate() checks every byte first, restore() then reserves everything the snapshot can add
// and only after that inserts, so a rejected or unfittable snapshot leaves the core untouched.
import { T_STACKS, T_FRAMES, T_OWNERS, T_AGG, IO_TMP_PTR, IO_TMP_CAP, IO_IN_PTR, IO_IN_CAP, IO_ACC_PTR,
         IO_ACC_CAP, IO_SORT_PTR, IO_SORT_CAP, LIVE_EXPORTING, LIVE_TRACKED, BUMP, hget, hgetf, hsetf } from "./layout";
import { ERR_NO_MEMORY, ERR_SNAP_TRUNCATED, ERR_SNAP_MAGIC, ERR_SNAP_VERSION, ERR_SNAP_CHECKSUM, ERR_SNAP_TRAILING,
         ERR_SNAP_LENGTH, ERR_SNAP_COUNT, ERR_SNAP_INDEX, ERR_SNAP_VARINT, ERR_SNAP_FLAGS, ERR_SNAP_DUP_OWNER,
         ERR_SNAP_DEPTH, ERR_LIVE_EXPORTING, SECTION_HEADER, SECTION_STRING, SECTION_FRAME, SECTION_STACK,
         SECTION_OWNER, SECTION_ENTRY, setError } from "./errors";
import { tdesc, tcount, treserve, tclear } from "./table";
import { stringIntern, stringReserve } from "./strings";
import { frameIntern } from "./frames";
import { triePush } from "./trie";
import { liveAllocNow, ownerAdd, aggAdd } from "./livemap";
import { liveCount, liveEntry, liveTableReserve, liveTableAppendUnlinked, liveTableLinkAll, liveTableClear,
         liveTableKeepChunks, liveSliceCounts, linkScratchBytes, LIVE_CHUNK_ENTRIES, LIVE_OWNER, LIVE_ADDR_LO, LIVE_ADDR_HI,
         LIVE_STACK, LIVE_SIZE, LIVE_TIME } from "./live-table";
import { region } from "./io";
import { ensureMemory } from "./arena";
import { SNAP_MAGIC, SNAP_VERSION, SNAP_HEADER, SNAP_CHECKSUM, SNAP_MAX_DEPTH, SNAP_H_MAGIC, SNAP_H_VERSION,
         SNAP_H_FLAGS, SNAP_H_LENGTH, SNAP_H_TIME_BASE, SNAP_H_STRINGS, SNAP_H_FRAMES, SNAP_H_STACKS, SNAP_H_OWNERS,
         SNAP_FRAME_BYTES, SNAP_F_NAME, SNAP_F_FILE, SNAP_F_MAPPING, SNAP_F_LINE, SNAP_F_COLUMN, SNAP_NONE,
         MIN_ENTRY_BYTES, BLOCK_ENTRIES, unzigzag, checksum64 } from "./snapshot-format";

/** The value of the LEB128 of `len` (1 to 8) bytes in the low bytes of x. */
// @ts-ignore: decorator
@inline function leb8(x: u64, len: u32): u64 {
  const m = len >= 8 ? x : x & ((<u64>1 << (<u64>len << 3)) - 1);
  return (m & 0x7f) | ((m >> 1) & 0x3f80) | ((m >> 2) & 0x1fc000) | ((m >> 3) & 0xfe00000) |
         ((m >> 4) & 0x7f0000000) | ((m >> 5) & 0x3f800000000) | ((m >> 6) & 0x1fc0000000000) | ((m >> 7) & 0xfe000000000000);
}

/** Reads an unsigned LEB128 of at most 10 bytes at [p, end); returns the next position or 0. */
let varOut: u64 = 0;
// @ts-ignore: decorator
@inline function getVar(p: usize, end: usize): usize {
  // Fast path: a number of at most 8 bytes with 8 bytes readable, decoded from one load without
  // a branch per byte (most entries' three numbers are 1 to 6 bytes). Anything else: getVarSlow.
  if (p + 8 <= end) {
    const x = load<u64>(p);
    const stop = ~x & 0x8080808080808080;
    if (stop != 0) {
      const bits = ctz<u64>(stop) + 1;   // 8 x the length: the last byte's clear top bit, + 1
      varOut = leb8(x, <u32>bits >>> 3);
      return p + <usize>(bits >>> 3);
    }
  }
  return getVarSlow(p, end);
}
function getVarSlow(p: usize, end: usize): usize {
  let v: u64 = 0;
  let shift: u64 = 0;
  for (let i = 0; i < 10; i++) {
    if (p >= end) return 0;
    const b = <u64>load<u8>(p++);
    if (i == 9 && b > 1) return 0;
    v |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) { varOut = v; return p; }
    shift += 7;
  }
  return 0;
}

// Counts found by validate(), used by restore.
let vStrings: u32 = 0, vStringBytes: u32 = 0, vFrames: u32 = 0, vStacks: u32 = 0, vDepthSum: u32 = 0;
let vOwners: u32 = 0, vEntries: u32 = 0;
let vStrPos: usize = 0, vFramePos: usize = 0, vStackPos: usize = 0, vOwnerPos: usize = 0;

const MAX_SAFE: u64 = 9007199254740992; // 2^53: sizes and times must be exact as host numbers

/** Checks every byte of a snapshot without changing anything. 0 or a negative error. */
function validate(src: usize, len: u32): i32 {
  if (len >= 4 && load<u32>(src, SNAP_H_MAGIC) != SNAP_MAGIC) return setError(ERR_SNAP_MAGIC, load<u32>(src, SNAP_H_MAGIC), 0);
  if (len < SNAP_HEADER + SNAP_CHECKSUM) return setError(ERR_SNAP_TRUNCATED, len, SNAP_HEADER + SNAP_CHECKSUM);
  const version = <u32>load<u16>(src, SNAP_H_VERSION);
  if (version != SNAP_VERSION) return setError(ERR_SNAP_VERSION, version, SNAP_VERSION);
  if (load<u16>(src, SNAP_H_FLAGS) != 0) return setError(ERR_SNAP_FLAGS, <u32>load<u16>(src, SNAP_H_FLAGS), 0);
  const total = load<u32>(src, SNAP_H_LENGTH);
  if (total < SNAP_HEADER + SNAP_CHECKSUM) return setError(ERR_SNAP_LENGTH, SECTION_HEADER, total);
  if (total > len) return setError(ERR_SNAP_TRUNCATED, len, total);
  if (total < len) return setError(ERR_SNAP_TRAILING, len - total, total);
  const bodyEnd = total - SNAP_CHECKSUM;
  if (load<u64>(src + bodyEnd) != checksum64(src, bodyEnd)) return setError(ERR_SNAP_CHECKSUM, bodyEnd, 0);
  const end = src + bodyEnd;
  vStrings = load<u32>(src, SNAP_H_STRINGS); vFrames = load<u32>(src, SNAP_H_FRAMES);
  vStacks = load<u32>(src, SNAP_H_STACKS); vOwners = load<u32>(src, SNAP_H_OWNERS);
  let p = src + SNAP_HEADER;
  // Each count is checked against the bytes left before anything is sized from it.
  if (<u64>vStrings * 4 > <u64>(end - p)) return setError(ERR_SNAP_COUNT, SECTION_STRING, vStrings);
  vStrPos = p;
  vStringBytes = 0;
  for (let i: u32 = 0; i < vStrings; i++) {
    if (p + 4 > end) return setError(ERR_SNAP_LENGTH, SECTION_STRING, i);
    const n = load<u32>(p);
    if (<u64>n > <u64>(end - p - 4)) return setError(ERR_SNAP_LENGTH, SECTION_STRING, i);
    p += 4 + n;
    vStringBytes += n;
  }
  if (<u64>vFrames * SNAP_FRAME_BYTES > <u64>(end - p)) return setError(ERR_SNAP_COUNT, SECTION_FRAME, vFrames);
  vFramePos = p;
  for (let i: u32 = 0; i < vFrames; i++) {
    for (let k: u32 = 0; k < 3; k++) {
      const s = load<u32>(p + SNAP_F_NAME + (<usize>k << 2)); // name, file, mapping: consecutive
      if (s != SNAP_NONE && s >= vStrings) return setError(ERR_SNAP_INDEX, SECTION_FRAME, i);
    }
    p += SNAP_FRAME_BYTES;
  }
  if (<u64>vStacks * 8 > <u64>(end - p)) return setError(ERR_SNAP_COUNT, SECTION_STACK, vStacks);
  vStackPos = p;
  vDepthSum = 0;
  for (let i: u32 = 0; i < vStacks; i++) {
    if (p + 4 > end) return setError(ERR_SNAP_LENGTH, SECTION_STACK, i);
    const d = load<u32>(p);
    if (d == 0 || d > SNAP_MAX_DEPTH) return setError(ERR_SNAP_DEPTH, i, d);
    if (<u64>d * 4 > <u64>(end - p - 4)) return setError(ERR_SNAP_LENGTH, SECTION_STACK, i);
    p += 4;
    for (let k: u32 = 0; k < d; k++) {
      if (load<u32>(p) >= vFrames) return setError(ERR_SNAP_INDEX, SECTION_STACK, i);
      p += 4;
    }
    vDepthSum += d;
  }
  if (<u64>vOwners * 8 > <u64>(end - p)) return setError(ERR_SNAP_COUNT, SECTION_OWNER, vOwners);
  vOwnerPos = p;
  const ownerIds = region(IO_SORT_PTR, IO_SORT_CAP, (vOwners << 2) + 4);
  if (ownerIds == 0) return setError(ERR_NO_MEMORY, 0, 0);
  vEntries = 0;
  for (let i: u32 = 0; i < vOwners; i++) {
    if (p + 8 > end) return setError(ERR_SNAP_LENGTH, SECTION_OWNER, i);
    store<u32>(ownerIds + (<usize>i << 2), load<u32>(p));
    const n = load<u32>(p, 4);
    p += 8;
    if (<u64>n * MIN_ENTRY_BYTES > <u64>(end - p)) return setError(ERR_SNAP_COUNT, SECTION_ENTRY, n);
    let k: u32 = 0;
    while (n - k > BLOCK_ENTRIES) { p = checkEntries(p, end, i, k, BLOCK_ENTRIES); if (p == 0) return vError; k += BLOCK_ENTRIES; }
    p = checkEntries(p, end, i, k, n - k); if (p == 0) return vError;
    vEntries += n;
  }
  if (p != end) return setError(ERR_SNAP_TRAILING, <u32>(end - p), bodyEnd);
  // Owner ids must be unique: sort the ids collected above and compare neighbours.
  if (vOwners > 1) {
    sortU32(ownerIds, vOwners);
    for (let i: u32 = 1; i < vOwners; i++) {
      if (load<u32>(ownerIds + (<usize>i << 2)) == load<u32>(ownerIds + (<usize>(i - 1) << 2))) return setError(ERR_SNAP_DUP_OWNER, load<u32>(ownerIds + (<usize>i << 2)), 0);
    }
  }
  return 0;
}

/** The position after the LEB128 at [p, end) (as getVar, without computing its value), or 0. */
// @ts-ignore: decorator
@inline function skipVar(p: usize, end: usize): usize {
  if (p + 8 <= end) {
    const stop = ~load<u64>(p) & 0x8080808080808080;
    if (stop != 0) return p + <usize>((ctz<u64>(stop) + 1) >>> 3);
  }
  return getVarSlow(p, end);
}

/** Bit j set when byte p + j (j < 16) has its top bit clear: the last byte of a LEB128. */
// @ts-ignore: decorator
@inline function stopMask(p: usize): u32 {
  // Each byte's stop bit moved to bit 0 of its byte, then gathered into the top byte by one
  // multiply (byte k of the factor is 2^(7 - k): the partial products never share a bit).
  const a = ((~load<u64>(p) & 0x8080808080808080) >> 7) * 0x0102040810204080;
  const b = ((~load<u64>(p, 8) & 0x8080808080808080) >> 7) * 0x0102040810204080;
  return <u32>(a >> 56) | (<u32>(b >> 56) << 8);
}

/** Checks n entries of owner i from entry k0 on; the next position, or 0 with vError set.
 *  Only the size's value matters here (at most 2^53), and only a size of 8 bytes or more can
 *  exceed it: the other numbers are only measured. */
let vError: i32 = 0;
function checkEntries(p: usize, end: usize, i: u32, k0: u32, n: u32): usize {
  for (let k = k0; k < k0 + n; k++) {
    // Fast path: the entry's three numbers within the next 16 bytes, none of 9 or 10 bytes and
    // the size under 8 bytes (so under 2^56 >> 7 = 2^49, exact): their ends are the first three
    // clear top bits of the window, found at once from a 16-bit mask of those bits.
    if (p + 16 <= end) {
      const m = stopMask(p);
      const e1 = ctz<u32>(m), m2 = m & (m - 1), e2 = ctz<u32>(m2), e3 = ctz<u32>(m2 & (m2 - 1));
      if (e3 < 16 && e1 < 8 && e2 - e1 < 8 && e3 - e2 <= 8) {
        const q = p + <usize>e3 + 1;
        if (q + 4 > end) { vError = setError(ERR_SNAP_LENGTH, SECTION_ENTRY, k); return 0; }
        if (load<u32>(q) >= vStacks) { vError = setError(ERR_SNAP_INDEX, SECTION_ENTRY, k); return 0; }
        p = q + 4;
        continue;
      }
    }
    p = skipVar(p, end); if (p == 0) { vError = setError(ERR_SNAP_VARINT, i, k); return 0; }
    const q = skipVar(p, end);
    if (q == 0 || (q - p >= 8 && (getVar(p, end) == 0 || varOut > MAX_SAFE))) { vError = setError(ERR_SNAP_VARINT, i, k); return 0; }
    p = skipVar(q, end); if (p == 0) { vError = setError(ERR_SNAP_VARINT, i, k); return 0; }
    if (p + 4 > end) { vError = setError(ERR_SNAP_LENGTH, SECTION_ENTRY, k); return 0; }
    if (load<u32>(p) >= vStacks) { vError = setError(ERR_SNAP_INDEX, SECTION_ENTRY, k); return 0; }
    p += 4;
  }
  return p;
}

function sortU32(p: usize, n: u32): void {
  // Shell sort: owner lists are short and this needs no key arrays.
  let gap = n >>> 1;
  while (gap > 0) {
    for (let i = gap; i < n; i++) {
      const v = load<u32>(p + (<usize>i << 2));
      let j = i;
      while (j >= gap && load<u32>(p + (<usize>(j - gap) << 2)) > v) { store<u32>(p + (<usize>j << 2), load<u32>(p + (<usize>(j - gap) << 2))); j -= gap; }
      store<u32>(p + (<usize>j << 2), v);
    }
    gap >>>= 1;
  }
}

/**
 * Restore into an empty live map (the recycle and restart case), in sequential passes and no
 * random access per entry: entries are decoded and appended unlinked, per-owner totals and
 * per-(owner, stack) aggregates are summed in flat arrays indexed by stack handle and written
 * once per owner, and then the index is built in cache-sized slices (liveTableLinkAll). Owners
 * are unique (validated). An address repeated within an owner (only a crafted snapshot has one)
 * is found while linking: the totals are then dropped and the entries go in again one by one
 * (replayEntries), where the later one replaces the earlier and counts as a conflict, exactly
 * as the general path does. Returns false in that case.
 */
// State of restoreIntoEmpty shared with its blocks (one restore call at a time).
let rCnt: usize = 0, rBytes: usize = 0, rTouched: usize = 0, rFlag: usize = 0, rStackMap: usize = 0, rSlices: usize = 0, rNexts: usize = 0;
let rNt: u32 = 0, rOcount: i32 = 0;
let rObytes: f64 = 0;
let rBase: i64 = 0;

function restoreIntoEmpty(base: i64, end: usize, stackMap: usize, acc: usize, linkScratch: usize, links: usize): bool {
  // acc was sized by restore() for every stack that can exist after interning; linkScratch is
  // linkScratchBytes(vEntries) for the linking passes and links three words per entry: the
  // chain links first (each entry's hash until it is linked), then the linking order. links
  // may be the input region itself: word i of the chain links is written after entry i is read,
  // and entry i's bytes start past 7 x i bytes of earlier entries, behind the header, so the
  // write never reaches input not yet read.
  const nS = tcount(tdesc(T_STACKS));
  rCnt = acc; rBytes = (acc + (<usize>nS << 2) + 7) & ~7; rTouched = rBytes + (<usize>nS << 3); rFlag = rTouched + (<usize>nS << 2);
  rStackMap = stackMap; rBase = base;
  memory.fill(rCnt, 0, <usize>nS << 2);
  memory.fill(rBytes, 0, <usize>nS << 3);
  memory.fill(rFlag, 0, <usize>nS);
  rSlices = liveSliceCounts(linkScratch);
  rNexts = links;
  let p = vOwnerPos;
  for (let i: u32 = 0; i < vOwners; i++) {
    const owner = load<u32>(p), n = load<u32>(p, 4);
    p += 8;
    rNt = 0; rOcount = 0; rObytes = 0;
    let k: u32 = 0;
    while (n - k > BLOCK_ENTRIES) { p = restoreEntries(p, end, owner, BLOCK_ENTRIES); k += BLOCK_ENTRIES; }
    p = restoreEntries(p, end, owner, n - k);
    if (rOcount > 0) ownerAdd(owner, rOcount, rObytes);
    for (let j: u32 = 0; j < rNt; j++) {
      const s = load<u32>(rTouched + (<usize>j << 2));
      aggAdd(owner, s + 1, <i32>load<u32>(rCnt + (<usize>s << 2)), load<f64>(rBytes + (<usize>s << 3)));
      store<u32>(rCnt + (<usize>s << 2), 0); store<f64>(rBytes + (<usize>s << 3), 0); store<u8>(rFlag + s, 0);
    }
  }
  if (!liveTableLinkAll(links + (<usize>vEntries << 2), linkScratch, links)) {
    tclear(tdesc(T_OWNERS)); tclear(tdesc(T_AGG));
    replayEntries();
    return false;
  }
  hsetf(LIVE_TRACKED, hgetf(LIVE_TRACKED) + <f64>vEntries);
  return true;
}

/**
 * The bulk load met a repeated address: empties the map and adds the appended entries again,
 * one allocation each in snapshot order (the later of two replaces the earlier and counts as a
 * conflict, exactly as separate allocations would). The input region may already hold the
 * linking order, so the entries are read back from the table itself: entry i is read before it
 * is added, and an add writes only at the table's count (at most i), so nothing unread is
 * overwritten; removals keep their chunks meanwhile (the later chunks hold unread entries).
 */
function replayEntries(): void {
  const n = liveCount();
  liveTableClear();
  liveTableKeepChunks(true);
  for (let i: u32 = 0; i < n; i++) {
    const e = liveEntry(i);
    liveAllocNow(load<u32>(e, LIVE_OWNER), load<u32>(e, LIVE_ADDR_LO), load<u32>(e, LIVE_ADDR_HI), load<f64>(e, LIVE_SIZE),
                 load<u32>(e, LIVE_STACK), load<f64>(e, LIVE_TIME));
  }
  liveTableKeepChunks(false);
}

/** n entries of one owner appended (unlinked) to the reserved live table; the next position. */
function restoreEntries(p: usize, end: usize, owner: u32, n: u32): usize {
  const cnt = rCnt, bytes = rBytes, stackMap = rStackMap, slices = rSlices, nexts = rNexts;
  for (let k: u32 = 0; k < n; k++) {
    p = getVar(p, end); const addr = varOut;
    p = getVar(p, end); const size = <f64>varOut;
    p = getVar(p, end); const time = <f64>(unzigzag(varOut) + rBase);
    const h = load<u32>(stackMap + (<usize>load<u32>(p) << 2));
    p += 4;
    const lo = <u32>addr, hi = <u32>(addr >>> 32);
    liveTableAppendUnlinked(owner, lo, hi, h, size, time, nexts, slices);
    const s = h - 1;
    if (load<u8>(rFlag + s) == 0) { store<u8>(rFlag + s, 1); store<u32>(rTouched + (<usize>rNt << 2), s); rNt++; }
    store<u32>(cnt + (<usize>s << 2), load<u32>(cnt + (<usize>s << 2)) + 1);
    store<f64>(bytes + (<usize>s << 3), load<f64>(bytes + (<usize>s << 3)) + size);
    rOcount++; rObytes += size;
  }
  return p;
}

/** Room for everything a restore can add to the live map: an entry per snapshot entry, an
 *  owner per snapshot owner, an aggregate per (owner, stack) pair that can occur. */
function reserveLive(): bool {
  const pairs = <u64>vOwners * <u64>vStacks;
  const aggs = pairs < <u64>vEntries ? <u32>pairs : vEntries;
  return liveTableReserve(vEntries) && treserve(tdesc(T_OWNERS), vOwners) && treserve(tdesc(T_AGG), aggs);
}

/** Region the host writes a snapshot of `len` bytes into before calling restore. */
export function inputBuffer(len: u32): usize { return region(IO_IN_PTR, IO_IN_CAP, len); }

/** Validates the snapshot in the input region and, only if all of it is valid and fits in
 *  memory, adds its allocations to the live map. Returns the number of entries restored or a
 *  negative error; on error nothing was changed. */
export function restore(len: u32): i32 {
  if (hget(LIVE_EXPORTING) != 0) return setError(ERR_LIVE_EXPORTING, 0, 0);
  const src = <usize>hget(IO_IN_PTR);
  if (src == 0 || len > hget(IO_IN_CAP)) return setError(ERR_SNAP_TRUNCATED, len, 0);
  const v = validate(src, len);
  if (v < 0) return v;
  // Grow memory once for all of it, and no more than needed: V8 counts the memory's whole size
  // as external memory and answers its growth with a collection of the host's heap (see
  // docs/core.md), so the estimate is close (from above: chunk counts exact, doubling regions
  // and tables counted twice), and a restore into an empty map links its entries in the input
  // region (read to the end by then) instead of a region of its own. If the configured cap
  // refuses the estimate, the reservations below grow step by step and decide.
  const E = <u64>vEntries;
  const accStacks = tcount(tdesc(T_STACKS)) + vDepthSum;
  const intoEmpty = liveCount() == 0 && tcount(tdesc(T_OWNERS)) == 0 && tcount(tdesc(T_AGG)) == 0;
  const inPlace = intoEmpty && E * 12 <= <u64>hget(IO_IN_CAP);
  const CHUNK = <u64>LIVE_CHUNK_ENTRIES * 36;
  const entryChunks = (E + <u64>LIVE_CHUNK_ENTRIES - 1) / <u64>LIVE_CHUNK_ENTRIES, bucketChunks = (E * 2 + 8191) / 8192 + 1;
  const accBytes = (accStacks * 17 + 23) & ~7;
  const want = (entryChunks + bucketChunks) * (CHUNK + 16) + (inPlace || !intoEmpty ? 0 : E * 24) +
               (<u64>accBytes + <u64>linkScratchBytes(vEntries)) * 2 + <u64>(vStrings + vFrames + vStacks) * 8 +
               <u64>vStringBytes * 2 + <u64>(vStrings + vFrames + vDepthSum) * 64 + <u64>accStacks * 34 +
               <u64>vOwners * 64 + (E < <u64>vOwners * <u64>vStacks ? E : <u64>vOwners * <u64>vStacks) * 64 + 65536;
  const bump = <u64>hget(BUMP);
  if (bump + want < 0xfff00000) ensureMemory(<usize>(bump + want));
  // Reserve everything first: after this point no insert can fail, so no partial restore.
  const maps = region(IO_TMP_PTR, IO_TMP_CAP, (vStrings + vFrames + vStacks) << 2);
  // The accumulators, then the linking passes' scratch; the chain links (one word per entry)
  // and the linking order (two) in the input region when it has room, else in a region of their own.
  const acc = intoEmpty ? region(IO_ACC_PTR, IO_ACC_CAP, accBytes + linkScratchBytes(vEntries)) : 1;
  const links: usize = !intoEmpty ? 1 : inPlace ? src : vEntries > 0x15555554 ? <usize>0 : region(IO_SORT_PTR, IO_SORT_CAP, vEntries * 12);
  if (maps == 0 || acc == 0 || links == 0) return setError(ERR_NO_MEMORY, 0, 0);
  if (!stringReserve(vStrings + 1, vStringBytes) || !treserve(tdesc(T_FRAMES), vFrames) ||
      !treserve(tdesc(T_STACKS), vDepthSum) || !reserveLive()) return setError(ERR_NO_MEMORY, 0, 0);
  const strMap = maps, frameMap = maps + (<usize>vStrings << 2), stackMap = frameMap + (<usize>vFrames << 2);
  let p = vStrPos;
  for (let i: u32 = 0; i < vStrings; i++) {
    const n = load<u32>(p);
    store<u32>(strMap + (<usize>i << 2), <u32>stringIntern(p + 4, n));
    p += 4 + n;
  }
  const empty = <u32>stringIntern(src, 0);
  p = vFramePos;
  for (let i: u32 = 0; i < vFrames; i++) {
    const a = load<u32>(p, SNAP_F_NAME), b = load<u32>(p, SNAP_F_FILE), c = load<u32>(p, SNAP_F_MAPPING);
    const name = a == SNAP_NONE ? empty : load<u32>(strMap + (<usize>a << 2));
    const file = b == SNAP_NONE ? empty : load<u32>(strMap + (<usize>b << 2));
    const map = c == SNAP_NONE ? empty : load<u32>(strMap + (<usize>c << 2));
    store<u32>(frameMap + (<usize>i << 2), <u32>frameIntern(name, file, map, load<i32>(p, SNAP_F_LINE), load<i32>(p, SNAP_F_COLUMN)));
    p += SNAP_FRAME_BYTES;
  }
  const st = tdesc(T_STACKS);
  p = vStackPos;
  for (let i: u32 = 0; i < vStacks; i++) {
    const d = load<u32>(p);
    let h: i32 = 0;
    for (let k = d; k > 0; k--) h = triePush(st, <u32>h, load<u32>(frameMap + (<usize>load<u32>(p + (<usize>k << 2)) << 2)), 0);
    store<u32>(stackMap + (<usize>i << 2), <u32>h);
    p += 4 + (<usize>d << 2);
  }
  const base = load<i64>(src, SNAP_H_TIME_BASE);
  const end = src + len - SNAP_CHECKSUM;
  if (intoEmpty) {
    restoreIntoEmpty(base, end, stackMap, acc, acc + accBytes, links);
  } else {
    // Merging into a live map that already holds entries: the general path, one event each.
    p = vOwnerPos;
    for (let i: u32 = 0; i < vOwners; i++) {
      const owner = load<u32>(p), n = load<u32>(p, 4);
      p += 8;
      for (let k: u32 = 0; k < n; k++) {
        p = getVar(p, end); const addr = varOut;
        p = getVar(p, end); const size = <f64>varOut;
        p = getVar(p, end); const time = <f64>(unzigzag(varOut) + base);
        const stack = load<u32>(stackMap + (<usize>load<u32>(p) << 2));
        p += 4;
        liveAllocNow(owner, <u32>addr, <u32>(addr >>> 32), size, stack, time);
      }
    }
  }
  return <i32>vEntries;
}
