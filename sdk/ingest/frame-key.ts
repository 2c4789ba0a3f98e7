// The 64-bit key under which a V8 frame is cached in the core's frame cache. It is derived from
// what identifies a function in one isolate: script id, 0-based line and column of the function,
// and its name. Two independent 32-bit hashes (FNV-1a and a murmur3-style mix, different seeds)
// make the two halves, so a collision needs both to collide: ~2^-64 per pair of frames.
import type { CallFrameInfo } from '../sources/types.js';

const FNV_OFFSET = 0x811c9dc5, FNV_PRIME = 0x01000193;
const M1 = 0xcc9e2d51, M2 = 0x1b873593;

function fnvInt(h: number, v: number): number {
  h = Math.imul(h ^ (v & 0xff), FNV_PRIME);
  h = Math.imul(h ^ ((v >>> 8) & 0xff), FNV_PRIME);
  h = Math.imul(h ^ ((v >>> 16) & 0xff), FNV_PRIME);
  return Math.imul(h ^ (v >>> 24), FNV_PRIME);
}

function murInt(h: number, v: number): number {
  let k = Math.imul(v, M1);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, M2);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The key of (scriptId, line, column, name) as [lo, hi] unsigned 32-bit halves. */
export function frameKey(scriptId: string, line: number, column: number, name: string): [number, number] {
  let a = FNV_OFFSET, b = 0x9747b28c;
  const parts = [scriptId, name];
  for (let p = 0; p < 2; p++) {
    const s = parts[p];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, FNV_PRIME);
      b = murInt(b, c);
    }
    // a separator, so that ("12", "3x") and ("123", "x") differ
    a = fnvInt(a, 0xfffe0000 | s.length);
    b = murInt(b, 0xfffe0000 | s.length);
  }
  a = fnvInt(fnvInt(a, line | 0), column | 0);
  b = murInt(murInt(b, line | 0), column | 0);
  return [fmix(a), fmix(b ^ 0x5bd1e995)];
}

export function callFrameKey(f: CallFrameInfo): [number, number] {
  return frameKey(f.scriptId, f.lineNumber, f.columnNumber, f.functionName);
}
