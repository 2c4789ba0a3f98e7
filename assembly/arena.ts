// Bump allocation over linear memory. Nothing is ever freed individually: regions are
// abandoned when a table moves, and a reset moves the bump pointer back to the header's end.
// This is what makes reset O(1) and safe on a half-mutated copy.
import { HDR, HDR_SIZE, BUMP, CFG_MAX_PAGES, hget, hset, hinc, DROP_NO_MEMORY } from "./layout";

export function arenaBase(): usize { return HDR + HDR_SIZE; }

/** Makes [0, end) addressable, growing memory within the configured page cap. */
export function ensureMemory(end: usize): bool {
  const have = <usize>memory.size() << 16;
  if (end <= have) return true;
  const needPages = <i32>((end - have + 0xffff) >>> 16);
  const maxPages = hget(CFG_MAX_PAGES);
  if (maxPages != 0 && <u32>memory.size() + <u32>needPages > maxPages) return false;
  // Grow with headroom so a stream of small allocations does not grow page by page.
  let extra = needPages;
  const quarter = memory.size() >> 2;
  if (quarter > extra) extra = quarter;
  if (maxPages != 0 && <u32>memory.size() + <u32>extra > maxPages) extra = <i32>(maxPages - <u32>memory.size());
  if (memory.grow(extra) >= 0) return true;
  return memory.grow(needPages) >= 0;
}

/** 8-aligned region of `size` bytes, or 0 (and a counted drop) when memory is capped or exhausted. */
export function arenaAlloc(size: usize): usize {
  const ptr: usize = (<usize>hget(BUMP) + 7) & ~7;
  const end = ptr + size;
  if (end < ptr || end > 0xfff00000) { hinc(DROP_NO_MEMORY); return 0; }
  if (!ensureMemory(end)) { hinc(DROP_NO_MEMORY); return 0; }
  hset(BUMP, <u32>end);
  return ptr;
}
