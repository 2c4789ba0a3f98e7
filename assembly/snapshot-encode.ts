// Snapshot encoder and its budget (the format is in snapshot-format.ts). plan() decides what
// fits under the byte budget with an exact size model and fills per-call temporaries; encode()
// then writes exactly that many bytes. The live map is only read, never changed.
import { T_STACKS, T_FRAMES, T_OWNERS, T_AGG, IO_TMP_PTR, IO_TMP_CAP, IO_OUT_PTR, IO_OUT_CAP,
         SNAP_CLEARED, SNAP_DROPPED_OWNERS, SNAP_DROPPED_STACKS, hget, hset, hsetf } from "./layout";
import { ERR_NO_MEMORY, ERR_SNAP_BUDGET, setError } from "./errors";
import { tdesc, tentry, tcount } from "./table";
import { stringCount, stringPtr, stringLen } from "./strings";
import { frameCount, FRAME_NAME, FRAME_FILE, FRAME_MAPPING, FRAME_LINE, FRAME_COLUMN } from "./frames";
import { TRIE_PARENT, TRIE_ITEM_A, TRIE_DEPTH } from "./trie";
import { LIVE_OWNER, LIVE_ADDR_LO, LIVE_ADDR_HI, LIVE_STACK, LIVE_SIZE, LIVE_TIME, liveCount, liveEntry } from "./live-table";
import { ownerFind, OWNER_ID, OWNER_COUNT,
         OWNER_BYTES, AGG_STACK, AGG_COUNT, AGG_BYTES } from "./livemap";
import { region } from "./io";
import { sortByKey } from "./sort";
import { SNAP_MAGIC, SNAP_VERSION, SNAP_HEADER, SNAP_CHECKSUM, SNAP_H_MAGIC, SNAP_H_VERSION, SNAP_H_FLAGS, SNAP_H_LENGTH,
         SNAP_H_TIME_BASE, SNAP_H_STRINGS, SNAP_H_FRAMES, SNAP_H_STACKS, SNAP_H_OWNERS, SNAP_FRAME_BYTES, SNAP_F_NAME,
         SNAP_F_FILE, SNAP_F_MAPPING, SNAP_F_LINE, SNAP_F_COLUMN, SNAP_NONE, CLEARED_NAME, varLen, zigzag, putVar,
         checksum64 } from "./snapshot-format";

// Marks in the per-stack index array while planning (encode assigns the real indices). carve()
// fills the array with 0xff bytes, so every stack starts UNSEEN.
const UNSEEN: u32 = 0xffffffff;
const CLEARED: u32 = 0xfffffffe;
const REFERENCED: u32 = 0xfffffffd;
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
    const s = load<u32>(e + FRAME_NAME + (<usize>k << 2)); // name, file, mapping: consecutive
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
    const f = load<u32>(e, TRIE_ITEM_A);
    const r = load<u32>(u32at(tFrameRef, f));
    if (delta > 0) {
      store<u32>(u32at(tFrameRef, f), r + 1);
      if (r == 0) bytes += <i64>SNAP_FRAME_BYTES + frameStrings(f, 1);
    } else {
      store<u32>(u32at(tFrameRef, f), r - 1);
      if (r == 1) bytes += frameStrings(f, -1) - <i64>SNAP_FRAME_BYTES;
    }
    h = load<u32>(e, TRIE_PARENT);
  }
  return bytes;
}

// @ts-ignore: decorator
@inline function stackDepth(h: u32): u32 { return load<u32>(tentry(tdesc(T_STACKS), h - 1), TRIE_DEPTH); }

function entryBytes(e: usize, base: i64): u32 {
  const addr = (<u64>load<u32>(e, LIVE_ADDR_HI) << 32) | <u64>load<u32>(e, LIVE_ADDR_LO);
  return varLen(addr) + varLen(<u64>load<f64>(e, LIVE_SIZE)) + varLen(zigzag(<i64>load<f64>(e, LIVE_TIME) - base)) + 4;
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
    const s = load<u32>(e, AGG_STACK) - 1;
    store<f64>(f64at(tStackBytes, s), load<f64>(f64at(tStackBytes, s)) + load<f64>(e, AGG_BYTES));
    store<f64>(f64at(tStackAddrs, s), load<f64>(f64at(tStackAddrs, s)) + <f64>load<u32>(e, AGG_COUNT));
    if (load<u32>(u32at(tStackIdx, s)) == UNSEEN) {
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
    store<f64>(f64at(tOwnerBytes, o), load<f64>(e, OWNER_BYTES));
    store<u32>(u32at(tOwnerIds, o), load<u32>(e, OWNER_ID));
    store<u32>(u32at(tOwnerKeep, o), 1);
    store<u32>(u32at(tOwnerOrder, o), o);
  }
  const nL = liveCount();
  const base: i64 = nL == 0 ? 0 : <i64>load<f64>(liveEntry(0), LIVE_TIME);
  // Owner ids use all 32 bits, so no id can stand for "none yet": the first entry always looks up.
  let lastOwner: u32 = 0, lastIdx: u32 = 0;
  for (let i: u32 = 0; i < nL; i++) {
    const e = liveEntry(i);
    const owner = load<u32>(e, LIVE_OWNER);
    if (i == 0 || owner != lastOwner) { lastOwner = owner; lastIdx = <u32>ownerFind(owner); }
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
      cleared -= <f64>load<u32>(tentry(ot, o), OWNER_COUNT);
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
    if (load<u32>(u32at(tStrRef, s)) == 0 || stringLen(s) == 0) { store<u32>(u32at(tStrIdx, s), SNAP_NONE); continue; }
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
    store<u32>(p, load<u32>(u32at(tStrIdx, load<u32>(e, FRAME_NAME))), SNAP_F_NAME);
    store<u32>(p, load<u32>(u32at(tStrIdx, load<u32>(e, FRAME_FILE))), SNAP_F_FILE);
    store<u32>(p, load<u32>(u32at(tStrIdx, load<u32>(e, FRAME_MAPPING))), SNAP_F_MAPPING);
    store<i32>(p, load<i32>(e, FRAME_LINE), SNAP_F_LINE);
    store<i32>(p, load<i32>(e, FRAME_COLUMN), SNAP_F_COLUMN);
    p += SNAP_FRAME_BYTES;
  }
  const clearedFrame = nf;
  if (pClearedUsed) {
    store<u32>(p, clearedString, SNAP_F_NAME); store<u32>(p, SNAP_NONE, SNAP_F_FILE); store<u32>(p, SNAP_NONE, SNAP_F_MAPPING);
    store<i32>(p, 0, SNAP_F_LINE); store<i32>(p, 0, SNAP_F_COLUMN);
    p += SNAP_FRAME_BYTES;
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
      store<u32>(p, load<u32>(u32at(tFrameIdx, load<u32>(e, TRIE_ITEM_A))));
      p += 4;
      h = load<u32>(e, TRIE_PARENT);
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
    store<u32>(p, load<u32>(e, OWNER_ID));
    store<u32>(p, load<u32>(e, OWNER_COUNT), 4);
    store<u32>(u32at(tOwnerCursor, o), <u32>(p + 8 - out));
    p += 8 + <usize>load<f64>(f64at(tOwnerEntryBytes, o));
    no++;
  }
  const nL = liveCount();
  let lastOwner: u32 = 0, lastIdx: u32 = 0;
  for (let i: u32 = 0; i < nL; i++) {
    const e = liveEntry(i);
    const owner = load<u32>(e, LIVE_OWNER);
    if (i == 0 || owner != lastOwner) { lastOwner = owner; lastIdx = <u32>ownerFind(owner); }
    if (load<u32>(u32at(tOwnerKeep, lastIdx)) == 0) continue;
    let q = out + <usize>load<u32>(u32at(tOwnerCursor, lastIdx));
    q = putVar(q, (<u64>load<u32>(e, LIVE_ADDR_HI) << 32) | <u64>load<u32>(e, LIVE_ADDR_LO));
    q = putVar(q, <u64>load<f64>(e, LIVE_SIZE));
    q = putVar(q, zigzag(<i64>load<f64>(e, LIVE_TIME) - pTimeBase));
    const si = load<u32>(u32at(tStackIdx, load<u32>(e, LIVE_STACK) - 1));
    store<u32>(q, si == CLEARED ? clearedStack : si);
    store<u32>(u32at(tOwnerCursor, lastIdx), <u32>(q + 4 - out));
  }
  const bodyEnd = <u32>(p - out);
  // The size model and the encoder must agree to the byte; a disagreement is a bug, so trap.
  if (bodyEnd + SNAP_CHECKSUM != total) unreachable();
  store<u32>(out, SNAP_MAGIC, SNAP_H_MAGIC);
  store<u16>(out, <u16>SNAP_VERSION, SNAP_H_VERSION);
  store<u16>(out, 0, SNAP_H_FLAGS);
  store<u32>(out, total, SNAP_H_LENGTH);
  store<i64>(out, pTimeBase, SNAP_H_TIME_BASE);
  store<u32>(out, ns, SNAP_H_STRINGS); store<u32>(out, nf, SNAP_H_FRAMES); store<u32>(out, nk, SNAP_H_STACKS);
  store<u32>(out, no, SNAP_H_OWNERS);
  store<u64>(out + bodyEnd, checksum64(out, bodyEnd));
  return <i64>total;
}
