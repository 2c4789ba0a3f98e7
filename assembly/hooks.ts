// Interruption points for the fork-corruption test. In the debug build every mutation of a
// shared structure calls checkpoint(id) between its individual stores, and the test copies
// linear memory there, as a fork() at that instant would. The release build is compiled with
// WASMPROF_HOOKS=0: the branch folds away and core.wasm keeps an empty import section.

// @ts-ignore: decorator
@external("env", "checkpoint")
declare function checkpoint(id: i32): void;

// @ts-ignore: decorator
@inline
export function hook(id: i32): void {
  // @ts-ignore: WASMPROF_HOOKS is introduced with `--use WASMPROF_HOOKS=0|1` (asconfig.json)
  if (WASMPROF_HOOKS) checkpoint(id);
}

// One id per interruption point; the test walks 1..HOOK_LAST.
export const HOOK_FRAME_CACHE_UNLINK: i32 = 1;       // move-to-front: entry unlinked, not yet relinked
export const HOOK_FRAME_CACHE_RELINK: i32 = 2;       // move-to-front: relinked at head, tail not fixed
export const HOOK_FRAME_CACHE_EVICT_UNCHAIN: i32 = 3; // eviction: victim out of its hash chain
export const HOOK_FRAME_CACHE_EVICT_REUSE: i32 = 4;   // eviction: victim slot rewritten, not yet chained
export const HOOK_TABLE_GROW_ENTRIES: i32 = 5; // entries copied to the new region, descriptor stale
export const HOOK_TABLE_GROW_BUCKETS: i32 = 6; // bucket array half rebuilt
export const HOOK_TABLE_INSERT: i32 = 7;      // entry written, bucket head not yet updated
export const HOOK_TABLE_REMOVE: i32 = 8;      // entry unchained, last entry not yet moved in
export const HOOK_LIVE_INSERT: i32 = 9;       // live entry added, owner/stack totals not yet
export const HOOK_LIVE_REMOVE: i32 = 10;      // live entry removed, totals not yet
export const HOOK_STRING_BYTES: i32 = 11;     // string bytes copied, entry not yet added
export const HOOK_POOL: i32 = 12;             // pool free list popped, outstanding not yet counted
export const HOOK_SAMPLE_ADD: i32 = 13;       // sample values half added
export const HOOK_LIVE_CHUNK: i32 = 14;       // live table: chunk taken, directory count not yet raised
export const HOOK_LIVE_SPLIT: i32 = 15;       // live table: bucket split half done
export const HOOK_LIVE_CHUNK_FREE: i32 = 16;  // live table: chunk out of the directory, not yet on the free list
export const HOOK_SAMPLE_GROW: i32 = 17;      // sample table: index half rebuilt, or cells copied to a larger region
export const HOOK_LIVE_BULK_LINK: i32 = 18;   // live table bulk load: entries appended, chains half linked
export const HOOK_LAST: i32 = 18;
