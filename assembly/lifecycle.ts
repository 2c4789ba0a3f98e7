// Configuration, O(1) reset and the fork protocol (DESIGN §2).
//
// reset: zero the fixed-size resettable header block and move the bump pointer back. It reads
// nothing but the configuration words, which ordinary mutations never write; so a reset on a
// copy of memory taken in the middle of any mutation (what a fork hands the child) cannot trap,
// loop or resurrect old data: every table simply starts empty again.
import { HDR, HDR_RESET, HDR_SIZE, BUMP, CFG_MAGIC, CONFIGURED_MAGIC, CFG_FRAME_CACHE_CAP, CFG_POOL_IDLE_MAX,
         CFG_BUF_SIZE, CFG_MAX_PAGES, CFG_MAX_BUFFERS, CFG_PROFILE_CHILDREN, CFG_MAX_DEPTH, CFG_SEED_LO,
         CFG_SEED_HI, CFG_SAMPLE_MEAN, LC_RESETS, LC_PID, LC_STARTED_EVER, LC_STATE, LC_WAS_RUNNING_AT_FORK,
         LC_IN_FORK, LC_SAMPLER_STARTS, LC_ERROR, LC_ERROR_DETAIL, LC_ERROR_DETAIL2, LC_SAMPLING_GEN,
         T_STRINGS, T_FRAMES, T_STACKS, T_LABELS, T_SAMPLES, T_LIVE, T_OWNERS, T_AGG, THR_COUNT, THR_IDS, MAX_THREADS,
         SAMPLER_STOPPED, SAMPLER_RUNNING, SAMPLER_ERRORED, MAX_BUFFERS_OUT, hget, hset, hsetf } from "./layout";
import { arenaBase, ensureMemory } from "./arena";
import { tinit, tdesc } from "./table";
import { STRING_ENTRY_SIZE } from "./strings";
import { FRAME_ENTRY_SIZE } from "./frames";
import { TRIE_ENTRY_SIZE } from "./trie";
import { OWNER_ENTRY_SIZE, AGG_ENTRY_SIZE } from "./livemap";
import { samplerReseed } from "./sampler";

export function configured(): bool { return hget(CFG_MAGIC) == CONFIGURED_MAGIC; }

export function configure(frameCacheCap: u32, idleMax: u32, bufSize: u32, maxPages: u32, maxBuffers: u32,
                          maxDepth: u32, profileChildren: u32, pid: u32, seedLo: u32, seedHi: u32, sampleMean: f64): bool {
  if (frameCacheCap == 0 || bufSize < 64 || maxBuffers == 0 || maxBuffers > MAX_BUFFERS_OUT || !(sampleMean >= 0)) return false;
  if (__heap_base > HDR || !ensureMemory(HDR + HDR_SIZE)) return false;
  memory.fill(HDR, 0, HDR_RESET);
  hset(CFG_FRAME_CACHE_CAP, frameCacheCap);
  hset(CFG_POOL_IDLE_MAX, idleMax);
  hset(CFG_BUF_SIZE, (bufSize + 7) & ~7);
  hset(CFG_MAX_PAGES, maxPages);
  hset(CFG_MAX_BUFFERS, maxBuffers);
  hset(CFG_MAX_DEPTH, maxDepth);
  hset(CFG_PROFILE_CHILDREN, profileChildren);
  hset(CFG_SEED_LO, seedLo);
  hset(CFG_SEED_HI, seedHi);
  hsetf(CFG_SAMPLE_MEAN, sampleMean);
  hset(LC_PID, pid);
  hset(CFG_MAGIC, CONFIGURED_MAGIC);
  reset();
  hset(LC_RESETS, 0);
  return true;
}

/** Empties every structure in O(1): a fixed-size header block, whatever the tables held. */
export function reset(): void {
  memory.fill(HDR + HDR_RESET, 0, HDR_SIZE - HDR_RESET);
  hset(BUMP, <u32>arenaBase());
  tinit(tdesc(T_STRINGS), STRING_ENTRY_SIZE);
  tinit(tdesc(T_FRAMES), FRAME_ENTRY_SIZE);
  tinit(tdesc(T_STACKS), TRIE_ENTRY_SIZE);
  tinit(tdesc(T_LABELS), TRIE_ENTRY_SIZE);
  tinit(tdesc(T_SAMPLES), 0);   // samples.ts: all zero = empty
  // T_LIVE (live-table.ts) is empty when all zero.
  tinit(tdesc(T_OWNERS), OWNER_ENTRY_SIZE);
  tinit(tdesc(T_AGG), AGG_ENTRY_SIZE);
  hset(LC_RESETS, hget(LC_RESETS) + 1);
  // Captures in flight belong to the state that was just dropped.
  hset(LC_SAMPLING_GEN, hget(LC_SAMPLING_GEN) + 1);
  samplerReseed();
}

/** Ends the period: only the sample aggregation is emptied (the dictionary and the live map
 *  carry over). O(1) like reset. */
export function periodReset(): void { tinit(tdesc(T_SAMPLES), 0); }

export function samplingStart(): bool {
  if (hget(LC_STATE) == SAMPLER_RUNNING) return false; // never a second sampler
  hset(LC_STATE, SAMPLER_RUNNING);
  hset(LC_STARTED_EVER, 1);
  hset(LC_SAMPLER_STARTS, hget(LC_SAMPLER_STARTS) + 1);
  return true;
}

export function samplingStop(): void {
  hset(LC_STATE, SAMPLER_STOPPED);
  hset(LC_SAMPLING_GEN, hget(LC_SAMPLING_GEN) + 1);
}

/** The sampler hit an error: it stops, and stays stopped across forks. */
export function samplingFail(code: u32): void {
  hset(LC_STATE, SAMPLER_ERRORED);
  hset(LC_ERROR, code);
  hset(LC_SAMPLING_GEN, hget(LC_SAMPLING_GEN) + 1);
}

/** Before fork: remember whether sampling runs. Changes nothing else and waits on nothing. */
export function prefork(): void {
  if (hget(LC_STARTED_EVER) == 0) return;
  hset(LC_WAS_RUNNING_AT_FORK, hget(LC_STATE) == SAMPLER_RUNNING ? 1 : 0);
  hset(LC_IN_FORK, 1);
}

/** In the parent after fork: everything continues as it was. Returns 1 if sampling runs. */
export function postforkParent(): u32 {
  if (hget(LC_STARTED_EVER) == 0) return 0;
  hset(LC_IN_FORK, 0);
  return hget(LC_STATE) == SAMPLER_RUNNING ? 1 : 0;
}

/** In the child after fork: fresh empty structures (O(1), old ones never read), the child's
 *  pid, no inherited error, only this thread registered, and sampling again if and only if it
 *  ran at prefork and children are profiled. Returns 1 if sampling runs in the child. */
export function postforkChild(pid: u32, tid: u32): u32 {
  if (hget(LC_STARTED_EVER) == 0) return 0;
  const wasRunning = hget(LC_WAS_RUNNING_AT_FORK) == 1;
  hset(LC_PID, pid);
  reset();
  hset(LC_ERROR, 0); hset(LC_ERROR_DETAIL, 0); hset(LC_ERROR_DETAIL2, 0);
  hset(THR_COUNT, 1);
  hset(THR_IDS, tid);
  hset(LC_IN_FORK, 0);
  hset(LC_WAS_RUNNING_AT_FORK, 0);
  if (wasRunning && hget(CFG_PROFILE_CHILDREN) != 0) {
    hset(LC_STATE, SAMPLER_RUNNING);
    hset(LC_SAMPLER_STARTS, hget(LC_SAMPLER_STARTS) + 1);
    return 1;
  }
  hset(LC_STATE, SAMPLER_STOPPED);
  return 0;
}

export function threadRegister(tid: u32): bool {
  const n = hget(THR_COUNT);
  for (let i: u32 = 0; i < n; i++) if (load<u32>(HDR + THR_IDS + (<usize>i << 2)) == tid) return true;
  if (n >= MAX_THREADS) return false;
  store<u32>(HDR + THR_IDS + (<usize>n << 2), tid);
  hset(THR_COUNT, n + 1);
  return true;
}

export function threadUnregister(tid: u32): bool {
  const n = hget(THR_COUNT);
  for (let i: u32 = 0; i < n; i++) {
    const at = HDR + THR_IDS + (<usize>i << 2);
    if (load<u32>(at) == tid) {
      store<u32>(at, load<u32>(HDR + THR_IDS + (<usize>(n - 1) << 2)));
      hset(THR_COUNT, n - 1);
      return true;
    }
  }
  return false;
}

