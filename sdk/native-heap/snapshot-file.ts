// The aggregator's restart file (<dir>/aggregator.snapshot): the core's live-map snapshot behind a
// small header naming the ring instance (and sampling interval) each owner's entries came from.
// Without the instance, an incoming aggregator cannot tell that a pid's image was replaced by an
// exec during the restart gap, and the old image's entries would survive into the new one's.
//
//   0  magic "WPNHSNAP" · 8 version u32 = 1 · 12 count u32 · 16 checksum u32 (FNV-1a of the
//   entries) · 20 count × { pid u32, instance u64, interval u64 } · then the core's snapshot bytes
//
// A file without the magic is a core snapshot written by an aggregator before this header
// existed: it is restored as before, with no instances known.

const MAGIC = Buffer.from('WPNHSNAP', 'latin1');
const VERSION = 1;
const HEAD = 20;
const ENTRY = 20;

export interface RingOrigin { instance: bigint; interval: number }

export class SnapshotFileError extends Error {}

function fnv1a(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) { h ^= b[i]; h = Math.imul(h, 0x01000193) >>> 0; }
  return h >>> 0;
}

export function encodeSnapshotFile(origins: ReadonlyMap<number, RingOrigin>, core: Uint8Array): Uint8Array {
  const entries = Buffer.alloc(origins.size * ENTRY);
  let at = 0;
  for (const [pid, o] of origins) {
    entries.writeUInt32LE(pid, at);
    entries.writeBigUInt64LE(BigInt.asUintN(64, o.instance), at + 4);
    entries.writeBigUInt64LE(BigInt(Math.max(0, Math.floor(o.interval))), at + 12);
    at += ENTRY;
  }
  const head = Buffer.alloc(HEAD);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(VERSION, 8);
  head.writeUInt32LE(origins.size, 12);
  head.writeUInt32LE(fnv1a(entries), 16);
  return Buffer.concat([head, entries, core]);
}

export function decodeSnapshotFile(bytes: Uint8Array): { origins: Map<number, RingOrigin>; core: Uint8Array } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < MAGIC.length || !b.subarray(0, MAGIC.length).equals(MAGIC)) return { origins: new Map(), core: bytes };
  if (b.length < HEAD) throw new SnapshotFileError(`snapshot header truncated (${b.length} bytes)`);
  const version = b.readUInt32LE(8);
  if (version !== VERSION) throw new SnapshotFileError(`snapshot header version ${version} (this aggregator reads ${VERSION})`);
  const count = b.readUInt32LE(12);
  if (count > (b.length - HEAD) / ENTRY) throw new SnapshotFileError(`snapshot header names ${count} owners but the file has ${b.length} bytes`);
  const entries = b.subarray(HEAD, HEAD + count * ENTRY);
  if (fnv1a(entries) !== b.readUInt32LE(16)) throw new SnapshotFileError('snapshot header checksum mismatch');
  const origins = new Map<number, RingOrigin>();
  for (let at = 0; at < entries.length; at += ENTRY) {
    const pid = entries.readUInt32LE(at);
    if (origins.has(pid)) throw new SnapshotFileError(`snapshot header names pid ${pid} twice`);
    origins.set(pid, { instance: entries.readBigUInt64LE(at + 4), interval: Number(entries.readBigUInt64LE(at + 12)) });
  }
  return { origins, core: new Uint8Array(b.buffer, b.byteOffset + HEAD + count * ENTRY, b.length - HEAD - count * ENTRY) };
}
