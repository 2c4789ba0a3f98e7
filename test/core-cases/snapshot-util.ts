// Helpers to build known live-map states and to craft snapshot bytes for the rejection cases.
import type { Core } from '../../sdk/core.js';

/** A fixed state touching every field: empty strings, negative line/column/time, zero size,
 *  a 64-bit address, several owners and stacks sharing frames. Used by the golden fixture. */
export function buildFixtureState(c: Core): void {
  const main = c.internFrame({ name: 'main', file: '/srv/app.js', mapping: '', line: 1, column: 1 });
  const parse = c.internFrame({ name: 'parse', file: '/srv/app.js', mapping: '', line: 20, column: -1 });
  const native = c.internFrame({ name: 'malloc', file: '', mapping: 'libc.so.6', line: -5, column: 0 });
  const anon = c.internFrame({ name: '', file: '', mapping: '', line: 0, column: 0 });
  const s1 = c.internStack([parse, main]);
  const s2 = c.internStack([native, parse, main]);
  const s3 = c.internStack([anon]);
  c.trackAlloc(1, 0x1000, 100, s1, 1_700_000_000_000);
  c.trackAlloc(1, 0x2000, 0, s2, -42);
  c.trackAlloc(7, 0xffff_ffff_ffff_fff0n, 4096, s2, 1_700_000_000_123);
  c.trackAlloc(7, 0x10, 3, s3, 1_700_000_000_000);
  c.trackAlloc(0xffffffff, 0x20, 2 ** 40, s1, 0);
}

/** Byte offsets of each section of a valid snapshot (format in docs/snapshot-format.md). */
export function sections(b: Uint8Array): { strings: number[]; frames: number[]; stacks: number[]; owners: number[]; end: number } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = (o: number) => dv.getUint32(o, true);
  let p = 36;
  const strings: number[] = [], frames: number[] = [], stacks: number[] = [], owners: number[] = [];
  for (let i = 0; i < n(20); i++) { strings.push(p); p += 4 + n(p); }
  for (let i = 0; i < n(24); i++) { frames.push(p); p += 20; }
  for (let i = 0; i < n(28); i++) { stacks.push(p); p += 4 + 4 * n(p); }
  for (let i = 0; i < n(32); i++) {
    owners.push(p);
    const count = n(p + 4);
    p += 8;
    for (let k = 0; k < count; k++) {
      for (let v = 0; v < 3; v++) { while (b[p] & 0x80) p++; p++; }
      p += 4;
    }
  }
  return { strings, frames, stacks, owners, end: p };
}

/** Recomputes the trailing checksum with the core's own function, so a crafted defect is
 *  found by the structural checks rather than by the checksum. */
export function fixChecksum(c: Core, b: Uint8Array): Uint8Array {
  const out = b.slice();
  if (out.length < 8) return out;
  const body = out.length - 8;
  const raw = c.raw;
  const ptr = raw.snapshotInput(out.length);
  new Uint8Array(raw.memory.buffer).set(out, ptr);
  const at = raw.checksum64(ptr, body);
  out.set(new Uint8Array(raw.memory.buffer, at, 8), body);
  return out;
}

export function setU32(b: Uint8Array, offset: number, v: number): Uint8Array {
  const out = b.slice();
  new DataView(out.buffer).setUint32(offset, v >>> 0, true);
  return out;
}
