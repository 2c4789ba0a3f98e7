// The frame cache: an LRU from a 64-bit host frame key (e.g. V8 script id + position, or a native return
// address) to a frame id. It spares the host from encoding a frame's strings again for every
// sample: on a hit the host sends only the key.
//
// Fixed capacity, storage taken on the first store (so a reset only zeroes the descriptor).
// Entries (32 bytes): +0 chain next, +4 hash, +8 key lo, +12 key hi, +16 frame id,
//                     +20 prev (towards most recent), +24 next (towards least recent)
// All links are index+1 (0 = none). Eviction rewrites the victim's slot in place.
import { CFG_FRAME_CACHE_CAP, FRAME_CACHE_ENTRIES, FRAME_CACHE_COUNT, FRAME_CACHE_BUCKETS, FRAME_CACHE_MASK, FRAME_CACHE_HEAD, FRAME_CACHE_TAIL,
         FRAME_CACHE_HITS, FRAME_CACHE_MISSES, FRAME_CACHE_EVICTIONS, FRAME_CACHE_UPDATES, hget, hset, hinc } from "./layout";
import { arenaAlloc } from "./arena";
import { combine, mix32 } from "./hash";
import { hook, HOOK_FRAME_CACHE_UNLINK, HOOK_FRAME_CACHE_RELINK, HOOK_FRAME_CACHE_EVICT_UNCHAIN, HOOK_FRAME_CACHE_EVICT_REUSE } from "./hooks";

const ENTRY: usize = 32;

// @ts-ignore: decorator
@inline function entry(i1: u32): usize { return <usize>hget(FRAME_CACHE_ENTRIES) + <usize>(i1 - 1) * ENTRY; }
// @ts-ignore: decorator
@inline function keyHash(lo: u32, hi: u32): u32 { return combine(mix32(lo), hi); }
// @ts-ignore: decorator
@inline function bucket(hash: u32): usize { return <usize>hget(FRAME_CACHE_BUCKETS) + (<usize>(hash & hget(FRAME_CACHE_MASK)) << 2); }

function find(lo: u32, hi: u32, hash: u32): u32 {
  if (hget(FRAME_CACHE_BUCKETS) == 0) return 0;
  let i = load<u32>(bucket(hash));
  while (i != 0) {
    const e = entry(i);
    if (load<u32>(e, 8) == lo && load<u32>(e, 12) == hi) return i;
    i = load<u32>(e);
  }
  return 0;
}

function ensureStorage(): bool {
  if (hget(FRAME_CACHE_ENTRIES) != 0) return true;
  const cap = hget(CFG_FRAME_CACHE_CAP);
  let nb: u32 = 16;
  while (nb < cap) nb <<= 1;
  const entries = arenaAlloc(<usize>cap * ENTRY);
  if (entries == 0) return false;
  const buckets = arenaAlloc(<usize>nb << 2);
  if (buckets == 0) return false;
  memory.fill(buckets, 0, <usize>nb << 2);
  hset(FRAME_CACHE_BUCKETS, <u32>buckets);
  hset(FRAME_CACHE_MASK, nb - 1);
  hset(FRAME_CACHE_ENTRIES, <u32>entries);
  return true;
}

function moveToFront(i: u32): void {
  const head = hget(FRAME_CACHE_HEAD);
  if (head == i) return;
  const e = entry(i);
  const prev = load<u32>(e, 20);
  const next = load<u32>(e, 24);
  if (prev != 0) store<u32>(entry(prev), next, 24);
  if (next != 0) store<u32>(entry(next), prev, 20); else hset(FRAME_CACHE_TAIL, prev);
  hook(HOOK_FRAME_CACHE_UNLINK);
  pushFront(i);
}

function pushFront(i: u32): void {
  const e = entry(i);
  const head = hget(FRAME_CACHE_HEAD);
  store<u32>(e, 0, 20);
  store<u32>(e, head, 24);
  if (head != 0) store<u32>(entry(head), i, 20);
  hook(HOOK_FRAME_CACHE_RELINK);
  hset(FRAME_CACHE_HEAD, i);
  if (hget(FRAME_CACHE_TAIL) == 0) hset(FRAME_CACHE_TAIL, i);
}

/** Frame id + 1 on a hit (and the entry becomes most recent); 0 on a miss. */
export function frameCacheLookup(lo: u32, hi: u32): u32 {
  const i = find(lo, hi, keyHash(lo, hi));
  if (i == 0) { hinc(FRAME_CACHE_MISSES); return 0; }
  hinc(FRAME_CACHE_HITS);
  moveToFront(i);
  return load<u32>(entry(i), 16) + 1;
}

/** Like frameCacheLookup but changes nothing (no recency, no counters): for captures in flight. */
export function frameCachePeek(lo: u32, hi: u32): u32 {
  const i = find(lo, hi, keyHash(lo, hi));
  return i == 0 ? 0 : load<u32>(entry(i), 16) + 1;
}

/** Maps key to frame. A present key is updated in place and moved to the front; a new key at
 *  capacity evicts exactly the least recently used entry. Returns false when out of memory. */
export function frameCacheStore(lo: u32, hi: u32, frame: u32): bool {
  if (!ensureStorage()) return false;
  const hash = keyHash(lo, hi);
  const found = find(lo, hi, hash);
  if (found != 0) {
    store<u32>(entry(found), frame, 16);
    hinc(FRAME_CACHE_UPDATES);
    moveToFront(found);
    return true;
  }
  let i: u32;
  const count = hget(FRAME_CACHE_COUNT);
  if (count < hget(CFG_FRAME_CACHE_CAP)) {
    i = count + 1;
    hset(FRAME_CACHE_COUNT, i);
  } else {
    i = hget(FRAME_CACHE_TAIL);
    evict(i);
  }
  const e = entry(i);
  store<u32>(e, hash, 4);
  store<u32>(e, lo, 8);
  store<u32>(e, hi, 12);
  store<u32>(e, frame, 16);
  hook(HOOK_FRAME_CACHE_EVICT_REUSE);
  const b = bucket(hash);
  store<u32>(e, load<u32>(b));
  store<u32>(b, i);
  pushFront(i);
  return true;
}

function evict(i: u32): void {
  const e = entry(i);
  // Out of its hash chain first, so a lookup never finds a slot that is being rewritten.
  let link = bucket(load<u32>(e, 4));
  let cur = load<u32>(link);
  while (cur != 0 && cur != i) { link = entry(cur); cur = load<u32>(link); }
  if (cur == i) store<u32>(link, load<u32>(e));
  hook(HOOK_FRAME_CACHE_EVICT_UNCHAIN);
  const prev = load<u32>(e, 20);
  if (prev != 0) store<u32>(entry(prev), 0, 24);
  hset(FRAME_CACHE_TAIL, prev);
  if (hget(FRAME_CACHE_HEAD) == i) hset(FRAME_CACHE_HEAD, 0);
  hinc(FRAME_CACHE_EVICTIONS);
}

/** Keys from most to least recent, written as (lo, hi) pairs at out; returns the count.
 *  For tests and the SDK's stats; O(size). */
export function frameCacheKeys(out: usize, max: u32): u32 {
  let i = hget(FRAME_CACHE_HEAD);
  let n: u32 = 0;
  while (i != 0 && n < max) {
    const e = entry(i);
    store<u32>(out + (<usize>n << 3), load<u32>(e, 8));
    store<u32>(out + (<usize>n << 3), load<u32>(e, 12), 4);
    n++;
    i = load<u32>(e, 24);
  }
  return n;
}

export function frameCacheSize(): u32 { return hget(FRAME_CACHE_COUNT); }
