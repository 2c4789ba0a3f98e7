// The exports of core.wasm. Arguments arrive as i32/f64 only (no i64 across the boundary, so
// hosts never pay for BigInt): 64-bit keys and addresses come as (lo, hi) pairs, sizes and
// times as f64 holding integers. Failures return negative ERR_* codes (errors.ts) with
// details readable through lastError*(); the SDK turns them into exceptions. Every number the
// host must agree on (codes, stat ids, record and entry layouts) is generated into
// sdk/core/layout.generated.ts by scripts/gen-layout.mjs, so it is never copied by hand.
import { HDR, ABORT_SLOT, READOUT, LC_ERROR, LC_ERROR_DETAIL, LC_ERROR_DETAIL2, T_STRINGS, T_FRAMES, T_STACKS,
         T_LABELS, T_SAMPLES, T_LIVE, T_OWNERS, T_AGG, SB_PTR, THR_COUNT, THR_IDS, IO_STAGE_PTR, IO_STAGE_CAP, IO_OUT_PTR,
         TV_STRINGS, TV_FRAMES, TV_STACKS, TV_LABELS, TV_SAMPLES, TV_LIVE, TV_OWNERS, TV_AGG, TV_STRING_BYTES, TV_SAMPLE_SLOTS,
         hget, hset } from "./layout";
import { ERR_BAD_ARGUMENT, ERR_BAD_HANDLE, ERR_NO_MEMORY, ERR_NOT_CONFIGURED, setError } from "./errors";
import { tdesc, tcount, tentries } from "./table";
import * as lc from "./lifecycle";
import { stringIntern as internString } from "./strings";
import { frameIntern as internFrame, frameStoreBytes } from "./frames";
import { frameCacheLookup as cacheLookup, frameCachePeek as cachePeek, frameCacheStore as cacheStore, frameCacheKeys as cacheKeys } from "./frame-cache";
import { triePush } from "./trie";
import { sampleAdd as addSample, sampleSlots, sampleAddColumnsChecked, sampleColumnsValid } from "./samples";
import { poolAcquire, poolRelease, bufferCapacity as capacityOf, poolHeld } from "./pool";
import { captureCommit as commitCapture } from "./capture";
import * as live from "./livemap";
import { samplerSample as sampleDecision } from "./sampler";
import { plan as snapshotPlan, encode as snapshotEncodeInto } from "./snapshot-encode";
import { restore as snapshotRestoreFrom, inputBuffer as snapshotInputBuffer } from "./snapshot-decode";
import { checksum64 as snapshotChecksum } from "./snapshot-format";
import { region } from "./io";
import "./abort";

const MAX_EXACT: f64 = 9007199254740992;

function checkReady(): i32 { return lc.configured() ? 0 : setError(ERR_NOT_CONFIGURED, 0, 0); }
// @ts-ignore: decorator
@inline function okInt(v: f64, allowNegative: bool): bool {
  return v == Math.floor(v) && v <= MAX_EXACT && (allowNegative ? v >= -MAX_EXACT : v >= 0);
}
function okHandle(t: usize, h: u32): bool { return h <= tcount(tdesc(t)); }

// --- lifecycle ---
export function configure(frameCacheCapacity: u32, poolIdleMax: u32, bufferSize: u32, maxMemoryPages: u32, maxBuffers: u32,
                          maxDepth: u32, profileChildren: u32, pid: u32, seedLo: u32, seedHi: u32, sampleMeanBytes: f64): i32 {
  return lc.configure(frameCacheCapacity, poolIdleMax, bufferSize, maxMemoryPages, maxBuffers, maxDepth, profileChildren, pid,
                      seedLo, seedHi, sampleMeanBytes) ? 0 : setError(ERR_BAD_ARGUMENT, frameCacheCapacity, bufferSize);
}
export function reset(): void { if (lc.configured()) lc.reset(); }
export function periodReset(): void { if (lc.configured()) lc.periodReset(); }
export function samplingStart(): i32 { const r = checkReady(); return r < 0 ? r : (lc.samplingStart() ? 1 : 0); }
export function samplingStop(): void { if (lc.configured()) lc.samplingStop(); }
export function samplingFail(code: u32): void { if (lc.configured()) lc.samplingFail(code); }
export function prefork(): void { if (lc.configured()) lc.prefork(); }
export function postforkParent(): u32 { return lc.configured() ? lc.postforkParent() : 0; }
export function postforkChild(pid: u32, tid: u32): u32 { return lc.configured() ? lc.postforkChild(pid, tid) : 0; }
export function threadRegister(tid: u32): i32 { return lc.threadRegister(tid) ? 1 : setError(ERR_BAD_ARGUMENT, tid, 0); }
export function threadUnregister(tid: u32): i32 { return lc.threadUnregister(tid) ? 1 : 0; }
export function threadAt(i: u32): u32 { return i < hget(THR_COUNT) ? load<u32>(HDR + THR_IDS + (<usize>i << 2)) : 0; }

// --- dictionary: strings, frames, frame cache, stacks, label sets ---
export function stringIntern(ptr: usize, len: u32): i32 {
  const r = checkReady(); if (r < 0) return r;
  const id = internString(ptr, len);
  return id < 0 ? setError(ERR_NO_MEMORY, 0, 0) : id;
}
export function frameIntern(name: u32, file: u32, mapping: u32, line: i32, column: i32): i32 {
  const n = tcount(tdesc(T_STRINGS));
  if (name >= n || file >= n || mapping >= n) return setError(ERR_BAD_HANDLE, name, file);
  const id = internFrame(name, file, mapping, line, column);
  return id < 0 ? setError(ERR_NO_MEMORY, 0, 0) : id;
}
/** Interns the strings and the frame, then maps key -> frame in the cache: one call per miss. */
export function frameStore(keyLo: u32, keyHi: u32, namePtr: usize, nameLen: u32, filePtr: usize, fileLen: u32,
                           mapPtr: usize, mapLen: u32, line: i32, column: i32): i32 {
  const r = checkReady(); if (r < 0) return r;
  const id = frameStoreBytes(keyLo, keyHi, namePtr, nameLen, filePtr, fileLen, mapPtr, mapLen, line, column);
  return id < 0 ? setError(ERR_NO_MEMORY, 0, 0) : id;
}
export function frameCacheLookup(keyLo: u32, keyHi: u32): u32 { return lc.configured() ? cacheLookup(keyLo, keyHi) : 0; }
export function frameCachePeek(keyLo: u32, keyHi: u32): u32 { return lc.configured() ? cachePeek(keyLo, keyHi) : 0; }
export function frameCacheStore(keyLo: u32, keyHi: u32, frame: u32): i32 {
  const r = checkReady(); if (r < 0) return r;
  if (frame >= tcount(tdesc(T_FRAMES))) return setError(ERR_BAD_HANDLE, frame, 0);
  return cacheStore(keyLo, keyHi, frame) ? 1 : setError(ERR_NO_MEMORY, 0, 0);
}
/** Batch lookup: n (lo, hi) u32 pairs at ptr; each pair's lo word is replaced by frame id + 1
 *  (0 = miss). One boundary crossing for a whole profile's worth of keys. */
export function frameCacheLookupBatch(ptr: usize, n: u32): void {
  if (!lc.configured()) return;
  for (let i: u32 = 0; i < n; i++) {
    const p = ptr + (<usize>i << 3);
    store<u32>(p, cacheLookup(load<u32>(p), load<u32>(p, 4)));
  }
}
export function frameCacheKeys(out: usize, max: u32): u32 { return cacheKeys(out, max); }
export function stackPush(parent: u32, frame: u32): i32 {
  if (frame >= tcount(tdesc(T_FRAMES))) return setError(ERR_BAD_HANDLE, frame, 0);
  const h = triePush(tdesc(T_STACKS), parent, frame, 0);
  return h == -2 ? setError(ERR_BAD_HANDLE, parent, 0) : h < 0 ? setError(ERR_NO_MEMORY, 0, 0) : h;
}
export function labelPush(parent: u32, key: u32, value: u32): i32 {
  const n = tcount(tdesc(T_STRINGS));
  if (key >= n || value >= n) return setError(ERR_BAD_HANDLE, key, value);
  const h = triePush(tdesc(T_LABELS), parent, key, value);
  return h == -2 ? setError(ERR_BAD_HANDLE, parent, 0) : h < 0 ? setError(ERR_NO_MEMORY, 0, 0) : h;
}

// --- per-period samples ---
export function sampleAdd(kind: u32, stack: u32, labels: u32, v0: f64, v1: f64, v2: f64, v3: f64): i32 {
  const r = checkReady(); if (r < 0) return r;
  if (stack == 0 || !okHandle(T_STACKS, stack) || !okHandle(T_LABELS, labels)) return setError(ERR_BAD_HANDLE, stack, labels);
  if (!okInt(v0, true) || !okInt(v1, true) || !okInt(v2, true) || !okInt(v3, true)) return setError(ERR_BAD_ARGUMENT, kind, 0);
  const i = addSample(kind, stack, labels, v0, v1, v2, v3);
  return i < 0 ? setError(ERR_NO_MEMORY, 0, 0) : i;
}

/** Batch add, all of one kind, from columns the host copied into the staging region as they
 *  are: n u32 stack handles at stacks, n u32 label-set handles at labels, n f64 values at each
 *  of v0, v1, v2, v3 (v2 or v3 = 0: no such value). One boundary crossing per batch, no
 *  re-encoding. Every record is checked before any is added: a bad one adds nothing and names
 *  its index. Out of memory part way: the records before it were added; the error's detail2
 *  is the index of the first one that was not. */
export function sampleAddColumns(kind: u32, stacks: usize, labels: usize, v0: usize, v1: usize, v2: usize, v3: usize, n: u32): i32 {
  const r = checkReady(); if (r < 0) return r;
  const ns = tcount(tdesc(T_STACKS)), nl = tcount(tdesc(T_LABELS));
  // Only a batch with a bad record takes the loop that finds which one it is.
  for (let i: u32 = sampleColumnsValid(stacks, labels, v0, v1, v2, v3, n, ns, nl) ? n : 0; i < n; i++) {
    const o = <usize>i << 2, f = <usize>i << 3;
    const stack = load<u32>(stacks + o), lab = load<u32>(labels + o);
    if (stack == 0 || stack > ns || lab > nl) return setError(ERR_BAD_HANDLE, stack, i);
    if (!okInt(load<f64>(v0 + f), true) || !okInt(load<f64>(v1 + f), true) || (v2 != 0 && !okInt(load<f64>(v2 + f), true)) ||
        (v3 != 0 && !okInt(load<f64>(v3 + f), true))) return setError(ERR_BAD_ARGUMENT, kind, i);
  }
  const done = sampleAddColumnsChecked(kind, stacks, labels, v0, v1, v2, v3, n);
  return done < n ? setError(ERR_NO_MEMORY, n - done, done) : <i32>n;
}

// --- scratch buffers and captures ---
export function bufferAcquire(): usize { return lc.configured() ? poolAcquire() : 0; }
export function bufferRelease(buf: usize): i32 { return poolRelease(buf) ? 1 : setError(ERR_BAD_HANDLE, <u32>buf, 0); }
export function bufferCapacity(buf: usize): u32 { return poolHeld(buf) ? capacityOf(buf) : 0; }
export function captureCommit(buf: usize, records: u32, used: u32, kind: u32, labels: u32, v0: f64, v1: f64, v2: f64, v3: f64): i32 {
  if (!okHandle(T_LABELS, labels)) { poolRelease(buf); return setError(ERR_BAD_HANDLE, labels, 0); }
  if (!okInt(v0, true) || !okInt(v1, true) || !okInt(v2, true) || !okInt(v3, true)) { poolRelease(buf); return setError(ERR_BAD_ARGUMENT, kind, 0); }
  return commitCapture(buf, records, used, kind, labels, v0, v1, v2, v3);
}

// --- live-allocation map ---
export function liveAlloc(owner: u32, addrLo: u32, addrHi: u32, size: f64, stack: u32, time: f64): i32 {
  const r = checkReady(); if (r < 0) return r;
  if (!okInt(size, false) || !okInt(time, true)) return setError(ERR_BAD_ARGUMENT, owner, 0);
  if (!okHandle(T_STACKS, stack)) return setError(ERR_BAD_HANDLE, stack, 0);
  const v = live.liveAlloc(owner, addrLo, addrHi, size, stack, time);
  return v < 0 ? setError(ERR_NO_MEMORY, 0, 0) : v;
}
export function liveFree(owner: u32, addrLo: u32, addrHi: u32): i32 {
  const r = checkReady(); if (r < 0) return r;
  const v = live.liveFree(owner, addrLo, addrHi);
  return v < 0 ? setError(ERR_NO_MEMORY, 0, 0) : v;
}
export function liveEvent(kind: u32, owner: u32, oldLo: u32, oldHi: u32, addrLo: u32, addrHi: u32, size: f64, stack: u32, time: f64): i32 {
  const r = checkReady(); if (r < 0) return r;
  if (!okInt(size, false) || !okInt(time, true)) return setError(ERR_BAD_ARGUMENT, owner, 0);
  if (!okHandle(T_STACKS, stack)) return setError(ERR_BAD_HANDLE, stack, 0);
  const v = live.liveEvent(kind, owner, oldLo, oldHi, addrLo, addrHi, size, stack, time);
  return v == -2 ? setError(ERR_BAD_ARGUMENT, kind, 1) : v < 0 ? setError(ERR_NO_MEMORY, 0, 0) : v;
}
export function liveExportBegin(): void { live.liveExportBegin(); }
export function liveExportEnd(): void { live.liveExportEnd(); }
export function liveClearOwner(owner: u32): u32 { return live.liveClearOwner(owner); }
export function liveMismatch(): f64 { return live.liveMismatch(); }
export function samplerSample(size: f64): i32 { return lc.configured() ? sampleDecision(size) : 0; }

// --- snapshot ---
export function snapshotEncode(budget: u32): f64 {
  const r = checkReady(); if (r < 0) return <f64>r;
  return <f64>snapshotEncodeInto(budget);
}
export function snapshotMeasure(budget: u32): f64 {
  const r = checkReady(); if (r < 0) return <f64>r;
  return <f64>snapshotPlan(budget);
}
/** A persistent region of at least `size` bytes where the host stages strings for one call
 *  (stringIntern, frameStore). Valid until the next call that may allocate. */
export function stagingBuffer(size: u32): usize { return lc.configured() ? region(IO_STAGE_PTR, IO_STAGE_CAP, size) : 0; }
export function snapshotOutput(): usize { return <usize>hget(IO_OUT_PTR); }
export function snapshotInput(len: u32): usize { return lc.configured() ? snapshotInputBuffer(len) : 0; }
export function snapshotRestore(len: u32): i32 {
  const r = checkReady(); if (r < 0) return r;
  return snapshotRestoreFrom(len);
}
export function checksum64(ptr: usize, len: u32): f64 {
  // Exposed for tests and tools that build snapshots by hand; returned as two u32 halves.
  const h = snapshotChecksum(ptr, len);
  store<u64>(HDR + READOUT, h);
  return <f64>(HDR + READOUT);
}

// --- reading out ---
// No managed allocations anywhere in the core (no arrays, no string building): the runtime's
// allocator would hand out memory that the core's own arena also claims.
function viewOf(out: usize, i: u32, table: usize): void {
  const t = tdesc(table);
  store<u32>(out + (<usize>i << 3), <u32>tentries(t));
  store<u32>(out + (<usize>i << 3), tcount(t), 4);
}

/** Fills the table view (TV_* in layout.ts) and returns its address. */
export function tablesView(): usize {
  const out = HDR + READOUT;
  viewOf(out, TV_STRINGS, T_STRINGS); viewOf(out, TV_FRAMES, T_FRAMES); viewOf(out, TV_STACKS, T_STACKS);
  viewOf(out, TV_LABELS, T_LABELS); viewOf(out, TV_SAMPLES, T_SAMPLES); viewOf(out, TV_LIVE, T_LIVE);
  viewOf(out, TV_OWNERS, T_OWNERS); viewOf(out, TV_AGG, T_AGG);
  store<u32>(out + (<usize>TV_STRING_BYTES << 2), hget(SB_PTR));
  store<u32>(out + (<usize>TV_SAMPLE_SLOTS << 2), sampleSlots());
  return out;
}

export { statValue as stat } from "./stats";

export function lastError(): i32 { return <i32>hget(LC_ERROR); }
export function lastErrorDetail(): u32 { return hget(LC_ERROR_DETAIL); }
export function lastErrorDetail2(): u32 { return hget(LC_ERROR_DETAIL2); }
export function clearError(): void { hset(LC_ERROR, 0); }
export function abortSlot(): usize { return ABORT_SLOT; }
