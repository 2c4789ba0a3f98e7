// Hash functions for the core's tables. Speed matters more than quality beyond "no cheap
// collisions": chains are short because tables grow at load factor 1.

// @ts-ignore: decorator
@inline export function mix32(h: u32): u32 {
  h ^= h >>> 16; h *= 0x85ebca6b;
  h ^= h >>> 13; h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

// @ts-ignore: decorator
@inline export function combine(h: u32, v: u32): u32 {
  return mix32(h ^ (v + 0x9e3779b9 + (h << 6) + (h >>> 2)));
}

/** Hash of a byte range, four bytes at a time. */
export function hashBytes(ptr: usize, len: u32): u32 {
  let h: u32 = 0x811c9dc5 ^ len;
  let i: u32 = 0;
  while (i + 4 <= len) { h = (h ^ load<u32>(ptr + i)) * 0x01000193; h ^= h >>> 15; i += 4; }
  while (i < len) { h = (h ^ <u32>load<u8>(ptr + i)) * 0x01000193; i++; }
  return mix32(h);
}
