// Where every piece of core state lives in linear memory.
//
// All state is in linear memory (none in wasm globals) so that a byte copy of the memory is a
// complete copy of the core: that is what a fork hands the child, and what the corruption test
// instantiates. The header has two parts:
//   [0, HDR_RESET)          configuration and lifecycle words; written by configure() and the
//                           fork handlers, never by ordinary mutations;
//   [HDR_RESET, HDR_SIZE)   table descriptors, counters and the bump pointer. A reset zeroes
//                           this fixed-size block and moves the bump pointer back: O(1), and it
//                           never reads what the old tables held. Tables are allocated lazily on
//                           first insert, so nothing else needs clearing.
// Everything after the header is bump-allocated regions; a growing table moves to a new region
// and abandons the old one (reclaimed only by a reset or by recycling the instance).
// What the host must agree on (HDR*, ABORT_SLOT, TV_*, SAMPLER_*) is copied into
// sdk/core/layout.generated.ts by scripts/gen-layout.mjs; the rest is the core's own business.

/** Abort details (message ptr, file ptr, line, column) for the SDK to read after a trap. */
export const ABORT_SLOT: usize = 16;

/** The header's fixed address: above the static data (checked by configure), below the arena. */
export const HDR: usize = 16384;

// --- configuration and lifecycle (survive reset) ---
export const CFG_MAGIC: usize = 0;          // CONFIGURED_MAGIC once configure() ran
export const CFG_FRAME_CACHE_CAP: usize = 4;
export const CFG_POOL_IDLE_MAX: usize = 8;
export const CFG_BUF_SIZE: usize = 12;
export const CFG_MAX_PAGES: usize = 16;
export const CFG_MAX_BUFFERS: usize = 20;    // cap on buffers handed out at once
export const CFG_PROFILE_CHILDREN: usize = 24;
export const CFG_MAX_DEPTH: usize = 28;
export const LC_RESETS: usize = 32;          // number of resets so far (host can detect them)
export const LC_PID: usize = 36;
export const LC_STARTED_EVER: usize = 40;
export const LC_STATE: usize = 44;           // SAMPLER_* below
export const LC_WAS_RUNNING_AT_FORK: usize = 48;
export const LC_IN_FORK: usize = 52;
export const LC_SAMPLER_STARTS: usize = 56;
export const LC_ERROR: usize = 60;           // last error code (ERR_*), sticky until cleared
export const LC_ERROR_DETAIL: usize = 64;
export const LC_ERROR_DETAIL2: usize = 68;
export const LC_SAMPLING_GEN: usize = 72;    // bumped whenever sampling stops: in-flight captures are void
export const CFG_SEED_LO: usize = 76;
export const CFG_SEED_HI: usize = 80;
export const CFG_SAMPLE_MEAN: usize = 88;    // f64 mean bytes between allocation samples

export const HDR_RESET: usize = 128;

// --- resettable block ---
export const BUMP: usize = 128;
// Generic hashed tables (see table.ts), TABLE_DESC_SIZE bytes each.
export const T_STRINGS: usize = 160;
export const T_FRAMES: usize = 192;
export const T_STACKS: usize = 224;
export const T_LABELS: usize = 256;
export const T_SAMPLES: usize = 288;
export const T_LIVE: usize = 320;         // chunked, not a table.ts table: see live-table.ts
export const T_OWNERS: usize = 352;
export const T_AGG: usize = 384;          // live bytes per (owner, stack)
// String bytes arena: ptr, used, cap.
export const SB_PTR: usize = 416;
export const SB_USED: usize = 420;
export const SB_CAP: usize = 424;
// Frame cache (an LRU).
export const FRAME_CACHE_ENTRIES: usize = 432;
export const FRAME_CACHE_COUNT: usize = 436;
export const FRAME_CACHE_BUCKETS: usize = 440;
export const FRAME_CACHE_MASK: usize = 444;
export const FRAME_CACHE_HEAD: usize = 448;       // most recently used, index+1
export const FRAME_CACHE_TAIL: usize = 452;       // least recently used, index+1
export const FRAME_CACHE_HITS: usize = 456;       // f64 counters: exact to 2^53
export const FRAME_CACHE_MISSES: usize = 464;
export const FRAME_CACHE_EVICTIONS: usize = 472;
export const FRAME_CACHE_UPDATES: usize = 480;
// Live-allocation map counters.
export const LIVE_TRACKED: usize = 488;    // f64: incremented/decremented beside the map itself
export const LIVE_CONFLICTS: usize = 496;
export const LIVE_UNMATCHED: usize = 504;
export const LIVE_EMPTY_STACK: usize = 512;
export const LIVE_EXPORTING: usize = 520;  // u32: >0 while an export is open
export const LIVE_PEND_PTR: usize = 524;   // deferred events during an export
export const LIVE_PEND_COUNT: usize = 528;
export const LIVE_PEND_CAP: usize = 532;
export const LIVE_PEND_DROPPED: usize = 536; // f64
// Scratch buffer pool.
export const POOL_IDLE_PTR: usize = 544;   // array of CFG_POOL_IDLE_MAX buffer pointers
export const POOL_IDLE_COUNT: usize = 548;
export const POOL_FREE_HEAD: usize = 552;  // discarded buffers, reused before bumping
export const POOL_OUT: usize = 556;        // buffers currently handed out
export const POOL_CREATED: usize = 560;
export const POOL_DISCARDED: usize = 564;
export const POOL_DENIED: usize = 568;     // f64: acquires refused by CFG_MAX_BUFFERS
// I/O regions, grown on demand: snapshot input, snapshot output, temporaries.
export const IO_IN_PTR: usize = 576;
export const IO_IN_CAP: usize = 580;
export const IO_OUT_PTR: usize = 584;
export const IO_OUT_CAP: usize = 588;
export const IO_TMP_PTR: usize = 592;
export const IO_TMP_CAP: usize = 596;
// Drop counters (f64).
export const DROP_NO_MEMORY: usize = 600;
export const DROP_ABANDONED: usize = 608;  // captures voided because sampling stopped meanwhile
export const DROP_STALE_KEY: usize = 616;  // key-only frame whose cache entry vanished before commit
export const DROP_TOO_DEEP: usize = 624;   // frames cut from stacks deeper than CFG_MAX_DEPTH
// Sampler state.
export const SMP_RNG: usize = 632;         // u64 xorshift state
export const SMP_UNTIL: usize = 640;       // f64 bytes left until the next sample
export const SMP_SEEDED: usize = 648;
// Snapshot report of the last encode.
export const SNAP_CLEARED: usize = 656;    // f64 addresses remapped to the cleared frame
export const SNAP_DROPPED_OWNERS: usize = 664;
export const SNAP_DROPPED_STACKS: usize = 668;
// Registered threads.
export const THR_COUNT: usize = 680;
export const THR_IDS: usize = 684;         // MAX_THREADS u32s
export const MAX_THREADS: u32 = 64;
export const READOUT: usize = 944;         // TV_WORDS u32 words filled by tablesView() (below)
export const POOL_OUT_LIST: usize = 1024;  // MAX_BUFFERS_OUT pointers of buffers handed out (0 = free slot)
export const MAX_BUFFERS_OUT: u32 = 32;
export const IO_STAGE_PTR: usize = 1152;   // host-side string staging for frameStore/stringIntern
export const IO_STAGE_CAP: usize = 1156;
export const IO_ACC_PTR: usize = 1160;     // restore accumulators
export const IO_ACC_CAP: usize = 1164;
export const IO_SORT_PTR: usize = 1168;    // snapshot validation: addresses sorted per owner
export const IO_SORT_CAP: usize = 1172;
export const LIVE_BDIR_CAP: usize = 1176;  // live table: bucket-chunk directory capacity
export const LIVE_FREE_CHUNKS: usize = 1180; // live table: free chunk list (first word of each = next)
export const HDR_SIZE: usize = 1280;

export const CONFIGURED_MAGIC: u32 = 0x57505246;

// LC_STATE values (the SDK's SamplerState).
export const SAMPLER_STOPPED: u32 = 0;
export const SAMPLER_RUNNING: u32 = 1;
export const SAMPLER_ERRORED: u32 = 2;

// The table view at READOUT, so the host finds every table with one call: table TV_<name> has
// its entries pointer in word 2*i and its count in word 2*i+1; TV_STRING_BYTES is the word with
// the string bytes pointer (string entries hold offsets into it).
export const TV_STRINGS: u32 = 0;
export const TV_FRAMES: u32 = 1;
export const TV_STACKS: u32 = 2;
export const TV_LABELS: u32 = 3;
export const TV_SAMPLES: u32 = 4;
export const TV_LIVE: u32 = 5;
export const TV_OWNERS: u32 = 6;
export const TV_AGG: u32 = 7;
export const TV_STRING_BYTES: u32 = 16;
export const TV_SAMPLE_SLOTS: u32 = 17;   // cells of the sample table to scan (dense: all in use; stack 0 never occurs)
export const TV_WORDS: u32 = 18;

// @ts-ignore: decorator
@inline export function hget(off: usize): u32 { return load<u32>(HDR + off); }
// @ts-ignore: decorator
@inline export function hset(off: usize, v: u32): void { store<u32>(HDR + off, v); }
// @ts-ignore: decorator
@inline export function hgetf(off: usize): f64 { return load<f64>(HDR + off); }
// @ts-ignore: decorator
@inline export function hsetf(off: usize, v: f64): void { store<f64>(HDR + off, v); }
// @ts-ignore: decorator
@inline export function hinc(off: usize): void { store<f64>(HDR + off, load<f64>(HDR + off) + 1); }
