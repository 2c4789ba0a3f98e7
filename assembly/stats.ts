// What stat(id) reports: one id per counter or size, read without changing anything. Ids are
// part of the host contract (the SDK's Stat, generated from the STAT_* below by
// scripts/gen-layout.mjs), so an id is never renumbered or reused; new ones go at the end.
// Every value is an f64: counters kept as f64 are exact to 2^53, the rest are u32 widened.
import { CFG_FRAME_CACHE_CAP, FRAME_CACHE_HITS, FRAME_CACHE_MISSES, FRAME_CACHE_EVICTIONS, FRAME_CACHE_UPDATES, T_STRINGS, T_FRAMES, T_STACKS, T_LABELS,
         T_SAMPLES, T_LIVE, T_OWNERS, T_AGG, LIVE_TRACKED, LIVE_CONFLICTS, LIVE_UNMATCHED, LIVE_EMPTY_STACK,
         LIVE_PEND_DROPPED, LIVE_PEND_COUNT, LIVE_EXPORTING, POOL_IDLE_COUNT, POOL_OUT, POOL_CREATED, POOL_DISCARDED,
         POOL_DENIED, DROP_NO_MEMORY, DROP_ABANDONED, DROP_STALE_KEY, DROP_TOO_DEEP, BUMP, LC_RESETS, LC_PID, LC_STATE,
         LC_SAMPLER_STARTS, LC_WAS_RUNNING_AT_FORK, LC_IN_FORK, THR_COUNT, SNAP_CLEARED, SNAP_DROPPED_OWNERS,
         SNAP_DROPPED_STACKS, LC_SAMPLING_GEN, SB_USED, LC_STARTED_EVER, hget, hgetf } from "./layout";
import { tdesc, tcount } from "./table";
import { frameCacheSize } from "./frame-cache";
import { arenaBase } from "./arena";

export const STAT_FRAME_CACHE_SIZE: i32 = 0;
export const STAT_FRAME_CACHE_CAPACITY: i32 = 1;
export const STAT_FRAME_CACHE_HITS: i32 = 2;
export const STAT_FRAME_CACHE_MISSES: i32 = 3;
export const STAT_FRAME_CACHE_EVICTIONS: i32 = 4;
export const STAT_FRAME_CACHE_UPDATES: i32 = 5;
export const STAT_STRINGS: i32 = 6;
export const STAT_FRAMES: i32 = 7;
export const STAT_STACKS: i32 = 8;
export const STAT_LABEL_SETS: i32 = 9;
export const STAT_SAMPLES: i32 = 10;
export const STAT_LIVE_ENTRIES: i32 = 11;
export const STAT_OWNERS: i32 = 12;
export const STAT_LIVE_STACKS: i32 = 13;
export const STAT_LIVE_TRACKED: i32 = 14;
export const STAT_LIVE_CONFLICTS: i32 = 15;
export const STAT_LIVE_UNMATCHED_FREES: i32 = 16;
export const STAT_LIVE_EMPTY_STACKS: i32 = 17;
export const STAT_LIVE_PENDING_DROPPED: i32 = 18;
export const STAT_POOL_IDLE: i32 = 19;
export const STAT_POOL_OUT: i32 = 20;
export const STAT_POOL_CREATED: i32 = 21;
export const STAT_POOL_DISCARDED: i32 = 22;
export const STAT_POOL_DENIED: i32 = 23;
export const STAT_DROP_NO_MEMORY: i32 = 24;
export const STAT_DROP_ABANDONED: i32 = 25;
export const STAT_DROP_STALE_KEY: i32 = 26;
export const STAT_DROP_TOO_DEEP: i32 = 27;
export const STAT_ARENA_END: i32 = 28;          // the bump pointer
export const STAT_RESETS: i32 = 29;
export const STAT_PID: i32 = 30;
export const STAT_STATE: i32 = 31;              // SAMPLER_*
export const STAT_SAMPLER_STARTS: i32 = 32;
export const STAT_WAS_RUNNING_AT_FORK: i32 = 33;
export const STAT_IN_FORK: i32 = 34;
export const STAT_THREADS: i32 = 35;
export const STAT_SNAPSHOT_CLEARED: i32 = 36;
export const STAT_SNAPSHOT_DROPPED_OWNERS: i32 = 37;
export const STAT_SNAPSHOT_DROPPED_STACKS: i32 = 38;
export const STAT_SAMPLING_GENERATION: i32 = 39;
export const STAT_STRING_BYTES: i32 = 40;
export const STAT_STARTED_EVER: i32 = 41;
export const STAT_LIVE_PENDING: i32 = 42;
export const STAT_LIVE_EXPORTING: i32 = 43;
export const STAT_ARENA_BASE: i32 = 44;

// @ts-ignore: decorator
@inline function count(table: usize): f64 { return <f64>tcount(tdesc(table)); }

/** The value of stat `id`, or -1 for an id this core does not have. */
export function statValue(id: i32): f64 {
  switch (id) {
    case STAT_FRAME_CACHE_SIZE: return <f64>frameCacheSize();
    case STAT_FRAME_CACHE_CAPACITY: return <f64>hget(CFG_FRAME_CACHE_CAP);
    case STAT_FRAME_CACHE_HITS: return hgetf(FRAME_CACHE_HITS);
    case STAT_FRAME_CACHE_MISSES: return hgetf(FRAME_CACHE_MISSES);
    case STAT_FRAME_CACHE_EVICTIONS: return hgetf(FRAME_CACHE_EVICTIONS);
    case STAT_FRAME_CACHE_UPDATES: return hgetf(FRAME_CACHE_UPDATES);
    case STAT_STRINGS: return count(T_STRINGS);
    case STAT_FRAMES: return count(T_FRAMES);
    case STAT_STACKS: return count(T_STACKS);
    case STAT_LABEL_SETS: return count(T_LABELS);
    case STAT_SAMPLES: return count(T_SAMPLES);
    case STAT_LIVE_ENTRIES: return count(T_LIVE);
    case STAT_OWNERS: return count(T_OWNERS);
    case STAT_LIVE_STACKS: return count(T_AGG);
    case STAT_LIVE_TRACKED: return hgetf(LIVE_TRACKED);
    case STAT_LIVE_CONFLICTS: return hgetf(LIVE_CONFLICTS);
    case STAT_LIVE_UNMATCHED_FREES: return hgetf(LIVE_UNMATCHED);
    case STAT_LIVE_EMPTY_STACKS: return hgetf(LIVE_EMPTY_STACK);
    case STAT_LIVE_PENDING_DROPPED: return hgetf(LIVE_PEND_DROPPED);
    case STAT_POOL_IDLE: return <f64>hget(POOL_IDLE_COUNT);
    case STAT_POOL_OUT: return <f64>hget(POOL_OUT);
    case STAT_POOL_CREATED: return <f64>hget(POOL_CREATED);
    case STAT_POOL_DISCARDED: return <f64>hget(POOL_DISCARDED);
    case STAT_POOL_DENIED: return hgetf(POOL_DENIED);
    case STAT_DROP_NO_MEMORY: return hgetf(DROP_NO_MEMORY);
    case STAT_DROP_ABANDONED: return hgetf(DROP_ABANDONED);
    case STAT_DROP_STALE_KEY: return hgetf(DROP_STALE_KEY);
    case STAT_DROP_TOO_DEEP: return hgetf(DROP_TOO_DEEP);
    case STAT_ARENA_END: return <f64>hget(BUMP);
    case STAT_RESETS: return <f64>hget(LC_RESETS);
    case STAT_PID: return <f64>hget(LC_PID);
    case STAT_STATE: return <f64>hget(LC_STATE);
    case STAT_SAMPLER_STARTS: return <f64>hget(LC_SAMPLER_STARTS);
    case STAT_WAS_RUNNING_AT_FORK: return <f64>hget(LC_WAS_RUNNING_AT_FORK);
    case STAT_IN_FORK: return <f64>hget(LC_IN_FORK);
    case STAT_THREADS: return <f64>hget(THR_COUNT);
    case STAT_SNAPSHOT_CLEARED: return hgetf(SNAP_CLEARED);
    case STAT_SNAPSHOT_DROPPED_OWNERS: return <f64>hget(SNAP_DROPPED_OWNERS);
    case STAT_SNAPSHOT_DROPPED_STACKS: return <f64>hget(SNAP_DROPPED_STACKS);
    case STAT_SAMPLING_GENERATION: return <f64>hget(LC_SAMPLING_GEN);
    case STAT_STRING_BYTES: return <f64>hget(SB_USED);
    case STAT_STARTED_EVER: return <f64>hget(LC_STARTED_EVER);
    case STAT_LIVE_PENDING: return <f64>hget(LIVE_PEND_COUNT);
    case STAT_LIVE_EXPORTING: return <f64>hget(LIVE_EXPORTING);
    case STAT_ARENA_BASE: return <f64>arenaBase();
    default: return -1;
  }
}
