// A consistent copy of the core's tables, taken in one go after a period ends. Reading from a
// copy keeps the views valid when the core's memory grows (which detaches old ArrayBuffers)
// and lets the pprof builder take its time without holding the core.
import type { CoreExports } from './exports.js';

export interface FrameInfo {
  name: string;
  file: string;
  /** Shared object or bundle a native frame came from; '' for JavaScript frames. */
  mapping: string;
  line: number;
  column: number;
}

export interface SampleRow {
  kind: number;
  /** Stack handle (see stackFrames). */
  stack: number;
  /** Label-set handle, 0 for none. */
  labels: number;
  values: [number, number, number, number];
}

export interface LiveStackRow { owner: number; stack: number; count: number; bytes: number }
export interface OwnerRow { owner: number; count: number; bytes: number }
export interface LiveEntryRow { owner: number; address: bigint; size: number; stack: number; time: number }

// Entry sizes in bytes, matching assembly/*.ts.
const STRING_ENTRY = 16, FRAME_ENTRY = 28, TRIE_ENTRY = 24, SAMPLE_ENTRY = 56, LIVE_ENTRY = 40, OWNER_ENTRY = 24, AGG_ENTRY = 32;
const decoder = new TextDecoder();

function copy(mem: ArrayBuffer, ptr: number, bytes: number): ArrayBuffer {
  return mem.slice(ptr, ptr + bytes);
}

export class CoreTables {
  private readonly stringCache: (string | undefined)[];
  private readonly strEntries: Uint32Array;
  private readonly strBytes: Uint8Array;
  private readonly frameWords: Int32Array;
  private readonly stackWords: Uint32Array;
  private readonly labelWords: Uint32Array;
  private readonly sampleBuf: ArrayBuffer;
  private readonly liveBuf: ArrayBuffer;
  private readonly ownerBuf: ArrayBuffer;
  private readonly aggBuf: ArrayBuffer;
  readonly counts: { strings: number; frames: number; stacks: number; labels: number; samples: number; live: number; owners: number; liveStacks: number };

  constructor(ex: CoreExports) {
    const view = ex.tablesView();
    const mem = ex.memory.buffer;
    const w = new Uint32Array(mem, view, 17);
    const n = (i: number) => w[i * 2 + 1];
    const p = (i: number) => w[i * 2];
    this.counts = { strings: n(0), frames: n(1), stacks: n(2), labels: n(3), samples: n(4), live: n(5), owners: n(6), liveStacks: n(7) };
    this.strEntries = new Uint32Array(copy(mem, p(0), n(0) * STRING_ENTRY));
    let used = 0;
    for (let i = 0; i < n(0); i++) used = Math.max(used, this.strEntries[i * 4 + 2] + this.strEntries[i * 4 + 3]);
    this.strBytes = new Uint8Array(copy(mem, w[16], used));
    this.frameWords = new Int32Array(copy(mem, p(1), n(1) * FRAME_ENTRY));
    this.stackWords = new Uint32Array(copy(mem, p(2), n(2) * TRIE_ENTRY));
    this.labelWords = new Uint32Array(copy(mem, p(3), n(3) * TRIE_ENTRY));
    this.sampleBuf = copy(mem, p(4), n(4) * SAMPLE_ENTRY);
    this.liveBuf = copy(mem, p(5), n(5) * LIVE_ENTRY);
    this.ownerBuf = copy(mem, p(6), n(6) * OWNER_ENTRY);
    this.aggBuf = copy(mem, p(7), n(7) * AGG_ENTRY);
    this.stringCache = new Array<string | undefined>(n(0));
  }

  string(id: number): string {
    const hit = this.stringCache[id];
    if (hit !== undefined) return hit;
    if (!(id >= 0 && id < this.counts.strings)) throw new RangeError(`wasmprof core: no string ${id}`);
    const off = this.strEntries[id * 4 + 2], len = this.strEntries[id * 4 + 3];
    const s = decoder.decode(this.strBytes.subarray(off, off + len));
    this.stringCache[id] = s;
    return s;
  }

  frame(id: number): FrameInfo {
    if (!(id >= 0 && id < this.counts.frames)) throw new RangeError(`wasmprof core: no frame ${id}`);
    const b = id * 7;
    const f = this.frameWords;
    return { name: this.string(f[b + 2]), file: this.string(f[b + 3]), mapping: this.string(f[b + 4]), line: f[b + 5], column: f[b + 6] };
  }

  /** Frame ids of a stack, leaf first (pprof order). */
  stackFrames(handle: number): number[] {
    const out: number[] = [];
    let h = handle;
    while (h !== 0) {
      if (h > this.counts.stacks) throw new RangeError(`wasmprof core: no stack ${handle}`);
      const b = (h - 1) * 6;
      out.push(this.stackWords[b + 3]);
      h = this.stackWords[b + 2];
    }
    return out;
  }

  /** Parent handle of a stack (the stack without its leaf frame). */
  stackParent(handle: number): number { return this.stackWords[(handle - 1) * 6 + 2]; }
  /** Leaf frame id of a stack. */
  stackLeaf(handle: number): number { return this.stackWords[(handle - 1) * 6 + 3]; }

  labels(handle: number): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    let h = handle;
    while (h !== 0) {
      if (h > this.counts.labels) throw new RangeError(`wasmprof core: no label set ${handle}`);
      const b = (h - 1) * 6;
      out.push([this.string(this.labelWords[b + 3]), this.string(this.labelWords[b + 4])]);
      h = this.labelWords[b + 2];
    }
    return out.reverse();
  }

  samples(kind?: number): SampleRow[] {
    const dv = new DataView(this.sampleBuf);
    const out: SampleRow[] = [];
    for (let i = 0; i < this.counts.samples; i++) {
      const b = i * SAMPLE_ENTRY;
      const k = dv.getUint32(b + 8, true);
      if (kind !== undefined && k !== kind) continue;
      out.push({
        kind: k, stack: dv.getUint32(b + 12, true), labels: dv.getUint32(b + 16, true),
        values: [0, 1, 2, 3].map((j) => Number(dv.getBigInt64(b + 24 + j * 8, true))) as [number, number, number, number],
      });
    }
    return out;
  }

  liveStacks(): LiveStackRow[] {
    const dv = new DataView(this.aggBuf);
    const out: LiveStackRow[] = [];
    for (let i = 0; i < this.counts.liveStacks; i++) {
      const b = i * AGG_ENTRY;
      out.push({ owner: dv.getUint32(b + 8, true), stack: dv.getUint32(b + 12, true), count: dv.getUint32(b + 16, true), bytes: dv.getFloat64(b + 24, true) });
    }
    return out;
  }

  owners(): OwnerRow[] {
    const dv = new DataView(this.ownerBuf);
    const out: OwnerRow[] = [];
    for (let i = 0; i < this.counts.owners; i++) {
      const b = i * OWNER_ENTRY;
      out.push({ owner: dv.getUint32(b + 8, true), count: dv.getUint32(b + 12, true), bytes: dv.getFloat64(b + 16, true) });
    }
    return out;
  }

  liveEntries(): LiveEntryRow[] {
    const dv = new DataView(this.liveBuf);
    const out: LiveEntryRow[] = [];
    for (let i = 0; i < this.counts.live; i++) {
      const b = i * LIVE_ENTRY;
      out.push({
        owner: dv.getUint32(b + 8, true),
        address: (BigInt(dv.getUint32(b + 16, true)) << 32n) | BigInt(dv.getUint32(b + 12, true)),
        stack: dv.getUint32(b + 20, true), size: dv.getFloat64(b + 24, true), time: dv.getFloat64(b + 32, true),
      });
    }
    return out;
  }
}
