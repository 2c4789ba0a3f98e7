// Live-allocation map: (owner, address) -> (size, stack, time), with exact per-owner totals
// and per-(owner, stack) aggregates, so a heap profile is read straight from the aggregates.
//
// Entries:  live  (36 B): in live-table.ts (chunked, linear hashing)
//           owner (24 B): +8 owner, +12 count, +16 bytes f64
//           agg   (32 B): +8 owner, +12 stack, +16 count, +20 pad, +24 bytes f64
// Sizes and times are f64 holding integers (exact to 2^53), the host's number type.
//
// While an export is open (a reader walks the tables), events are deferred and applied when
// it closes: frees first, then allocations. Across threads a free is recorded after the
// allocator has already handed the address out again, so "alloc A, free A" in one batch most
// likely means the new A is live; applying frees first keeps the newest allocation.
import { tdesc, thead, tentry, tappend, tremove, treserve } from "./table";
import { liveCount, liveEntry, liveHash, liveTableFind, liveTableAppend, liveTableRemove, liveTableReserve, LIVE_OWNER,
         LIVE_STACK, LIVE_SIZE } from "./live-table";
import { T_OWNERS, T_AGG, LIVE_TRACKED, LIVE_CONFLICTS, LIVE_UNMATCHED, LIVE_EMPTY_STACK,
         LIVE_EXPORTING, LIVE_PEND_PTR, LIVE_PEND_COUNT, LIVE_PEND_CAP, LIVE_PEND_DROPPED,
         hget, hset, hgetf, hsetf, hinc } from "./layout";
import { arenaAlloc } from "./arena";
import { combine, mix32 } from "./hash";
import { hook, HOOK_LIVE_INSERT, HOOK_LIVE_REMOVE } from "./hooks";

export { liveHash };

// Entry layouts (the comment above), shared with the host through sdk/core/layout.generated.ts.
export const OWNER_ENTRY_SIZE: u32 = 24;
export const OWNER_ID: usize = 8;
export const OWNER_COUNT: usize = 12;
export const OWNER_BYTES: usize = 16;
export const AGG_ENTRY_SIZE: u32 = 32;
export const AGG_OWNER: usize = 8;
export const AGG_STACK: usize = 12;
export const AGG_COUNT: usize = 16;
export const AGG_PAD: usize = 20;
export const AGG_BYTES: usize = 24;

// Event kinds, as the native hooks report them (native-bridge/heap uses the same numbers; the
// SDK's LiveEventKind is generated from these).
export const EV_ALLOC: u32 = 1;      // malloc/calloc/memalign/... and restored entries
export const EV_FREE: u32 = 2;
export const EV_REALLOC: u32 = 3;    // free(old) then alloc(new), also when old == new
export const EV_MMAP_ANON: u32 = 4;
export const EV_MMAP_FILE: u32 = 5;  // ignored: file mappings are not heap
export const EV_MUNMAP: u32 = 6;
export const EV_MREMAP: u32 = 7;     // same as realloc
export const EV_SHMAT: u32 = 8;      // attach: an allocation of the segment size
export const EV_SHMDT: u32 = 9;      // detach: a free
export const EV_BRK: u32 = 10;       // ignored: malloc's own events already count what brk backs

// @ts-ignore: decorator
@inline function aggHash(owner: u32, stack: u32): u32 { return combine(mix32(owner ^ 0x5bd1e995), stack); }

export function liveFind(owner: u32, lo: u32, hi: u32): i32 { return liveTableFind(owner, lo, hi, liveHash(owner, lo, hi)); }

export function ownerFind(owner: u32): i32 {
  const t = tdesc(T_OWNERS);
  const hash = mix32(owner);
  let i = thead(t, hash);
  while (i != 0) {
    const e = tentry(t, i - 1);
    if (load<u32>(e, OWNER_ID) == owner) return <i32>(i - 1);
    i = load<u32>(e);
  }
  return -1;
}

function aggFind(owner: u32, stack: u32): i32 {
  const t = tdesc(T_AGG);
  const hash = aggHash(owner, stack);
  let i = thead(t, hash);
  while (i != 0) {
    const e = tentry(t, i - 1);
    if (load<u32>(e, AGG_OWNER) == owner && load<u32>(e, AGG_STACK) == stack) return <i32>(i - 1);
    i = load<u32>(e);
  }
  return -1;
}

/** Room for n more allocations in every table they touch, so that n inserts cannot fail. */
export function liveReserve(n: u32): bool {
  return liveTableReserve(n) && treserve(tdesc(T_AGG), n) && treserve(tdesc(T_OWNERS), n);
}

/** Adds `count` allocations totalling `bytes` to an owner's totals (negative to remove); the
 *  owner disappears when nothing of it is live. False if a removal names an unknown owner. */
export function ownerAdd(owner: u32, count: i32, bytes: f64): bool {
  const ot = tdesc(T_OWNERS);
  let oi = ownerFind(owner);
  if (oi < 0) {
    if (count < 0) return false;
    oi = tappend(ot, mix32(owner));
    if (oi < 0) return false;
    const n = tentry(ot, <u32>oi);
    store<u32>(n, owner, OWNER_ID); store<u32>(n, 0, OWNER_COUNT); store<f64>(n, 0, OWNER_BYTES);
  }
  const e = tentry(ot, <u32>oi);
  const c = <u32>(<i32>load<u32>(e, OWNER_COUNT) + count);
  store<u32>(e, c, OWNER_COUNT);
  store<f64>(e, load<f64>(e, OWNER_BYTES) + bytes, OWNER_BYTES);
  if (c == 0) tremove(ot, <u32>oi);
  return true;
}

/** Same for the (owner, stack) aggregate: a stack disappears with its last allocation. */
export function aggAdd(owner: u32, stack: u32, count: i32, bytes: f64): bool {
  const at = tdesc(T_AGG);
  let ai = aggFind(owner, stack);
  if (ai < 0) {
    if (count < 0) return false;
    ai = tappend(at, aggHash(owner, stack));
    if (ai < 0) return false;
    const n = tentry(at, <u32>ai);
    store<u32>(n, owner, AGG_OWNER); store<u32>(n, stack, AGG_STACK); store<u32>(n, 0, AGG_COUNT); store<u32>(n, 0, AGG_PAD);
    store<f64>(n, 0, AGG_BYTES);
  }
  const e = tentry(at, <u32>ai);
  const c = <u32>(<i32>load<u32>(e, AGG_COUNT) + count);
  store<u32>(e, c, AGG_COUNT);
  store<f64>(e, load<f64>(e, AGG_BYTES) + bytes, AGG_BYTES);
  if (c == 0) tremove(at, <u32>ai);
  return true;
}

function adjust(owner: u32, stack: u32, size: f64, delta: i32): bool {
  const bytes = delta > 0 ? size : -size;
  return ownerAdd(owner, delta, bytes) && aggAdd(owner, stack, delta, bytes);
}

function removeAt(idx: u32): void {
  const e = liveEntry(idx);
  const owner = load<u32>(e, LIVE_OWNER);
  const stack = load<u32>(e, LIVE_STACK);
  const size = load<f64>(e, LIVE_SIZE);
  liveTableRemove(idx);
  hook(HOOK_LIVE_REMOVE);
  hsetf(LIVE_TRACKED, hgetf(LIVE_TRACKED) - 1);
  adjust(owner, stack, size, -1);
}

/** Immediate (non-deferred) allocation. Returns 1 tracked, 0 ignored (empty stack), -1 no memory. */
export function liveAllocNow(owner: u32, lo: u32, hi: u32, size: f64, stack: u32, time: f64): i32 {
  if (stack == 0) { hinc(LIVE_EMPTY_STACK); return 0; }
  // Reserve first so that a failure leaves every table as it was.
  if (!liveReserve(1)) return -1;
  const hash = liveHash(owner, lo, hi);
  const old = liveTableFind(owner, lo, hi, hash);
  if (old >= 0) {
    // An address allocated twice without a free in between: the newer allocation wins.
    hinc(LIVE_CONFLICTS);
    removeAt(<u32>old);
  }
  liveTableAppend(owner, lo, hi, hash, stack, size, time);
  hook(HOOK_LIVE_INSERT);
  hsetf(LIVE_TRACKED, hgetf(LIVE_TRACKED) + 1);
  adjust(owner, stack, size, 1);
  return 1;
}

/** Immediate free. Returns 1 freed, 0 unknown address (counted, never an error). */
export function liveFreeNow(owner: u32, lo: u32, hi: u32): i32 {
  const idx = liveFind(owner, lo, hi);
  if (idx < 0) { hinc(LIVE_UNMATCHED); return 0; }
  removeAt(<u32>idx);
  return 1;
}

// --- deferral while exporting ---
const PEND: usize = 40;

function pend(kind: u32, owner: u32, lo: u32, hi: u32, stack: u32, size: f64, time: f64): i32 {
  let count = hget(LIVE_PEND_COUNT);
  let cap = hget(LIVE_PEND_CAP);
  if (count == cap) {
    const ncap: u32 = cap == 0 ? 256 : cap << 1;
    const ptr = arenaAlloc(<usize>ncap * PEND);
    if (ptr == 0) { hinc(LIVE_PEND_DROPPED); return -1; }
    memory.copy(ptr, <usize>hget(LIVE_PEND_PTR), <usize>count * PEND);
    hset(LIVE_PEND_PTR, <u32>ptr);
    hset(LIVE_PEND_CAP, ncap);
  }
  const p = <usize>hget(LIVE_PEND_PTR) + <usize>count * PEND;
  store<u32>(p, kind); store<u32>(p, owner, 4); store<u32>(p, lo, 8); store<u32>(p, hi, 12);
  store<u32>(p, stack, 16); store<f64>(p, size, 24); store<f64>(p, time, 32);
  hset(LIVE_PEND_COUNT, count + 1);
  return 1;
}

export function liveAlloc(owner: u32, lo: u32, hi: u32, size: f64, stack: u32, time: f64): i32 {
  if (hget(LIVE_EXPORTING) != 0) {
    if (stack == 0) { hinc(LIVE_EMPTY_STACK); return 0; }
    return pend(EV_ALLOC, owner, lo, hi, stack, size, time);
  }
  return liveAllocNow(owner, lo, hi, size, stack, time);
}

export function liveFree(owner: u32, lo: u32, hi: u32): i32 {
  if (hget(LIVE_EXPORTING) != 0) return pend(EV_FREE, owner, lo, hi, 0, 0, 0);
  return liveFreeNow(owner, lo, hi);
}

/** One allocator event. realloc/mremap: free(old) then alloc(new) in that order, even when the
 *  address is unchanged; a zero new size is a free only; a zero old address frees nothing. */
export function liveEvent(kind: u32, owner: u32, oldLo: u32, oldHi: u32, lo: u32, hi: u32, size: f64, stack: u32, time: f64): i32 {
  switch (kind) {
    case EV_ALLOC: case EV_MMAP_ANON: case EV_SHMAT:
      return liveAlloc(owner, lo, hi, size, stack, time);
    case EV_FREE: case EV_MUNMAP: case EV_SHMDT:
      return liveFree(owner, lo, hi);
    case EV_REALLOC: case EV_MREMAP: {
      if (oldLo != 0 || oldHi != 0) liveFree(owner, oldLo, oldHi);
      if (size == 0) return 1;
      return liveAlloc(owner, lo, hi, size, stack, time);
    }
    case EV_MMAP_FILE: case EV_BRK:
      return 0;
    default:
      return -2;
  }
}

export function liveExportBegin(): void { hset(LIVE_EXPORTING, hget(LIVE_EXPORTING) + 1); }

/** Closes an export; the last one to close applies deferred frees, then deferred allocations. */
export function liveExportEnd(): void {
  const open = hget(LIVE_EXPORTING);
  if (open == 0) return;
  hset(LIVE_EXPORTING, open - 1);
  if (open > 1) return;
  const n = hget(LIVE_PEND_COUNT);
  const base = <usize>hget(LIVE_PEND_PTR);
  for (let pass = 0; pass < 2; pass++) {
    for (let i: u32 = 0; i < n; i++) {
      const p = base + <usize>i * PEND;
      const kind = load<u32>(p);
      if (pass == 0 && kind == EV_FREE) liveFreeNow(load<u32>(p, 4), load<u32>(p, 8), load<u32>(p, 12));
      if (pass == 1 && kind == EV_ALLOC) liveAllocNow(load<u32>(p, 4), load<u32>(p, 8), load<u32>(p, 12), load<f64>(p, 24), load<u32>(p, 16), load<f64>(p, 32));
    }
  }
  hset(LIVE_PEND_COUNT, 0);
}

/** Removes every allocation of one owner; other owners' entries and totals are not touched. */
export function liveClearOwner(owner: u32): u32 {
  let removed: u32 = 0;
  // Walking down: the entry moved into a hole comes from the end, which was already visited.
  let i = liveCount();
  while (i > 0) {
    i--;
    if (load<u32>(liveEntry(i), LIVE_OWNER) == owner) { removeAt(i); removed++; }
  }
  return removed;
}

/** tracked counter minus map size: 0 when consistent. */
export function liveMismatch(): f64 { return hgetf(LIVE_TRACKED) - <f64>liveCount(); }
