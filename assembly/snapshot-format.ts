// Snapshot format: carries the live-allocation map across an instance recycle or an aggregator
// restart. All little-endian; docs/snapshot-format.md is the spec, snapshot-encode.ts and
// snapshot-decode.ts the two halves of the codec, and this file what both agree on:
//
//   header   magic "WPSN", version u16 = 1, flags u16 = 0, total length u32, time base i64,
//            string count u32, frame count u32, stack count u32, owner count u32   (36 bytes)
//   strings  length u32 + UTF-8 bytes                       (empty strings are never stored)
//   frames   name, file, mapping: string index u32 or SNAP_NONE (= ""), line i32, column i32
//   stacks   depth u32 (>= 1) + frame index u32 x depth, leaf first
//   owners   owner id u32, entry count u32, then entries:
//              address uvarint, size uvarint, zigzag(time - time base) varint, stack index u32
//   checksum u64 over every byte before it (checksum64 below)
//
// Stacks travel as portable strings, never as ids of one instance. The stack index is fixed
// width on purpose: dropping stacks under a budget must not change the size of the entries
// that point at them, so the size model stays exact while the budget algorithm runs.
// The SNAP_* constants are copied into sdk/core/layout.generated.ts for tools and tests that
// read or craft snapshots on the host side.

export const SNAP_MAGIC: u32 = 0x4e535057; // "WPSN" read as a little-endian u32
export const SNAP_VERSION: u32 = 1;
export const SNAP_HEADER: u32 = 36;
export const SNAP_CHECKSUM: u32 = 8;
export const SNAP_MAX_DEPTH: u32 = 65536;
// Header fields.
export const SNAP_H_MAGIC: usize = 0;
export const SNAP_H_VERSION: usize = 4;    // u16
export const SNAP_H_FLAGS: usize = 6;      // u16
export const SNAP_H_LENGTH: usize = 8;
export const SNAP_H_TIME_BASE: usize = 12; // i64
export const SNAP_H_STRINGS: usize = 20;
export const SNAP_H_FRAMES: usize = 24;
export const SNAP_H_STACKS: usize = 28;
export const SNAP_H_OWNERS: usize = 32;
// A frame record.
export const SNAP_FRAME_BYTES: u32 = 20;
export const SNAP_F_NAME: usize = 0;
export const SNAP_F_FILE: usize = 4;
export const SNAP_F_MAPPING: usize = 8;
export const SNAP_F_LINE: usize = 12;
export const SNAP_F_COLUMN: usize = 16;
/** String index of the empty string (which is never stored). */
export const SNAP_NONE: u32 = 0xffffffff;
/** The smallest entry: three one-byte varints and the stack index. */
export const MIN_ENTRY_BYTES: u32 = 7;
/** Name of the one synthetic frame that stands for every stack a budget cleared. */
export const CLEARED_NAME = "[live-alloc cleared]";

// @ts-ignore: decorator
@inline export function varLen(v: u64): u32 { let n: u32 = 1; while (v >= 0x80) { v >>>= 7; n++; } return n; }
// @ts-ignore: decorator
@inline export function zigzag(v: i64): u64 { return <u64>((v << 1) ^ (v >> 63)); }
// @ts-ignore: decorator
@inline export function unzigzag(v: u64): i64 { return <i64>(v >>> 1) ^ -<i64>(v & 1); }

export function putVar(p: usize, v: u64): usize {
  while (v >= 0x80) { store<u8>(p, <u8>(v | 0x80)); v >>>= 7; p++; }
  store<u8>(p, <u8>v);
  return p + 1;
}

// Long loops run in blocks, each block one call of a function of its own: V8 starts wasm in its
// baseline tier and switches a function to optimized code only at its next call, so a single
// call over 15 MiB (the first restore in a fresh process) would run entirely unoptimized.
// A function that is called from two places is not inlined by the optimizer.
export const BLOCK_ENTRIES: u32 = 8192;
const BLOCK_WORDS: u32 = 32768;

function mixWords(h: u64, p: usize, n: u32): u64 {
  const end = p + (<usize>n << 3);
  while (p < end) {
    h = (h ^ load<u64>(p)) * 0xff51afd7ed558ccd;
    h ^= h >>> 29;
    p += 8;
  }
  return h;
}

/** 64-bit checksum: 8-byte little-endian words (the tail zero-padded), each folded in with a
 *  multiply and shift, then a final avalanche. Cheap enough for tens of MiB per snapshot. */
export function checksum64(ptr: usize, len: u32): u64 {
  let h: u64 = 0x9e3779b97f4a7c15 ^ <u64>len;
  const words = len >>> 3;
  let done: u32 = 0;
  while (words - done > BLOCK_WORDS) { h = mixWords(h, ptr + (<usize>done << 3), BLOCK_WORDS); done += BLOCK_WORDS; }
  h = mixWords(h, ptr + (<usize>done << 3), words - done);
  let i: u32 = words << 3;
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
