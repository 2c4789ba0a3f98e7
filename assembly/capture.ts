// Committing a captured stack. The order of work follows DESIGN §3: the host decided to sample,
// acquired a private buffer and wrote the raw frames into it (which may call out and re-enter);
// only now, in one call that calls nothing outside, are the shared tables touched. If sampling
// stopped while the capture was in flight, nothing is inserted and the buffer is released.
// No SDK profile path captures this way today: this and pool.ts are embedder API, for hosts whose
// stack walk can re-enter (an allocation hook firing during a capture) and for the native-heap
// aggregator later (docs/core.md, "Captures").
//
// Record layout in the buffer's data area, leaf frame first, each CAP_ALIGN-aligned:
//   key lo u32, key hi u32, line i32, column i32, name length u32, file length u32,
//   mapping length u32 (CAP_HEAD bytes), then the name, file and mapping bytes.
// A name length of CAP_KEY_ONLY means "the cache had this key when I peeked": no strings follow.
// The host writes records through the CAP_* constants in sdk/core/layout.generated.ts.
import { LC_STATE, LC_SAMPLING_GEN, CFG_MAX_DEPTH, DROP_ABANDONED, DROP_STALE_KEY, DROP_TOO_DEEP,
         SAMPLER_RUNNING, IO_TMP_PTR, IO_TMP_CAP, T_STACKS, hget, hinc } from "./layout";
import { ERR_BAD_HANDLE, ERR_BAD_ARGUMENT, ERR_NO_MEMORY, setError } from "./errors";
import { BUF_HEADER, poolHeld, poolRelease, bufferGeneration, bufferCapacity } from "./pool";
import { frameCacheLookup } from "./frame-cache";
import { stringIntern } from "./strings";
import { frameIntern, frameStoreBytes } from "./frames";
import { triePush } from "./trie";
import { tdesc } from "./table";
import { sampleAdd } from "./samples";
import { region } from "./io";

export const CAP_KEY_LO: usize = 0;
export const CAP_KEY_HI: usize = 4;
export const CAP_LINE: usize = 8;
export const CAP_COLUMN: usize = 12;
export const CAP_NAME_LEN: usize = 16;
export const CAP_FILE_LEN: usize = 20;
export const CAP_MAPPING_LEN: usize = 24;
export const CAP_HEAD: u32 = 28;
export const CAP_ALIGN: u32 = 4;
export const CAP_KEY_ONLY: u32 = 0xffffffff;
const SCRATCH_TAIL: u32 = 256;

/**
 * Resolves the records to frames, interns the stack, adds the values and releases the buffer.
 * Returns the stack handle (>0), 0 when the capture was void (sampling stopped), or a negative
 * error. The buffer is released in every case where it was valid.
 */
export function captureCommit(buf: usize, nrec: u32, used: u32, kind: u32, labels: u32,
                              v0: f64, v1: f64, v2: f64, v3: f64): i32 {
  if (!poolHeld(buf)) return setError(ERR_BAD_HANDLE, <u32>buf, 0);
  if (hget(LC_STATE) != SAMPLER_RUNNING || bufferGeneration(buf) != hget(LC_SAMPLING_GEN)) {
    hinc(DROP_ABANDONED);
    poolRelease(buf);
    return 0;
  }
  const h = resolveStack(buf, nrec, used);
  poolRelease(buf);
  if (h <= 0) return h;
  if (sampleAdd(kind, <u32>h, labels, v0, v1, v2, v3) < 0) return setError(ERR_NO_MEMORY, 0, 0);
  return h;
}

/** Stack handle for the records in buf (0 for an empty stack), or a negative error. */
export function resolveStack(buf: usize, nrec: u32, used: u32): i32 {
  if (used > bufferCapacity(buf) || nrec > (used / CAP_HEAD)) return setError(ERR_BAD_ARGUMENT, used, nrec);
  const data = buf + BUF_HEADER;
  const end = data + used;
  const tmp = region(IO_TMP_PTR, IO_TMP_CAP, (nrec << 2) + SCRATCH_TAIL);
  if (tmp == 0) return setError(ERR_NO_MEMORY, 0, 0);
  const scratch = tmp + (<usize>nrec << 2);
  let p = data;
  for (let r: u32 = 0; r < nrec; r++) {
    if (p + CAP_HEAD > end) return setError(ERR_BAD_ARGUMENT, r, 1);
    const lo = load<u32>(p, CAP_KEY_LO), hi = load<u32>(p, CAP_KEY_HI);
    const nameLen = load<u32>(p, CAP_NAME_LEN);
    let frame: i32;
    if (nameLen == CAP_KEY_ONLY) {
      p += CAP_HEAD;
      const f = frameCacheLookup(lo, hi);
      if (f == 0) { hinc(DROP_STALE_KEY); frame = internAsciiFrame(EVICTED_NAME, scratch); } else frame = <i32>(f - 1);
    } else {
      const fileLen = load<u32>(p, CAP_FILE_LEN), mapLen = load<u32>(p, CAP_MAPPING_LEN);
      const strs = p + CAP_HEAD;
      const total = <u64>nameLen + <u64>fileLen + <u64>mapLen;
      if (<u64>strs + total > <u64>end) return setError(ERR_BAD_ARGUMENT, r, 2);
      frame = frameStoreBytes(lo, hi, strs, nameLen, strs + nameLen, fileLen, strs + nameLen + fileLen, mapLen,
                              load<i32>(p, CAP_LINE), load<i32>(p, CAP_COLUMN));
      p = (strs + <usize>total + CAP_ALIGN - 1) & ~(<usize>CAP_ALIGN - 1);
    }
    if (frame < 0) return setError(ERR_NO_MEMORY, 0, 0);
    store<u32>(tmp + (<usize>r << 2), <u32>frame);
  }
  // Deeper than allowed: keep the leaf side, which says what was running.
  let rootIdx = nrec;
  const maxDepth = hget(CFG_MAX_DEPTH);
  if (maxDepth != 0 && nrec > maxDepth) { hinc(DROP_TOO_DEEP); rootIdx = maxDepth; }
  const stacks = tdesc(T_STACKS);
  let h: i32 = 0;
  for (let i = rootIdx; i > 0; i--) {
    h = triePush(stacks, <u32>h, load<u32>(tmp + (<usize>(i - 1) << 2)), 0);
    if (h < 0) return setError(ERR_NO_MEMORY, 0, 0);
  }
  return h;
}

export const EVICTED_NAME = "[frame evicted during capture]";

/** Interns a frame named by an ASCII literal, with empty file and mapping; `scratch` must have
 *  room for the name. Used for the synthetic frames the core itself creates. */
export function internAsciiFrame(s: string, scratch: usize): i32 {
  const n = <u32>s.length;
  for (let i: u32 = 0; i < n; i++) store<u8>(scratch + i, <u8>s.charCodeAt(i));
  const name = stringIntern(scratch, n);
  const empty = stringIntern(scratch, 0);
  if (name < 0 || empty < 0) return -1;
  return frameIntern(<u32>name, <u32>empty, <u32>empty, 0, 0);
}
