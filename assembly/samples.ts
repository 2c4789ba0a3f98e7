// Per-period sample aggregation: up to four int64 values per (kind, stack, label set), summed.
// `kind` lets one period hold several profiles (e.g. wall+cpu in kind 0, allocations in kind 1).
//
// An open-addressing table (linear probing, at most half full) whose slots hold the key and
// the values inline: a sample add touches one slot, usually one cache line, and nothing else.
// Slot (SAMPLE_*, read by the host too): +0 stack handle (0 = empty slot: handles are > 0),
// +4 label-set handle, +8 kind, +12 pad, +16..+48 four i64 values. The table view gives the
// slots pointer and the cell count; TV_SAMPLE_SLOTS holds the number of slots to scan.
// Descriptor (T_SAMPLES): +0 slots, +4 cells, +8 slots (a power of two, 0 before the first add).
import { HDR, T_SAMPLES } from "./layout";
import { arenaAlloc } from "./arena";
import { mix32 } from "./hash";
import { hook, HOOK_SAMPLE_ADD, HOOK_SAMPLE_GROW } from "./hooks";

export const SAMPLE_ENTRY_SIZE: u32 = 48;
export const SAMPLE_STACK: usize = 0;
export const SAMPLE_LABELS: usize = 4;
export const SAMPLE_KIND: usize = 8;
export const SAMPLE_PAD: usize = 12;
export const SAMPLE_VALUES: usize = 16;      // four i64, 8 bytes apart

const MIN_SLOTS: u32 = 64;

// @ts-ignore: decorator
@inline function d(): usize { return HDR + T_SAMPLES; }
// @ts-ignore: decorator
@inline function sampleHash(kind: u32, stack: u32, labels: u32): u32 { return mix32(stack * 0x9e3779b1 ^ labels * 0x85ebca77 ^ kind); }

/** Doubles the slots (or makes the first ones); false when out of memory. Cells are rehashed
 *  into a new region and the old one is abandoned (a period reset drops the table anyway). */
function grow(): bool {
  const old = <usize>load<u32>(d()), oldSlots = load<u32>(d(), 8);
  const slots: u32 = oldSlots == 0 ? MIN_SLOTS : oldSlots << 1;
  const bytes = <usize>slots * SAMPLE_ENTRY_SIZE;
  const p = arenaAlloc(bytes);
  if (p == 0) return false;
  memory.fill(p, 0, bytes);
  const mask = slots - 1;
  for (let i: u32 = 0; i < oldSlots; i++) {
    const c = old + <usize>i * SAMPLE_ENTRY_SIZE;
    const stack = load<u32>(c, SAMPLE_STACK);
    if (stack == 0) continue;
    let j = sampleHash(load<u32>(c, SAMPLE_KIND), stack, load<u32>(c, SAMPLE_LABELS)) & mask;
    while (load<u32>(p + <usize>j * SAMPLE_ENTRY_SIZE, SAMPLE_STACK) != 0) j = (j + 1) & mask;
    memory.copy(p + <usize>j * SAMPLE_ENTRY_SIZE, c, SAMPLE_ENTRY_SIZE);
    hook(HOOK_SAMPLE_GROW);
  }
  store<u32>(d(), <u32>p);
  store<u32>(d(), slots, 8);
  return true;
}

/** Adds values to the (kind, stack, labels) cell (stack > 0); returns its slot or -1 when out of memory. */
export function sampleAdd(kind: u32, stack: u32, labels: u32, v0: i64, v1: i64, v2: i64, v3: i64): i32 {
  let slots = load<u32>(d(), 8);
  if (slots == 0 && !grow()) return -1;
  slots = load<u32>(d(), 8);
  const mask = slots - 1;
  let base = <usize>load<u32>(d());
  let j = sampleHash(kind, stack, labels) & mask;
  let c = base + <usize>j * SAMPLE_ENTRY_SIZE;
  while (true) {
    const s = load<u32>(c, SAMPLE_STACK);
    if (s == stack && load<u32>(c, SAMPLE_LABELS) == labels && load<u32>(c, SAMPLE_KIND) == kind) break;
    if (s == 0) {
      // A new cell; keep the table at most half full.
      const cells = load<u32>(d(), 4);
      if ((cells + 1) << 1 > slots) {
        if (!grow()) return -1;
        return sampleAdd(kind, stack, labels, v0, v1, v2, v3);
      }
      store<u32>(c, labels, SAMPLE_LABELS); store<u32>(c, kind, SAMPLE_KIND); store<u32>(c, 0, SAMPLE_PAD);
      store<i64>(c, 0, SAMPLE_VALUES); store<i64>(c, 0, SAMPLE_VALUES + 8);
      store<i64>(c, 0, SAMPLE_VALUES + 16); store<i64>(c, 0, SAMPLE_VALUES + 24);
      store<u32>(c, stack, SAMPLE_STACK);
      store<u32>(d(), cells + 1, 4);
      break;
    }
    j = (j + 1) & mask;
    c = base + <usize>j * SAMPLE_ENTRY_SIZE;
  }
  store<i64>(c, load<i64>(c, SAMPLE_VALUES) + v0, SAMPLE_VALUES);
  store<i64>(c, load<i64>(c, SAMPLE_VALUES + 8) + v1, SAMPLE_VALUES + 8);
  hook(HOOK_SAMPLE_ADD);
  store<i64>(c, load<i64>(c, SAMPLE_VALUES + 16) + v2, SAMPLE_VALUES + 16);
  store<i64>(c, load<i64>(c, SAMPLE_VALUES + 24) + v3, SAMPLE_VALUES + 24);
  return <i32>j;
}

/** Number of slots the host scans (empty ones have stack 0). */
export function sampleSlots(): u32 { return load<u32>(d(), 8); }
