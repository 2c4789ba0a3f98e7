// Scratch buffer pool. A capture writes into a buffer that nobody else holds, so re-entrant or
// interleaved captures (an allocation hook firing while a stack is being captured) can never
// write into each other's buffers; there is no shared scratch and no lock to try. Used only by
// captures (capture.ts), which the SDK's own profiles do not take today: embedder API, kept for
// hosts with re-entrant stack walks and for the native-heap aggregator (docs/core.md).
//
// Buffer: 16-byte header (+0 state, +4 sampling generation at acquire / free-list link,
// +8 data capacity) followed by CFG_BUF_SIZE - 16 data bytes. The pool keeps at most
// CFG_POOL_IDLE_MAX idle buffers; extras are discarded to a free list that later acquires
// reuse before taking new memory, so the memory held is bounded by the peak number of
// buffers out at once (itself capped by CFG_MAX_BUFFERS, refusals counted).
import { HDR, CFG_BUF_SIZE, CFG_POOL_IDLE_MAX, CFG_MAX_BUFFERS, LC_SAMPLING_GEN, POOL_IDLE_PTR, POOL_IDLE_COUNT,
         POOL_FREE_HEAD, POOL_OUT, POOL_CREATED, POOL_DISCARDED, POOL_DENIED, POOL_OUT_LIST, MAX_BUFFERS_OUT,
         hget, hset, hinc } from "./layout";
import { arenaAlloc } from "./arena";
import { hook, HOOK_POOL } from "./hooks";

export const BUF_HEADER: u32 = 16;          // the host writes capture records from buf + BUF_HEADER
const BUF_STATE: usize = 0;
const BUF_LINK: usize = 4;                   // sampling generation while out, free-list link after
const BUF_CAPACITY: usize = 8;
const IN_USE: u32 = 0x5c4a7c41;
const IDLE: u32 = 0x1d1e1d1e;

function idleArray(): usize {
  let p = <usize>hget(POOL_IDLE_PTR);
  if (p == 0) {
    p = arenaAlloc(<usize>hget(CFG_POOL_IDLE_MAX) << 2);
    if (p != 0) hset(POOL_IDLE_PTR, <u32>p);
  }
  return p;
}

/** A buffer for the caller alone (its base address), or 0 when refused (cap or memory). */
export function poolAcquire(): usize {
  if (hget(POOL_OUT) >= hget(CFG_MAX_BUFFERS)) { hinc(POOL_DENIED); return 0; }
  let buf: usize = 0;
  const idle = hget(POOL_IDLE_COUNT);
  if (idle > 0) {
    buf = <usize>load<u32>(idleArray() + (<usize>(idle - 1) << 2));
    hset(POOL_IDLE_COUNT, idle - 1);
  } else if (hget(POOL_FREE_HEAD) != 0) {
    buf = <usize>hget(POOL_FREE_HEAD);
    hset(POOL_FREE_HEAD, load<u32>(buf, BUF_LINK));
  } else {
    const size = hget(CFG_BUF_SIZE);
    buf = arenaAlloc(<usize>size);
    if (buf == 0) { hinc(POOL_DENIED); return 0; }
    store<u32>(buf, size - BUF_HEADER, BUF_CAPACITY);
    hset(POOL_CREATED, hget(POOL_CREATED) + 1);
  }
  hook(HOOK_POOL);
  outListSet(0, <u32>buf);
  store<u32>(buf, IN_USE, BUF_STATE);
  store<u32>(buf, hget(LC_SAMPLING_GEN), BUF_LINK);
  hset(POOL_OUT, hget(POOL_OUT) + 1);
  return buf;
}

// Buffers handed out are listed in the header, so a handle is checked against the list and
// never by reading the memory it points at: after a reset that memory may belong to a table.
function outListSet(find: u32, value: u32): bool {
  for (let i: u32 = 0; i < MAX_BUFFERS_OUT; i++) {
    const at = HDR + POOL_OUT_LIST + (<usize>i << 2);
    if (load<u32>(at) == find) { store<u32>(at, value); return true; }
  }
  return false;
}

/** True when buf is a buffer currently handed out. */
export function poolHeld(buf: usize): bool {
  if (buf == 0) return false;
  for (let i: u32 = 0; i < MAX_BUFFERS_OUT; i++) if (<usize>load<u32>(HDR + POOL_OUT_LIST + (<usize>i << 2)) == buf) return true;
  return false;
}

/** Returns a buffer; false if it was not one handed out (a double release is caught here). */
export function poolRelease(buf: usize): bool {
  if (!outListSet(<u32>buf, 0)) return false;
  store<u32>(buf, IDLE, BUF_STATE);
  hset(POOL_OUT, hget(POOL_OUT) - 1);
  const idle = hget(POOL_IDLE_COUNT);
  const arr = idle < hget(CFG_POOL_IDLE_MAX) ? idleArray() : 0;
  if (arr != 0) {
    store<u32>(arr + (<usize>idle << 2), <u32>buf);
    hset(POOL_IDLE_COUNT, idle + 1);
  } else {
    store<u32>(buf, hget(POOL_FREE_HEAD), BUF_LINK);
    hset(POOL_FREE_HEAD, <u32>buf);
    hset(POOL_DISCARDED, hget(POOL_DISCARDED) + 1);
  }
  return true;
}

export function bufferGeneration(buf: usize): u32 { return load<u32>(buf, BUF_LINK); }
export function bufferCapacity(buf: usize): u32 { return load<u32>(buf, BUF_CAPACITY); }
