// Per-period sample aggregation: up to four int64 values per (kind, stack, label set), summed.
// `kind` lets one period hold several profiles (e.g. wall+cpu in kind 0, allocations in kind 1).
// Payload: +8 kind, +12 stack handle, +16 label-set handle, +20 pad, +24..+56 four i64 values.
import { tdesc, thead, tentry, tappend } from "./table";
import { T_SAMPLES } from "./layout";
import { mix32 } from "./hash";
import { hook, HOOK_SAMPLE_ADD } from "./hooks";

export const SAMPLE_ENTRY_SIZE: u32 = 56;

/** Adds values to the (kind, stack, labels) cell; returns its index or -1 when out of memory. */
export function sampleAdd(kind: u32, stack: u32, labels: u32, v0: i64, v1: i64, v2: i64, v3: i64): i32 {
  // One finalizer over a cheap mix: this runs for every sample.
  const hash = mix32(stack * 0x9e3779b1 ^ labels * 0x85ebca77 ^ kind);
  const t = tdesc(T_SAMPLES);
  let i = thead(t, hash);
  let e: usize = 0;
  while (i != 0) {
    const c = tentry(t, i - 1);
    if (load<u32>(c, 4) == hash && load<u32>(c, 8) == kind && load<u32>(c, 12) == stack && load<u32>(c, 16) == labels) { e = c; break; }
    i = load<u32>(c);
  }
  let idx: i32;
  if (e == 0) {
    idx = tappend(t, hash);
    if (idx < 0) return -1;
    e = tentry(t, <u32>idx);
    store<u32>(e, kind, 8); store<u32>(e, stack, 12); store<u32>(e, labels, 16); store<u32>(e, 0, 20);
    store<i64>(e, 0, 24); store<i64>(e, 0, 32); store<i64>(e, 0, 40); store<i64>(e, 0, 48);
  } else {
    idx = <i32>(i - 1);
  }
  store<i64>(e, load<i64>(e, 24) + v0, 24);
  store<i64>(e, load<i64>(e, 32) + v1, 32);
  hook(HOOK_SAMPLE_ADD);
  store<i64>(e, load<i64>(e, 40) + v2, 40);
  store<i64>(e, load<i64>(e, 48) + v3, 48);
  return idx;
}
