// A hashed table of fixed-size entries: a dense entry array (ids are indexes, so readers can
// walk it as a plain array) plus an array of chain heads. Every entry starts with
//   +0 next  u32   index+1 of the next entry in the same chain (0 = end)
//   +4 hash  u32
// followed by the owner's payload. Tables start empty with no storage, so that a reset only
// has to zero their descriptors; storage arrives on the first insert and doubles after that.
//
// Descriptor (TABLE_DESC_SIZE bytes inside the header):
//   +0 entries ptr, +4 count, +8 capacity, +12 entry size, +16 buckets ptr, +20 bucket mask
import { HDR } from "./layout";
import { arenaAlloc } from "./arena";
import { hook, HOOK_TABLE_GROW_ENTRIES, HOOK_TABLE_GROW_BUCKETS, HOOK_TABLE_INSERT, HOOK_TABLE_REMOVE } from "./hooks";

export const TABLE_DESC_SIZE: usize = 32;
const MIN_CAPACITY: u32 = 16;

// @ts-ignore: decorator
@inline export function tdesc(off: usize): usize { return HDR + off; }
// @ts-ignore: decorator
@inline export function tcount(t: usize): u32 { return load<u32>(t, 4); }
// @ts-ignore: decorator
@inline export function tentries(t: usize): usize { return load<u32>(t); }
// @ts-ignore: decorator
@inline export function tentry(t: usize, i: u32): usize { return <usize>load<u32>(t) + <usize>i * <usize>load<u32>(t, 12); }

/** Sets the entry size of an empty table; called after every reset. */
export function tinit(t: usize, entrySize: u32): void {
  store<u32>(t, 0); store<u32>(t, 0, 4); store<u32>(t, 0, 8);
  store<u32>(t, entrySize, 12); store<u32>(t, 0, 16); store<u32>(t, 0, 20);
}

/** First entry (index+1) of the chain for `hash`, 0 if none. */
// @ts-ignore: decorator
@inline export function thead(t: usize, hash: u32): u32 {
  const buckets = <usize>load<u32>(t, 16);
  if (buckets == 0) return 0;
  return load<u32>(buckets + (<usize>(hash & load<u32>(t, 20)) << 2));
}

function growEntries(t: usize, need: u32): bool {
  const cap = load<u32>(t, 8);
  if (need <= cap) return true;
  let ncap = cap < MIN_CAPACITY ? MIN_CAPACITY : cap;
  while (ncap < need) ncap <<= 1;
  const esize = <usize>load<u32>(t, 12);
  const ptr = arenaAlloc(<usize>ncap * esize);
  if (ptr == 0) return false;
  memory.copy(ptr, <usize>load<u32>(t), <usize>load<u32>(t, 4) * esize);
  hook(HOOK_TABLE_GROW_ENTRIES);
  store<u32>(t, <u32>ptr);
  store<u32>(t, ncap, 8);
  return true;
}

function growBuckets(t: usize, need: u32): bool {
  const mask = load<u32>(t, 20);
  const have: u32 = load<u32>(t, 16) == 0 ? 0 : mask + 1;
  if (need <= have) return true;
  let n = have < MIN_CAPACITY ? MIN_CAPACITY : have;
  while (n < need) n <<= 1;
  const ptr = arenaAlloc(<usize>n << 2);
  if (ptr == 0) return false;
  memory.fill(ptr, 0, <usize>n << 2);
  const nmask = n - 1;
  const count = load<u32>(t, 4);
  const esize = <usize>load<u32>(t, 12);
  let e = <usize>load<u32>(t);
  for (let i: u32 = 0; i < count; i++) {
    const slot = ptr + (<usize>(load<u32>(e, 4) & nmask) << 2);
    store<u32>(e, load<u32>(slot));
    store<u32>(slot, i + 1);
    if (i == (count >>> 1)) hook(HOOK_TABLE_GROW_BUCKETS);
    e += esize;
  }
  store<u32>(t, <u32>ptr, 16);
  store<u32>(t, nmask, 20);
  return true;
}

/** Makes room for `extra` more entries without further allocation. Contents are unchanged. */
export function treserve(t: usize, extra: u32): bool {
  const need = load<u32>(t, 4) + extra;
  if (need < extra) return false;
  return growEntries(t, need) && growBuckets(t, need);
}

/** Appends an entry with `hash` and links it; returns its index, or -1 when out of memory.
 *  The payload is the caller's to fill (it is not zeroed). */
export function tappend(t: usize, hash: u32): i32 {
  const count = load<u32>(t, 4);
  if (!treserve(t, 1)) return -1;
  const e = tentry(t, count);
  const slot = <usize>load<u32>(t, 16) + (<usize>(hash & load<u32>(t, 20)) << 2);
  store<u32>(e, load<u32>(slot));
  store<u32>(e, hash, 4);
  hook(HOOK_TABLE_INSERT);
  store<u32>(slot, count + 1);
  store<u32>(t, count + 1, 4);
  return <i32>count;
}

/** tappend for a table whose room was reserved with treserve(): no capacity checks. */
// @ts-ignore: decorator
@inline export function tappendReserved(t: usize, hash: u32): u32 {
  const count = load<u32>(t, 4);
  const e = tentry(t, count);
  const slot = <usize>load<u32>(t, 16) + (<usize>(hash & load<u32>(t, 20)) << 2);
  store<u32>(e, load<u32>(slot));
  store<u32>(e, hash, 4);
  store<u32>(slot, count + 1);
  store<u32>(t, count + 1, 4);
  return count;
}

/** Address of the link (bucket slot or `next` field) that points at entry `idx`. */
function linkTo(t: usize, idx: u32): usize {
  const hash = load<u32>(tentry(t, idx), 4);
  let link = <usize>load<u32>(t, 16) + (<usize>(hash & load<u32>(t, 20)) << 2);
  let cur = load<u32>(link);
  while (cur != 0 && cur != idx + 1) {
    link = tentry(t, cur - 1);
    cur = load<u32>(link);
  }
  return cur == 0 ? 0 : link;
}

/** Removes entry `idx`; the last entry moves into its place (so ids of other entries stay
 *  dense). Returns the old index of the moved entry, or -1 if nothing moved. */
export function tremove(t: usize, idx: u32): i32 {
  const count = load<u32>(t, 4);
  const link = linkTo(t, idx);
  if (link != 0) store<u32>(link, load<u32>(tentry(t, idx)));
  hook(HOOK_TABLE_REMOVE);
  const last = count - 1;
  let moved: i32 = -1;
  if (idx != last) {
    const lastLink = linkTo(t, last);
    const esize = <usize>load<u32>(t, 12);
    memory.copy(tentry(t, idx), tentry(t, last), esize);
    if (lastLink != 0) store<u32>(lastLink, idx + 1);
    moved = <i32>last;
  }
  store<u32>(t, last, 4);
  return moved;
}

/** Empties a table but keeps its storage (capacity and buckets, all chains emptied): for
 *  undoing inserts into a table that was empty. O(buckets). */
export function tclear(t: usize): void {
  const buckets = <usize>load<u32>(t, 16);
  if (buckets != 0) memory.fill(buckets, 0, (<usize>load<u32>(t, 20) + 1) << 2);
  store<u32>(t, 0, 4);
}
