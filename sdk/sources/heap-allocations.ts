// Allocation profiles (alloc_objects/alloc_space beside inuse_*): the words both heap sources use
// for them, and the bound on what counting them costs.
//
// Counting allocations needs V8's sampler to keep the samples of objects the GC collected
// (kSamplingIncludeObjectsCollectedByMajorGC/MinorGC), and then to say which samples are still
// live, or in-use values would count the dead. Only Node 26's V8 says so (AllocationProfile::
// Sample::is_live), and only to C++: node:inspector's samples carry size, node and ordinal on
// every release (checked on 20.20.2, 22.23.5, 24.22.3, 26.12.1). Kept samples stay in V8's
// memory until its sampler is stopped, so the native source restarts it at a period's end once
// it holds more than COLLECTED_SAMPLE_CAP of them: that forgets the live samples too, which the
// profiles then say (docs/configuration.md, "Allocations").

/** Collected samples kept before V8's sampler is restarted: at most ~12 MiB of V8's memory
 *  (54–99 bytes of RSS per kept sample), and a period read of 70–81 ms past the cap, restart
 *  included (bench/alloc-flags.ts, Node 26). At the default 512 KiB interval that is a restart
 *  every 64 GiB allocated. */
export const COLLECTED_SAMPLE_CAP = 131_072;
/** Bytes of V8's memory per kept sample, rounded up from the measurement above. */
export const BYTES_PER_KEPT_SAMPLE = 100;

export const INSPECTOR_ALLOCATIONS_UNAVAILABLE =
  "node:inspector's sampling heap profile does not say which sampled objects are still live (on any Node release), so live and collected samples cannot be told apart; allocation profiles need the native bridge on Node 26 or later";

/** The one line at start when allocations were asked for and this source cannot count them. */
export function allocationsWarning(reason: string): string {
  return `wasmprof: heapAllocations is on but ${reason}; heap profiles carry inuse_* only`;
}

/** The comment of such a heap profile. */
export function allocationsOffNote(reason: string): string {
  return `wasmprof: no alloc_* sample types: ${reason}`;
}

function iso(ms: number): string { return new Date(ms).toISOString(); }

export function allocationNotes(w: { windowStartMillis: number; inuseSinceMillis: number; lostBeforeMillis?: number }): string[] {
  const notes = [`wasmprof: alloc_* are the sampled allocations since ${iso(w.windowStartMillis)}, collected objects included; inuse_* the live objects among those allocated since ${iso(w.inuseSinceMillis)}`];
  if (w.lostBeforeMillis !== undefined) notes.push(`wasmprof: V8's heap sampler was restarted during this window: allocations from ${iso(w.lostBeforeMillis)} to ${iso(w.windowStartMillis)} are missing`);
  return notes;
}

export function restartNote(collected: number, cap: number, atMillis: number): string {
  const mib = (collected * BYTES_PER_KEPT_SAMPLE / 2 ** 20).toFixed(0);
  return `wasmprof: V8's heap sampler held ${collected} samples of collected objects (more than ${cap}, about ${mib} MiB); it was restarted at ${iso(atMillis)} to free them, so from then on inuse_* counts only objects allocated after that`;
}
