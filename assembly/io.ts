// Persistent scratch regions (snapshot input, snapshot output, temporaries), grown by doubling
// and reused, so that repeated snapshot or capture calls do not keep taking new memory.
import { hget, hset } from "./layout";
import { arenaAlloc } from "./arena";

/** A region of at least `size` bytes described by the header words at ptrOff/capOff; 0 if
 *  memory is exhausted. Contents are not preserved across growth. */
export function region(ptrOff: usize, capOff: usize, size: u32): usize {
  if (size <= hget(capOff) && hget(ptrOff) != 0) return <usize>hget(ptrOff);
  let cap: u64 = hget(capOff) < 4096 ? 4096 : <u64>hget(capOff);
  while (cap < <u64>size) cap <<= 1;
  if (cap > 0xffffffff) return 0;
  const p = arenaAlloc(<usize>cap);
  if (p == 0) return 0;
  hset(ptrOff, <u32>p);
  hset(capOff, <u32>cap);
  return p;
}
