// String table: UTF-8 byte strings interned to dense ids. Entry payload:
//   +8 offset u32 (into the bytes arena; an offset, not a pointer, because the arena moves)
//   +12 length u32
// The host reads entries and the bytes arena directly (sdk/core/tables.ts), through the
// STRING_* constants that scripts/gen-layout.mjs copies into sdk/core/layout.generated.ts.
import { tdesc, thead, tentry, tappend, tcount, treserve } from "./table";
import { T_STRINGS, SB_PTR, SB_USED, SB_CAP, hget, hset } from "./layout";
import { arenaAlloc } from "./arena";
import { hashBytes } from "./hash";
import { hook, HOOK_STRING_BYTES } from "./hooks";

export const STRING_ENTRY_SIZE: u32 = 16;
export const STRING_OFFSET: usize = 8;
export const STRING_LENGTH: usize = 12;

// @ts-ignore: decorator
@inline export function stringCount(): u32 { return tcount(tdesc(T_STRINGS)); }
export function stringPtr(id: u32): usize { return <usize>hget(SB_PTR) + <usize>load<u32>(tentry(tdesc(T_STRINGS), id), STRING_OFFSET); }
export function stringLen(id: u32): u32 { return load<u32>(tentry(tdesc(T_STRINGS), id), STRING_LENGTH); }

function reserveBytes(len: u32): bool {
  const used = hget(SB_USED);
  const cap = hget(SB_CAP);
  if (<u64>used + <u64>len <= <u64>cap) return true;
  let ncap: u64 = cap < 1024 ? 1024 : <u64>cap;
  while (ncap < <u64>used + <u64>len) ncap <<= 1;
  if (ncap > 0x7fffffff) return false;
  const ptr = arenaAlloc(<usize>ncap);
  if (ptr == 0) return false;
  memory.copy(ptr, <usize>hget(SB_PTR), <usize>used);
  hset(SB_PTR, <u32>ptr);
  hset(SB_CAP, <u32>ncap);
  return true;
}

/** Finds a string equal to the bytes at [ptr, ptr+len); -1 if absent. */
export function stringFind(ptr: usize, len: u32, hash: u32): i32 {
  const t = tdesc(T_STRINGS);
  let i = thead(t, hash);
  const base = <usize>hget(SB_PTR);
  while (i != 0) {
    const e = tentry(t, i - 1);
    if (load<u32>(e, 4) == hash && load<u32>(e, STRING_LENGTH) == len &&
        memory.compare(base + <usize>load<u32>(e, STRING_OFFSET), ptr, len) == 0) return <i32>(i - 1);
    i = load<u32>(e);
  }
  return -1;
}

/** Interns a string; returns its id or -1 when out of memory. The bytes must not live in the
 *  string arena itself (hosts pass scratch buffers). */
export function stringIntern(ptr: usize, len: u32): i32 {
  const hash = hashBytes(ptr, len);
  const found = stringFind(ptr, len, hash);
  if (found >= 0) return found;
  const t = tdesc(T_STRINGS);
  if (!reserveBytes(len)) return -1;
  const off = hget(SB_USED);
  memory.copy(<usize>hget(SB_PTR) + <usize>off, ptr, len);
  hook(HOOK_STRING_BYTES);
  hset(SB_USED, off + len);
  const idx = tappend(t, hash);
  if (idx < 0) return -1;
  const e = tentry(t, <u32>idx);
  store<u32>(e, off, STRING_OFFSET);
  store<u32>(e, len, STRING_LENGTH);
  return idx;
}

/** Room for `entries` more strings totalling `bytes` bytes, so that interning them cannot fail. */
export function stringReserve(entries: u32, bytes: u32): bool {
  return reserveBytes(bytes) && treserve(tdesc(T_STRINGS), entries);
}
