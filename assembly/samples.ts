// Per-period sample aggregation: up to four values per (kind, stack, label set), summed. Values
// are integers within +-2^53 (checked at the exports) summed as f64, the host's number type:
// exact while a cell's sum stays within 2^53 (104 days of nanoseconds in one period's cell),
// and an add is a load, an add and a store, with no conversion either way.
// `kind` lets one period hold several profiles (e.g. wall+cpu in kind 0, allocations in kind 1).
//
// Two arrays: dense cells (key and values inline, in the order they were first added) and an
// open-addressing index of u32 words (linear probing, at most half full). An index word holds
// the cell number + 1 in its low 24 bits and 8 bits of the hash above them, so a probe reads
// a cell only when the tag matches. The index is 4 bytes per slot, which keeps the part of
// the table a random sample touches small enough to stay in cache: a period with 40,000 cells
// has a 512 KiB index and 1.9 MiB of cells, where slots holding the values inline took 6 MiB.
// Cell (SAMPLE_*, read by the host too): +0 stack handle (> 0), +4 label-set handle, +8 kind,
// +12 pad, +16..+48 four f64 values. The table view gives the cells pointer and count;
// TV_SAMPLE_SLOTS holds the same count (every cell the host scans is in use).
// Descriptor (T_SAMPLES): +0 cells, +4 cell count, +8 cell capacity, +12 index, +16 index
// mask (slots - 1; 0 before the first add). All zero = empty (a reset zeroes it).
import { HDR, T_SAMPLES } from "./layout";
import { arenaAlloc } from "./arena";
import { mix32 } from "./hash";
import { hook, HOOK_SAMPLE_ADD, HOOK_SAMPLE_GROW } from "./hooks";

export const SAMPLE_ENTRY_SIZE: u32 = 48;
export const SAMPLE_STACK: usize = 0;
export const SAMPLE_LABELS: usize = 4;
export const SAMPLE_KIND: usize = 8;
export const SAMPLE_PAD: usize = 12;
export const SAMPLE_VALUES: usize = 16;      // four f64, 8 bytes apart

const MIN_SLOTS: u32 = 64;
const MAX_CELLS: u32 = 0xffffff - 1;         // cell + 1 must fit the index word's 24 bits
const CELL_BITS: u32 = 0xffffff;

// @ts-ignore: decorator
@inline function d(): usize { return HDR + T_SAMPLES; }
// @ts-ignore: decorator
@inline function sampleHash(kind: u32, stack: u32, labels: u32): u32 { return mix32(stack * 0x9e3779b1 ^ labels * 0x85ebca77 ^ kind); }
// @ts-ignore: decorator
@inline function cellAt(cells: usize, i: u32): usize { return cells + <usize>i * SAMPLE_ENTRY_SIZE; }

/** Doubles the index (or makes the first one) and re-indexes the cells into it; the old index
 *  region is abandoned (a period reset drops the table anyway). False when out of memory. */
function growIndex(): bool {
  const oldMask = load<u32>(d(), 16);
  const slots: u32 = oldMask == 0 ? MIN_SLOTS : (oldMask + 1) << 1;
  const bytes = <usize>slots << 2;
  const p = arenaAlloc(bytes);
  if (p == 0) return false;
  memory.fill(p, 0, bytes);
  const mask = slots - 1;
  const cells = <usize>load<u32>(d());
  const n = load<u32>(d(), 4);
  for (let i: u32 = 0; i < n; i++) {
    const c = cellAt(cells, i);
    const h = sampleHash(load<u32>(c, SAMPLE_KIND), load<u32>(c, SAMPLE_STACK), load<u32>(c, SAMPLE_LABELS));
    let j = h & mask;
    while (load<u32>(p + (<usize>j << 2)) != 0) j = (j + 1) & mask;
    store<u32>(p + (<usize>j << 2), (h & ~CELL_BITS) | (i + 1));
    hook(HOOK_SAMPLE_GROW);
  }
  store<u32>(d(), <u32>p, 12);
  store<u32>(d(), mask, 16);
  return true;
}

/** Room for one more cell; false when out of memory. The old cells region is abandoned. */
function growCells(): bool {
  const cap = load<u32>(d(), 8);
  const ncap: u32 = cap == 0 ? MIN_SLOTS >>> 1 : cap << 1;
  const p = arenaAlloc(<usize>ncap * SAMPLE_ENTRY_SIZE);
  if (p == 0) return false;
  memory.copy(p, <usize>load<u32>(d()), <usize>load<u32>(d(), 4) * SAMPLE_ENTRY_SIZE);
  hook(HOOK_SAMPLE_GROW);
  store<u32>(d(), <u32>p);
  store<u32>(d(), ncap, 8);
  return true;
}

/** Adds values to the (kind, stack, labels) cell (stack > 0); returns its cell number or -1
 *  when out of memory (nothing added then). */
export function sampleAdd(kind: u32, stack: u32, labels: u32, v0: f64, v1: f64, v2: f64, v3: f64): i32 {
  let mask = load<u32>(d(), 16);
  if (mask == 0) {
    if (!growIndex()) return -1;
    mask = load<u32>(d(), 16);
  }
  const h = sampleHash(kind, stack, labels);
  const tag = h & ~CELL_BITS;
  const cells = <usize>load<u32>(d());
  let idx = <usize>load<u32>(d(), 12);
  let j = h & mask;
  let c: usize = 0;
  let cell: u32 = 0;
  while (true) {
    const w = load<u32>(idx + (<usize>j << 2));
    if (w == 0) {
      // A new cell; keep the index at most half full.
      const n = load<u32>(d(), 4);
      if (n >= MAX_CELLS) return -1;
      if ((n + 1) << 1 > mask + 1) {
        if (!growIndex()) return -1;
        return sampleAdd(kind, stack, labels, v0, v1, v2, v3);
      }
      if (n == load<u32>(d(), 8) && !growCells()) return -1;
      c = cellAt(<usize>load<u32>(d()), n);
      store<u32>(c, stack, SAMPLE_STACK); store<u32>(c, labels, SAMPLE_LABELS); store<u32>(c, kind, SAMPLE_KIND); store<u32>(c, 0, SAMPLE_PAD);
      store<f64>(c, 0, SAMPLE_VALUES); store<f64>(c, 0, SAMPLE_VALUES + 8);
      store<f64>(c, 0, SAMPLE_VALUES + 16); store<f64>(c, 0, SAMPLE_VALUES + 24);
      store<u32>(idx + (<usize>j << 2), tag | (n + 1));
      store<u32>(d(), n + 1, 4);
      cell = n;
      break;
    }
    if ((w & ~CELL_BITS) == tag) {
      cell = (w & CELL_BITS) - 1;
      c = cellAt(cells, cell);
      if (load<u32>(c, SAMPLE_STACK) == stack && load<u32>(c, SAMPLE_LABELS) == labels && load<u32>(c, SAMPLE_KIND) == kind) break;
    }
    j = (j + 1) & mask;
  }
  store<f64>(c, load<f64>(c, SAMPLE_VALUES) + v0, SAMPLE_VALUES);
  store<f64>(c, load<f64>(c, SAMPLE_VALUES + 8) + v1, SAMPLE_VALUES + 8);
  hook(HOOK_SAMPLE_ADD);
  store<f64>(c, load<f64>(c, SAMPLE_VALUES + 16) + v2, SAMPLE_VALUES + 16);
  store<f64>(c, load<f64>(c, SAMPLE_VALUES + 24) + v3, SAMPLE_VALUES + 24);
  return <i32>cell;
}

/** Number of cells the host scans (all in use). */
export function sampleSlots(): u32 { return load<u32>(d(), 4); }

let touched: u32 = 0;

const MAX_EXACT: f64 = 9007199254740992;

/**
 * Whether every record of a batch is valid: stacks[i] in 1..stacks, labels[i] in 0..labelSets,
 * each given value column (v2 or v3 = 0: absent) an integer within +-2^53. One pass per column
 * without a branch per record (the common case is a batch that is all valid); the caller finds
 * which record is bad only when one is.
 */
export function sampleColumnsValid(stacks: usize, labels: usize, v0: usize, v1: usize, v2: usize, v3: usize, n: u32, ns: u32, nl: u32): bool {
  let bad: u32 = 0;
  if (v3 == 0) {
    // The usual shapes (two or three value columns) in one pass over the records.
    const w = v2 == 0 ? v1 : v2;   // without v2, v1 is checked twice rather than branching per record
    for (let i: u32 = 0; i < n; i++) {
      const o = <usize>i << 2, f = <usize>i << 3;
      const a = load<f64>(v0 + f), b = load<f64>(v1 + f), c = load<f64>(w + f);
      bad |= <u32>(load<u32>(stacks + o) - 1 >= ns) | <u32>(load<u32>(labels + o) > nl) |
             <u32>(a != Math.floor(a)) | <u32>(Math.abs(a) > MAX_EXACT) | <u32>(b != Math.floor(b)) | <u32>(Math.abs(b) > MAX_EXACT) |
             <u32>(c != Math.floor(c)) | <u32>(Math.abs(c) > MAX_EXACT);
    }
    return bad == 0;
  }
  for (let i: u32 = 0; i < n; i++) {
    const o = <usize>i << 2;
    bad |= <u32>(load<u32>(stacks + o) - 1 >= ns) | <u32>(load<u32>(labels + o) > nl);
  }
  return bad == 0 && valuesValid(v0, n) && valuesValid(v1, n) && valuesValid(v2, n) && valuesValid(v3, n);
}

function valuesValid(col: usize, n: u32): bool {
  let bad: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const v = load<f64>(col + (<usize>i << 3));
    // NaN fails the first test, an infinity the second.
    bad |= <u32>(v != Math.floor(v)) | <u32>(Math.abs(v) > MAX_EXACT);
  }
  return bad == 0;
}

/** Hashes of the group being added (a group at a time, so a few hundred bytes). */
const GROUP: u32 = 128;
const groupHashes: usize = memory.data(<i32>GROUP << 2, 16);

/**
 * Adds n samples of one kind from columns (u32 stacks and labels, f64 values; v2/v3 = 0: no
 * such value), already validated by the caller. Returns n, or the index of the first sample
 * that found no memory (the ones before it were added).
 *
 * Works in groups of GROUP samples: a first pass hashes each sample and only reads its index
 * word and both cache lines its cell can span (loads that do not depend on one another, so the
 * processor overlaps their cache misses), the second adds the samples, now from cache: a
 * sample whose cell exists is added right here, one whose cell is new goes through sampleAdd
 * (which may grow the table, so the table's addresses are read again after it). Nothing is
 * written to the table in the first pass, so the result is exactly that of n sampleAdd calls
 * in order.
 */
export function sampleAddColumnsChecked(kind: u32, stacks: usize, labels: usize, v0: usize, v1: usize, v2: usize, v3: usize, n: u32): u32 {
  let acc: u32 = 0;
  let mask = load<u32>(d(), 16), idx = <usize>load<u32>(d(), 12), cells = <usize>load<u32>(d());
  const hs = groupHashes;
  for (let g: u32 = 0; g < n; g += GROUP) {
    const end = n - g > GROUP ? g + GROUP : n;
    for (let i = g; i < end; i++) {
      const h = sampleHash(kind, load<u32>(stacks + (<usize>i << 2)), load<u32>(labels + (<usize>i << 2)));
      store<u32>(hs + (<usize>(i - g) << 2), h);
      if (mask != 0) {
        const w = load<u32>(idx + (<usize>(h & mask) << 2));
        if (w != 0) { const c = cellAt(cells, (w & CELL_BITS) - 1); acc ^= load<u32>(c) ^ load<u32>(c, SAMPLE_VALUES + 24); }
      }
    }
    for (let i = g; i < end; i++) {
      const o = <usize>i << 2, f = <usize>i << 3;
      const stack = load<u32>(stacks + o), lab = load<u32>(labels + o);
      const h = load<u32>(hs + (<usize>(i - g) << 2));
      // The cell, if it exists (the same probe as sampleAdd's).
      let c: usize = 0;
      if (mask != 0) {
        const tag = h & ~CELL_BITS;
        let j = h & mask;
        while (true) {
          const w = load<u32>(idx + (<usize>j << 2));
          if (w == 0) break;
          if ((w & ~CELL_BITS) == tag) {
            const e = cellAt(cells, (w & CELL_BITS) - 1);
            if (load<u32>(e, SAMPLE_STACK) == stack && load<u32>(e, SAMPLE_LABELS) == lab && load<u32>(e, SAMPLE_KIND) == kind) { c = e; break; }
          }
          j = (j + 1) & mask;
        }
      }
      if (c != 0) {
        store<f64>(c, load<f64>(c, SAMPLE_VALUES) + load<f64>(v0 + f), SAMPLE_VALUES);
        store<f64>(c, load<f64>(c, SAMPLE_VALUES + 8) + load<f64>(v1 + f), SAMPLE_VALUES + 8);
        hook(HOOK_SAMPLE_ADD);
        if (v2 != 0) {
          store<f64>(c, load<f64>(c, SAMPLE_VALUES + 16) + load<f64>(v2 + f), SAMPLE_VALUES + 16);
          if (v3 != 0) store<f64>(c, load<f64>(c, SAMPLE_VALUES + 24) + load<f64>(v3 + f), SAMPLE_VALUES + 24);
        }
        continue;
      }
      const x = v2 == 0 ? 0 : load<f64>(v2 + f), y = v3 == 0 ? 0 : load<f64>(v3 + f);
      if (sampleAdd(kind, stack, lab, load<f64>(v0 + f), load<f64>(v1 + f), x, y) < 0) { touched ^= acc; return i; }
      mask = load<u32>(d(), 16); idx = <usize>load<u32>(d(), 12); cells = <usize>load<u32>(d());
    }
  }
  touched ^= acc;
  return n;
}
