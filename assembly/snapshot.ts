// Snapshot codec for the live-allocation map: carries live state across an instance recycle
// or an aggregator restart. Format (all little-endian; docs/snapshot-format.md is the spec):
//
//   header   magic "WPSN", version u16 = 1, flags u16 = 0, total length u32, time base i64,
//            string count u32, frame count u32, stack count u32, owner count u32   (36 bytes)
//   strings  length u32 + UTF-8 bytes                       (empty strings are never stored)
//   frames   name, file, mapping: string index u32 or NONE (= ""), line i32, column i32
//   stacks   depth u32 (>= 1) + frame index u32 x depth, leaf first
//   owners   owner id u32, entry count u32, then entries:
//              address uvarint, size uvarint, zigzag(time - time base) varint, stack index u32
//   checksum u64 over every byte before it (checksum64 below)
//
// Stacks travel as portable strings, never as ids of one instance. The stack index is fixed
// width on purpose: dropping stacks under a budget must not change the size of the entries
// that point at them, so the size model stays exact while the budget algorithm runs.
import { T_STACKS, T_FRAMES, T_LIVE, T_OWNERS, T_AGG, IO_TMP_PTR, IO_TMP_CAP, IO_OUT_PTR, IO_OUT_CAP,
         IO_IN_PTR, IO_IN_CAP, IO_ACC_PTR, IO_ACC_CAP, LIVE_EXPORTING, LIVE_CONFLICTS, LIVE_TRACKED, hinc, hgetf, SNAP_CLEARED, SNAP_DROPPED_OWNERS, SNAP_DROPPED_STACKS,
         ERR_NO_MEMORY, ERR_SNAP_TRUNCATED, ERR_SNAP_MAGIC, ERR_SNAP_VERSION, ERR_SNAP_CHECKSUM, ERR_SNAP_TRAILING,
         ERR_SNAP_LENGTH, ERR_SNAP_COUNT, ERR_SNAP_INDEX, ERR_SNAP_VARINT, ERR_SNAP_FLAGS, ERR_SNAP_DUP_OWNER,
         ERR_SNAP_BUDGET, ERR_SNAP_DEPTH, ERR_LIVE_EXPORTING, IO_SORT_PTR, IO_SORT_CAP, hget, hset, hsetf, setError } from "./layout";
import { tdesc, tentry, tcount, treserve, tappendReserved } from "./table";
import { stringCount, stringPtr, stringLen, stringIntern, stringReserve } from "./strings";
import { frameIntern, frameCount } from "./frames";
import { triePush } from "./trie";
import { liveAllocNow, ownerFind, liveFind, liveHash, ownerAdd, aggAdd } from "./livemap";
import { region } from "./io";
import { sortByKey } from "./sort";

export const SNAP_MAGIC: u32 = 0x4e535057; // "WPSN"
export const SNAP_VERSION: u32 = 1;
export const SNAP_HEADER: u32 = 36;
export const SNAP_CHECKSUM: u32 = 8;
export const SNAP_MAX_DEPTH: u32 = 65536;
const NONE: u32 = 0xffffffff;
const CLEARED: u32 = 0xfffffffe;
const REFERENCED: u32 = 0xfffffffd;
const FRAME_BYTES: u32 = 20;
const MIN_ENTRY_BYTES: u32 = 7;
export const CLEARED_NAME = "[live-alloc cleared]";

// --- encoding primitives ---
// @ts-ignore: decorator
@inline function varLen(v: u64): u32 { let n: u32 = 1; while (v >= 0x80) { v >>>= 7; n++; } return n; }
// @ts-ignore: decorator
@inline function zigzag(v: i64): u64 { return <u64>((v << 1) ^ (v >> 63)); }
// @ts-ignore: decorator
@inline function unzigzag(v: u64): i64 { return <i64>(v >>> 1) ^ -<i64>(v & 1); }

function putVar(p: usize, v: u64): usize {
  while (v >= 0x80) { store<u8>(p, <u8>(v | 0x80)); v >>>= 7; p++; }
  store<u8>(p, <u8>v);
  return p + 1;
}

/** 64-bit checksum: 8-byte little-endian words (the tail zero-padded), each folded in with a
 *  multiply and shift, then a final avalanche. Cheap enough for tens of MiB per snapshot. */
export function checksum64(ptr: usize, len: u32): u64 {
  let h: u64 = 0x9e3779b97f4a7c15 ^ <u64>len;
  let i: u32 = 0;
  while (i + 8 <= len) {
    h = (h ^ load<u64>(ptr + i)) * 0xff51afd7ed558ccd;
    h ^= h >>> 29;
    i += 8;
  }
  if (i < len) {
    let w: u64 = 0;
    let s: u64 = 0;
    while (i < len) { w |= <u64>load<u8>(ptr + i) << s; s += 8; i++; }
    h = (h ^ w) * 0xff51afd7ed558ccd;
    h ^= h >>> 29;
  }
  h ^= h >>> 33; h *= 0xc4ceb9fe1a85ec53; h ^= h >>> 33;
  return h;
}

// --- encode ---

// Temporaries of one encode, carved out of the temp region.
let tStackBytes: usize = 0, tStackAddrs: usize = 0, tStackIdx: usize = 0, tRefList: usize = 0;
let tFrameRef: usize = 0, tFrameIdx: usize = 0, tStrRef: usize = 0, tStrIdx: usize = 0;
let tOwnerBytes: usize = 0, tOwnerEntryBytes: usize = 0, tOwnerKeep: usize = 0, tOwnerOrder: usize = 0;
let tOwnerIds: usize = 0, tOwnerCursor: usize = 0;
// (These module globals are scratch of a single call, never state across calls: a memory copy
// taken between calls does not need them.)

function carve(nS: u32, nF: u32, nStr: u32, nO: u32): bool {
  const total: u64 = <u64>nS * 24 + <u64>nF * 8 + <u64>nStr * 8 + <u64>nO * 32 + 64;
  if (total > 0x7fffffff) return false;
  let p = region(IO_TMP_PTR, IO_TMP_CAP, <u32>total);
  if (p == 0) return false;
  tStackBytes = p; p += <usize>nS << 3;
  tStackAddrs = p; p += <usize>nS << 3;
  tOwnerBytes = p; p += <usize>nO << 3;
  tOwnerEntryBytes = p; p += <usize>nO << 3;
  tStackIdx = p; p += <usize>nS << 2;
  tRefList = p; p += <usize>nS << 2;
  tFrameRef = p; p += <usize>nF << 2;
  tFrameIdx = p; p += <usize>nF << 2;
  tStrRef = p; p += <usize>nStr << 2;
  tStrIdx = p; p += <usize>nStr << 2;
  tOwnerKeep = p; p += <usize>nO << 2;
  tOwnerOrder = p; p += <usize>nO << 2;
  tOwnerIds = p; p += <usize>nO << 2;
  tOwnerCursor = p;
  memory.fill(tStackBytes, 0, <usize>nS << 4);
  memory.fill(tOwnerBytes, 0, <usize>nO << 4);
  memory.fill(tStackIdx, 0xff, <usize>nS << 2);
  memory.fill(tFrameRef, 0, <usize>nF << 2);
  memory.fill(tStrRef, 0, <usize>nStr << 2);
  return true;
}

// @ts-ignore: decorator
@inline function u32at(base: usize, i: u32): usize { return base + (<usize>i << 2); }
// @ts-ignore: decorator
@inline function f64at(base: usize, i: u32): usize { return base + (<usize>i << 3); }

function stringBytes(s: u32): u32 { const n = stringLen(s); return n == 0 ? 0 : 4 + n; }

/** Adds (delta = 1) or removes (-1) one reference to each non-empty string of frame f;
 *  returns the change in encoded bytes. */
function frameStrings(f: u32, delta: i32): i64 {
  const e = tentry(tdesc(T_FRAMES), f);
  let bytes: i64 = 0;
  for (let k: u32 = 0; k < 3; k++) {
    const s = load<u32>(e + 8 + (<usize>k << 2));
    if (stringLen(s) == 0) continue;
    const r = load<u32>(u32at(tStrRef, s));
    if (delta > 0) { store<u32>(u32at(tStrRef, s), r + 1); if (r == 0) bytes += stringBytes(s); }
    else { store<u32>(u32at(tStrRef, s), r - 1); if (r == 1) bytes -= stringBytes(s); }
  }
  return bytes;
}

/** References (delta 1) or releases (-1) every frame of stack handle h; returns byte change. */
function stackFrames(h: u32, delta: i32): i64 {
  const st = tdesc(T_STACKS);
  let bytes: i64 = 0;
  while (h != 0) {
    const e = tentry(st, h - 1);
    const f = load<u32>(e, 12);
    const r = load<u32>(u32at(tFrameRef, f));
    if (delta > 0) {
      store<u32>(u32at(tFrameRef, f), r + 1);
      if (r == 0) bytes += <i64>FRAME_BYTES + frameStrings(f, 1);
    } else {
      store<u32>(u32at(tFrameRef, f), r - 1);
      if (r == 1) bytes += frameStrings(f, -1) - <i64>FRAME_BYTES;
    }
    h = load<u32>(e, 8);
  }
  return bytes;
}

// @ts-ignore: decorator
@inline function stackDepth(h: u32): u32 { return load<u32>(tentry(tdesc(T_STACKS), h - 1), 20); }

function entryBytes(e: usize, base: i64): u32 {
  const addr = (<u64>load<u32>(e, 16) << 32) | <u64>load<u32>(e, 12);
  return varLen(addr) + varLen(<u64>load<f64>(e, 24)) + varLen(zigzag(<i64>load<f64>(e, 32) - base)) + 4;
}

// Results of plan(), read by encode.
let pSize: i64 = 0;
let pNRef: u32 = 0;
let pClearedUsed: bool = false;
let pTimeBase: i64 = 0;

const CLEARED_COST: i64 = 8 + 20 + 4 + 20; // stack of depth 1, its frame, the 20-byte name

/** Decides what goes into a snapshot under `budget` bytes and returns its exact size, or a
 *  negative error. Fills the temporaries that encode() then writes from. */
export function plan(budget: u32): i64 {
  const nS = tcount(tdesc(T_STACKS)), nF = frameCount(), nStr = stringCount();
  const ot = tdesc(T_OWNERS);
  const nO = tcount(ot);
  if (!carve(nS, nF, nStr, nO)) return setError(ERR_NO_MEMORY, 0, 0);
  hsetf(SNAP_CLEARED, 0); hset(SNAP_DROPPED_OWNERS, 0); hset(SNAP_DROPPED_STACKS, 0);
  let size: i64 = <i64>(SNAP_HEADER + SNAP_CHECKSUM);
  // Referenced stacks with their live bytes and address counts, summed over owners.
  const at = tdesc(T_AGG);
  const nA = tcount(at);
  let nRef: u32 = 0;
  for (let i: u32 = 0; i < nA; i++) {
    const e = tentry(at, i);
    const s = load<u32>(e, 12) - 1;
    store<f64>(f64at(tStackBytes, s), load<f64>(f64at(tStackBytes, s)) + load<f64>(e, 24));
    store<f64>(f64at(tStackAddrs, s), load<f64>(f64at(tStackAddrs, s)) + <f64>load<u32>(e, 16));
    if (load<u32>(u32at(tStackIdx, s)) == NONE) {
      store<u32>(u32at(tStackIdx, s), REFERENCED);
      store<u32>(u32at(tRefList, nRef), s);
      nRef++;
    }
  }
  for (let i: u32 = 0; i < nRef; i++) {
    const s = load<u32>(u32at(tRefList, i));
    size += 4 + 4 * <i64>stackDepth(s + 1) + stackFrames(s + 1, 1);
  }
  // Owners and their entries.
  for (let o: u32 = 0; o < nO; o++) {
    const e = tentry(ot, o);
    store<f64>(f64at(tOwnerBytes, o), load<f64>(e, 16));
    store<u32>(u32at(tOwnerIds, o), load<u32>(e, 8));
    store<u32>(u32at(tOwnerKeep, o), 1);
    store<u32>(u32at(tOwnerOrder, o), o);
  }
  const lt = tdesc(T_LIVE);
  const nL = tcount(lt);
  const base: i64 = nL == 0 ? 0 : <i64>load<f64>(tentry(lt, 0), 32);
  let lastOwner: u32 = NONE, lastIdx: u32 = 0;
  for (let i: u32 = 0; i < nL; i++) {
    const e = tentry(lt, i);
    const owner = load<u32>(e, 8);
    if (owner != lastOwner) { lastOwner = owner; lastIdx = <u32>ownerFind(owner); }
    store<f64>(f64at(tOwnerEntryBytes, lastIdx), load<f64>(f64at(tOwnerEntryBytes, lastIdx)) + <f64>entryBytes(e, base));
  }
  for (let o: u32 = 0; o < nO; o++) size += 8 + <i64>load<f64>(f64at(tOwnerEntryBytes, o));
  // Over budget: clear the stacks holding the fewest live bytes first.
  let cleared: f64 = 0;
  let clearedUsed = false;
  if (size > <i64>budget && nRef > 0) {
    sortByKey(tRefList, nRef, tStackBytes, 0);
    for (let i: u32 = 0; i < nRef && size > <i64>budget; i++) {
      const s = load<u32>(u32at(tRefList, i));
      size -= 4 + 4 * <i64>stackDepth(s + 1);
      size += stackFrames(s + 1, -1);
      if (!clearedUsed) { clearedUsed = true; size += CLEARED_COST; }
      store<u32>(u32at(tStackIdx, s), CLEARED);
      cleared += load<f64>(f64at(tStackAddrs, s));
      hset(SNAP_DROPPED_STACKS, hget(SNAP_DROPPED_STACKS) + 1);
    }
  }
  // Still over with every stack cleared: leave out whole owners, smallest total first.
  if (size > <i64>budget && nO > 0) {
    sortByKey(tOwnerOrder, nO, tOwnerBytes, tOwnerIds);
    let kept = nO;
    for (let i: u32 = 0; i < nO && size > <i64>budget; i++) {
      const o = load<u32>(u32at(tOwnerOrder, i));
      size -= 8 + <i64>load<f64>(f64at(tOwnerEntryBytes, o));
      store<u32>(u32at(tOwnerKeep, o), 0);
      cleared -= <f64>load<u32>(tentry(ot, o), 12);
      kept--;
      hset(SNAP_DROPPED_OWNERS, hget(SNAP_DROPPED_OWNERS) + 1);
      // The cleared frame exists only while something points at it.
      if (kept == 0 && clearedUsed) { clearedUsed = false; size -= CLEARED_COST; }
    }
  }
  if (size > <i64>budget) return setError(ERR_SNAP_BUDGET, budget, <u32>size);
  hsetf(SNAP_CLEARED, cleared);
  pSize = size; pNRef = nRef; pClearedUsed = clearedUsed; pTimeBase = base;
  return size;
}

/** Encodes the live map under `budget` bytes into the output region; returns the length or a
 *  negative error. The live map itself is not changed. */
export function encode(budget: u32): i64 {
  if (budget < SNAP_HEADER + SNAP_CHECKSUM) return setError(ERR_SNAP_BUDGET, budget, SNAP_HEADER + SNAP_CHECKSUM);
  const planned = plan(budget);
  if (planned < 0) return planned;
  const total = <u32>planned;
  const out = region(IO_OUT_PTR, IO_OUT_CAP, total);
  if (out == 0) return setError(ERR_NO_MEMORY, 0, 0);
  const nF = frameCount(), nStr = stringCount();
  // Indices, in id order so that output is deterministic for a given state.
  let p = out + SNAP_HEADER;
  let ns: u32 = 0;
  for (let s: u32 = 0; s < nStr; s++) {
    if (load<u32>(u32at(tStrRef, s)) == 0 || stringLen(s) == 0) { store<u32>(u32at(tStrIdx, s), NONE); continue; }
    store<u32>(u32at(tStrIdx, s), ns++);
    const n = stringLen(s);
    store<u32>(p, n);
    memory.copy(p + 4, stringPtr(s), n);
    p += 4 + n;
  }
  const clearedString = ns;
  if (pClearedUsed) {
    const n = <u32>CLEARED_NAME.length;
    store<u32>(p, n);
    for (let i: u32 = 0; i < n; i++) store<u8>(p + 4 + i, <u8>CLEARED_NAME.charCodeAt(i));
    p += 4 + n;
    ns++;
  }
  const ft = tdesc(T_FRAMES);
  let nf: u32 = 0;
  for (let f: u32 = 0; f < nF; f++) {
    if (load<u32>(u32at(tFrameRef, f)) == 0) continue;
    store<u32>(u32at(tFrameIdx, f), nf++);
    const e = tentry(ft, f);
    store<u32>(p, load<u32>(u32at(tStrIdx, load<u32>(e, 8))));
    store<u32>(p, load<u32>(u32at(tStrIdx, load<u32>(e, 12))), 4);
    store<u32>(p, load<u32>(u32at(tStrIdx, load<u32>(e, 16))), 8);
    store<i32>(p, load<i32>(e, 20), 12);
    store<i32>(p, load<i32>(e, 24), 16);
    p += FRAME_BYTES;
  }
  const clearedFrame = nf;
  if (pClearedUsed) {
    store<u32>(p, clearedString); store<u32>(p, NONE, 4); store<u32>(p, NONE, 8);
    store<i32>(p, 0, 12); store<i32>(p, 0, 16);
    p += FRAME_BYTES;
    nf++;
  }
  const st = tdesc(T_STACKS);
  let nk: u32 = 0;
  for (let i: u32 = 0; i < pNRef; i++) {
    const s = load<u32>(u32at(tRefList, i));
    if (load<u32>(u32at(tStackIdx, s)) == CLEARED) continue;
    store<u32>(u32at(tStackIdx, s), nk++);
    store<u32>(p, stackDepth(s + 1));
    p += 4;
    let h = s + 1;
    while (h != 0) {
      const e = tentry(st, h - 1);
      store<u32>(p, load<u32>(u32at(tFrameIdx, load<u32>(e, 12))));
      p += 4;
      h = load<u32>(e, 8);
    }
  }
  const clearedStack = nk;
  if (pClearedUsed) { store<u32>(p, 1); store<u32>(p, clearedFrame, 4); p += 8; nk++; }
  // Owners: headers in table order, entries placed by per-owner cursors in one pass.
  const ot = tdesc(T_OWNERS);
  const nO = tcount(ot);
  let no: u32 = 0;
  for (let o: u32 = 0; o < nO; o++) {
    if (load<u32>(u32at(tOwnerKeep, o)) == 0) continue;
    const e = tentry(ot, o);
    store<u32>(p, load<u32>(e, 8));
    store<u32>(p, load<u32>(e, 12), 4);
    store<u32>(u32at(tOwnerCursor, o), <u32>(p + 8 - out));
    p += 8 + <usize>load<f64>(f64at(tOwnerEntryBytes, o));
    no++;
  }
  const lt = tdesc(T_LIVE);
  const nL = tcount(lt);
  let lastOwner: u32 = NONE, lastIdx: u32 = 0;
  for (let i: u32 = 0; i < nL; i++) {
    const e = tentry(lt, i);
    const owner = load<u32>(e, 8);
    if (owner != lastOwner) { lastOwner = owner; lastIdx = <u32>ownerFind(owner); }
    if (load<u32>(u32at(tOwnerKeep, lastIdx)) == 0) continue;
    let q = out + <usize>load<u32>(u32at(tOwnerCursor, lastIdx));
    q = putVar(q, (<u64>load<u32>(e, 16) << 32) | <u64>load<u32>(e, 12));
    q = putVar(q, <u64>load<f64>(e, 24));
    q = putVar(q, zigzag(<i64>load<f64>(e, 32) - pTimeBase));
    const si = load<u32>(u32at(tStackIdx, load<u32>(e, 20) - 1));
    store<u32>(q, si == CLEARED ? clearedStack : si);
    store<u32>(u32at(tOwnerCursor, lastIdx), <u32>(q + 4 - out));
  }
  const bodyEnd = <u32>(p - out);
  // The size model and the encoder must agree to the byte; a disagreement is a bug, so trap.
  if (bodyEnd + SNAP_CHECKSUM != total) unreachable();
  store<u32>(out, SNAP_MAGIC);
  store<u16>(out, <u16>SNAP_VERSION, 4);
  store<u16>(out, 0, 6);
  store<u32>(out, total, 8);
  store<i64>(out, pTimeBase, 12);
  store<u32>(out, ns, 20); store<u32>(out, nf, 24); store<u32>(out, nk, 28); store<u32>(out, no, 32);
  store<u64>(out + bodyEnd, checksum64(out, bodyEnd));
  return <i64>total;
}

// --- decode ---

/** Reads an unsigned LEB128 of at most 10 bytes at [p, end); returns the next position or 0. */
let varOut: u64 = 0;
function getVar(p: usize, end: usize): usize {
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
  if (len >= 4 && load<u32>(src) != SNAP_MAGIC) return setError(ERR_SNAP_MAGIC, load<u32>(src), 0);
  if (len < SNAP_HEADER + SNAP_CHECKSUM) return setError(ERR_SNAP_TRUNCATED, len, SNAP_HEADER + SNAP_CHECKSUM);
  const version = <u32>load<u16>(src, 4);
  if (version != SNAP_VERSION) return setError(ERR_SNAP_VERSION, version, SNAP_VERSION);
  if (load<u16>(src, 6) != 0) return setError(ERR_SNAP_FLAGS, <u32>load<u16>(src, 6), 0);
  const total = load<u32>(src, 8);
  if (total < SNAP_HEADER + SNAP_CHECKSUM) return setError(ERR_SNAP_LENGTH, 0, total);
  if (total > len) return setError(ERR_SNAP_TRUNCATED, len, total);
  if (total < len) return setError(ERR_SNAP_TRAILING, len - total, total);
  const bodyEnd = total - SNAP_CHECKSUM;
  if (load<u64>(src + bodyEnd) != checksum64(src, bodyEnd)) return setError(ERR_SNAP_CHECKSUM, bodyEnd, 0);
  const end = src + bodyEnd;
  vStrings = load<u32>(src, 20); vFrames = load<u32>(src, 24); vStacks = load<u32>(src, 28); vOwners = load<u32>(src, 32);
  let p = src + SNAP_HEADER;
  // Each count is checked against the bytes left before anything is sized from it.
  if (<u64>vStrings * 4 > <u64>(end - p)) return setError(ERR_SNAP_COUNT, 1, vStrings);
  vStrPos = p;
  vStringBytes = 0;
  for (let i: u32 = 0; i < vStrings; i++) {
    if (p + 4 > end) return setError(ERR_SNAP_LENGTH, 1, i);
    const n = load<u32>(p);
    if (<u64>n > <u64>(end - p - 4)) return setError(ERR_SNAP_LENGTH, 1, i);
    p += 4 + n;
    vStringBytes += n;
  }
  if (<u64>vFrames * FRAME_BYTES > <u64>(end - p)) return setError(ERR_SNAP_COUNT, 2, vFrames);
  vFramePos = p;
  for (let i: u32 = 0; i < vFrames; i++) {
    for (let k: u32 = 0; k < 3; k++) {
      const s = load<u32>(p + (<usize>k << 2));
      if (s != NONE && s >= vStrings) return setError(ERR_SNAP_INDEX, 2, i);
    }
    p += FRAME_BYTES;
  }
  if (<u64>vStacks * 8 > <u64>(end - p)) return setError(ERR_SNAP_COUNT, 3, vStacks);
  vStackPos = p;
  vDepthSum = 0;
  for (let i: u32 = 0; i < vStacks; i++) {
    if (p + 4 > end) return setError(ERR_SNAP_LENGTH, 3, i);
    const d = load<u32>(p);
    if (d == 0 || d > SNAP_MAX_DEPTH) return setError(ERR_SNAP_DEPTH, i, d);
    if (<u64>d * 4 > <u64>(end - p - 4)) return setError(ERR_SNAP_LENGTH, 3, i);
    p += 4;
    for (let k: u32 = 0; k < d; k++) {
      if (load<u32>(p) >= vFrames) return setError(ERR_SNAP_INDEX, 3, i);
      p += 4;
    }
    vDepthSum += d;
  }
  if (<u64>vOwners * 8 > <u64>(end - p)) return setError(ERR_SNAP_COUNT, 4, vOwners);
  vOwnerPos = p;
  const ownerIds = region(IO_SORT_PTR, IO_SORT_CAP, (vOwners << 2) + 4);
  if (ownerIds == 0) return setError(ERR_NO_MEMORY, 0, 0);
  vEntries = 0;
  for (let i: u32 = 0; i < vOwners; i++) {
    if (p + 8 > end) return setError(ERR_SNAP_LENGTH, 4, i);
    store<u32>(ownerIds + (<usize>i << 2), load<u32>(p));
    const n = load<u32>(p, 4);
    p += 8;
    if (<u64>n * MIN_ENTRY_BYTES > <u64>(end - p)) return setError(ERR_SNAP_COUNT, 5, n);
    for (let k: u32 = 0; k < n; k++) {
      p = getVar(p, end); if (p == 0) return setError(ERR_SNAP_VARINT, i, k);
      p = getVar(p, end); if (p == 0 || varOut > MAX_SAFE) return setError(ERR_SNAP_VARINT, i, k);
      p = getVar(p, end); if (p == 0) return setError(ERR_SNAP_VARINT, i, k);
      if (p + 4 > end) return setError(ERR_SNAP_LENGTH, 5, k);
      if (load<u32>(p) >= vStacks) return setError(ERR_SNAP_INDEX, 5, k);
      p += 4;
    }
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
 * Restore into an empty live map (the recycle and restart case), at about one hash insert per
 * entry: per-owner totals and per-(owner, stack) aggregates are summed in flat arrays indexed
 * by stack handle and written once per owner, instead of being looked up for every entry.
 * Owners are unique (validated); an address repeated within an owner replaces the earlier one
 * and counts as a conflict, exactly as the general path would.
 */
function restoreIntoEmpty(base: i64, end: usize, stackMap: usize, acc: usize, seen: usize, seenMask: u32): void {
  // acc was sized by restore() for every stack that can exist after interning, and the seen
  // bitset (seenMask + 1 bits) for the entries.
  const nS = tcount(tdesc(T_STACKS));
  memory.fill(seen, 0, (<usize>seenMask + 1) >>> 3);
  const cnt = acc, bytes = (acc + (<usize>nS << 2) + 7) & ~7, touched = bytes + (<usize>nS << 3), flag = touched + (<usize>nS << 2);
  memory.fill(cnt, 0, <usize>nS << 2);
  memory.fill(bytes, 0, <usize>nS << 3);
  memory.fill(flag, 0, <usize>nS);
  const lt = tdesc(T_LIVE);
  let p = vOwnerPos;
  let tracked: f64 = 0;
  for (let i: u32 = 0; i < vOwners; i++) {
    const owner = load<u32>(p), n = load<u32>(p, 4);
    p += 8;
    let nt: u32 = 0, ocount: i32 = 0;
    let obytes: f64 = 0;
    for (let k: u32 = 0; k < n; k++) {
      p = getVar(p, end); const addr = varOut;
      p = getVar(p, end); const size = <f64>varOut;
      p = getVar(p, end); const time = <f64>(unzigzag(varOut) + base);
      const h = load<u32>(stackMap + (<usize>load<u32>(p) << 2));
      p += 4;
      const lo = <u32>addr, hi = <u32>(addr >>> 32);
      const hash = liveHash(owner, lo, hi);
      // The map started empty, so an address can only repeat within this snapshot (a crafted
      // one: the encoder writes a map). A bit per hash says "maybe seen"; only then look up.
      const bit = <usize>(hash & seenMask);
      const word = seen + ((bit >>> 5) << 2);
      const w = load<u32>(word);
      let old: i32 = -1;
      if ((w & (1 << <u32>(bit & 31))) != 0) old = liveFind(owner, lo, hi);
      else store<u32>(word, w | (1 << <u32>(bit & 31)));
      let e: usize;
      if (old >= 0) {
        hinc(LIVE_CONFLICTS);
        e = tentry(lt, <u32>old);
        const oh = load<u32>(e, 20) - 1, osize = load<f64>(e, 24);
        store<u32>(cnt + (<usize>oh << 2), load<u32>(cnt + (<usize>oh << 2)) - 1);
        store<f64>(bytes + (<usize>oh << 3), load<f64>(bytes + (<usize>oh << 3)) - osize);
        ocount--; obytes -= osize;
      } else {
        e = tentry(lt, tappendReserved(lt, hash));
        store<u32>(e, owner, 8); store<u32>(e, lo, 12); store<u32>(e, hi, 16);
        tracked += 1;
      }
      store<u32>(e, h, 20); store<f64>(e, size, 24); store<f64>(e, time, 32);
      const s = h - 1;
      if (load<u8>(flag + s) == 0) { store<u8>(flag + s, 1); store<u32>(touched + (<usize>nt << 2), s); nt++; }
      store<u32>(cnt + (<usize>s << 2), load<u32>(cnt + (<usize>s << 2)) + 1);
      store<f64>(bytes + (<usize>s << 3), load<f64>(bytes + (<usize>s << 3)) + size);
      ocount++; obytes += size;
    }
    if (ocount > 0) ownerAdd(owner, ocount, obytes);
    for (let j: u32 = 0; j < nt; j++) {
      const s = load<u32>(touched + (<usize>j << 2));
      const c = load<u32>(cnt + (<usize>s << 2));
      if (c > 0) aggAdd(owner, s + 1, <i32>c, load<f64>(bytes + (<usize>s << 3)));
      store<u32>(cnt + (<usize>s << 2), 0); store<f64>(bytes + (<usize>s << 3), 0); store<u8>(flag + s, 0);
    }
  }
  hsetf(LIVE_TRACKED, hgetf(LIVE_TRACKED) + tracked);
}

/** Room for everything a restore can add to the live map: an entry per snapshot entry, an
 *  owner per snapshot owner, an aggregate per (owner, stack) pair that can occur. */
function reserveLive(): bool {
  const pairs = <u64>vOwners * <u64>vStacks;
  const aggs = pairs < <u64>vEntries ? <u32>pairs : vEntries;
  return treserve(tdesc(T_LIVE), vEntries) && treserve(tdesc(T_OWNERS), vOwners) && treserve(tdesc(T_AGG), aggs);
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
  // Reserve everything first: after this point no insert can fail, so no partial restore.
  const maps = region(IO_TMP_PTR, IO_TMP_CAP, (vStrings + vFrames + vStacks) << 2);
  const accStacks = tcount(tdesc(T_STACKS)) + vDepthSum;
  const intoEmpty = tcount(tdesc(T_LIVE)) == 0;
  const acc = intoEmpty ? region(IO_ACC_PTR, IO_ACC_CAP, accStacks * 17 + 16) : 1;
  let seenBits: u32 = 4096 * 8;
  while (seenBits < vEntries * 16 && seenBits < 0x80000000) seenBits <<= 1;
  const seen = intoEmpty ? region(IO_SORT_PTR, IO_SORT_CAP, seenBits >>> 3) : 1;
  if (maps == 0 || acc == 0 || seen == 0) return setError(ERR_NO_MEMORY, 0, 0);
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
    const a = load<u32>(p), b = load<u32>(p, 4), c = load<u32>(p, 8);
    const name = a == NONE ? empty : load<u32>(strMap + (<usize>a << 2));
    const file = b == NONE ? empty : load<u32>(strMap + (<usize>b << 2));
    const map = c == NONE ? empty : load<u32>(strMap + (<usize>c << 2));
    store<u32>(frameMap + (<usize>i << 2), <u32>frameIntern(name, file, map, load<i32>(p, 12), load<i32>(p, 16)));
    p += FRAME_BYTES;
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
  const base = load<i64>(src, 12);
  const end = src + len - SNAP_CHECKSUM;
  if (intoEmpty) restoreIntoEmpty(base, end, stackMap, acc, seen, seenBits - 1);
  else {
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
