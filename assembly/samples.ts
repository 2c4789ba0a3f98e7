// Per-period sample aggregation: up to four int64 values per (kind, stack, label set), summed.
// `kind` lets one period hold several profiles (e.g. wall+cpu in kind 0, allocations in kind 1).
// Payload: +8 kind, +12 stack handle, +16 label-set handle, +20 pad, +24..+56 four i64 values
// (SAMPLE_*, read by the host too).
import { tdesc, thead, tentry, tappend } from "./table";
import { T_SAMPLES } from "./layout";
import { mix32 } from "./hash";
import { hook, HOOK_SAMPLE_ADD } from "./hooks";

export const SAMPLE_ENTRY_SIZE: u32 = 56;
export const SAMPLE_KIND: usize = 8;
export const SAMPLE_STACK: usize = 12;
export const SAMPLE_LABELS: usize = 16;
export const SAMPLE_PAD: usize = 20;
export const SAMPLE_VALUES: usize = 24;      // four i64, 8 bytes apart

// A record of sampleAddBatch(): what the host writes into the staging region, n of them back to
// back (8-aligned, as the staging region is), all of one kind.
export const BATCH_RECORD_SIZE: u32 = 24;
export const BATCH_STACK: usize = 0;         // u32 stack handle
export const BATCH_LABELS: usize = 4;        // u32 label-set handle
export const BATCH_V0: usize = 8;            // f64
export const BATCH_V1: usize = 16;           // f64

/** Adds values to the (kind, stack, labels) cell; returns its index or -1 when out of memory. */
export function sampleAdd(kind: u32, stack: u32, labels: u32, v0: i64, v1: i64, v2: i64, v3: i64): i32 {
  // One finalizer over a cheap mix: this runs for every sample.
  const hash = mix32(stack * 0x9e3779b1 ^ labels * 0x85ebca77 ^ kind);
  const t = tdesc(T_SAMPLES);
  let i = thead(t, hash);
  let e: usize = 0;
  while (i != 0) {
    const c = tentry(t, i - 1);
    if (load<u32>(c, 4) == hash && load<u32>(c, SAMPLE_KIND) == kind && load<u32>(c, SAMPLE_STACK) == stack &&
        load<u32>(c, SAMPLE_LABELS) == labels) { e = c; break; }
    i = load<u32>(c);
  }
  let idx: i32;
  if (e == 0) {
    idx = tappend(t, hash);
    if (idx < 0) return -1;
    e = tentry(t, <u32>idx);
    store<u32>(e, kind, SAMPLE_KIND); store<u32>(e, stack, SAMPLE_STACK); store<u32>(e, labels, SAMPLE_LABELS);
    store<u32>(e, 0, SAMPLE_PAD);
    store<i64>(e, 0, SAMPLE_VALUES); store<i64>(e, 0, SAMPLE_VALUES + 8);
    store<i64>(e, 0, SAMPLE_VALUES + 16); store<i64>(e, 0, SAMPLE_VALUES + 24);
  } else {
    idx = <i32>(i - 1);
  }
  store<i64>(e, load<i64>(e, SAMPLE_VALUES) + v0, SAMPLE_VALUES);
  store<i64>(e, load<i64>(e, SAMPLE_VALUES + 8) + v1, SAMPLE_VALUES + 8);
  hook(HOOK_SAMPLE_ADD);
  store<i64>(e, load<i64>(e, SAMPLE_VALUES + 16) + v2, SAMPLE_VALUES + 16);
  store<i64>(e, load<i64>(e, SAMPLE_VALUES + 24) + v3, SAMPLE_VALUES + 24);
  return idx;
}
