// A consistent copy of the core's tables, taken in one go after a period ends. Reading from a
// copy keeps the views valid when the core's memory grows (which detaches old ArrayBuffers)
// and lets the pprof builder take its time without holding the core. Entry layouts come from
// layout.generated.ts (generated from assembly/), never from numbers written here.
import type { CoreExports } from './exports.js';
import {
  TV_STRINGS, TV_FRAMES, TV_STACKS, TV_LABELS, TV_SAMPLES, TV_LIVE, TV_OWNERS, TV_AGG, TV_STRING_BYTES, TV_SAMPLE_SLOTS, TV_WORDS,
  STRING_ENTRY_SIZE, STRING_OFFSET, STRING_LENGTH, FRAME_ENTRY_SIZE, FRAME_NAME, FRAME_FILE, FRAME_MAPPING, FRAME_LINE,
  FRAME_COLUMN, TRIE_ENTRY_SIZE, TRIE_PARENT, TRIE_ITEM_A, TRIE_ITEM_B, SAMPLE_ENTRY_SIZE, SAMPLE_KIND, SAMPLE_STACK,
  SAMPLE_LABELS, SAMPLE_VALUES, LIVE_ENTRY_SIZE, LIVE_CHUNK_ENTRIES, LIVE_OWNER, LIVE_ADDR_LO, LIVE_ADDR_HI, LIVE_STACK, LIVE_SIZE, LIVE_TIME,
  OWNER_ENTRY_SIZE, OWNER_ID, OWNER_COUNT, OWNER_BYTES, AGG_ENTRY_SIZE, AGG_OWNER, AGG_STACK, AGG_COUNT, AGG_BYTES,
} from './layout.generated.js';

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

// Strings, frames and tries are read as 32-bit word arrays: strides and field indexes in words.
const W = 4;
const STRING_W = STRING_ENTRY_SIZE / W, FRAME_W = FRAME_ENTRY_SIZE / W, TRIE_W = TRIE_ENTRY_SIZE / W;
const decoder = new TextDecoder();

function copy(mem: ArrayBuffer, ptr: number, bytes: number): ArrayBuffer {
  return mem.slice(ptr, ptr + bytes);
}

/** `count` entries held in chunks of `perChunk` (a directory of u32 chunk pointers at dir), as one buffer. */
function copyChunks(mem: ArrayBuffer, dir: number, count: number, perChunk: number, size: number): ArrayBuffer {
  const out = new Uint8Array(count * size);
  const chunks = new Uint32Array(mem, dir, Math.ceil(count / perChunk));
  const src = new Uint8Array(mem);
  for (let k = 0; k < chunks.length; k++) {
    const n = Math.min(perChunk, count - k * perChunk);
    out.set(src.subarray(chunks[k], chunks[k] + n * size), k * perChunk * size);
  }
  return out.buffer;
}

export class CoreTables {
  private readonly stringCache: (string | undefined)[];
  private readonly strEntries: Uint32Array;
  private readonly strBytes: Uint8Array;
  private readonly frameWords: Int32Array;
  private readonly stackWords: Uint32Array;
  private readonly labelWords: Uint32Array;
  private readonly sampleBuf: ArrayBuffer;
  private readonly sampleSlots: number;
  private readonly liveBuf: ArrayBuffer;
  private readonly ownerBuf: ArrayBuffer;
  private readonly aggBuf: ArrayBuffer;
  readonly counts: { strings: number; frames: number; stacks: number; labels: number; samples: number; live: number; owners: number; liveStacks: number };

  constructor(ex: CoreExports) {
    const view = ex.tablesView();
    const mem = ex.memory.buffer;
    const w = new Uint32Array(mem, view, TV_WORDS);
    const n = (i: number) => w[i * 2 + 1];
    const p = (i: number) => w[i * 2];
    this.counts = {
      strings: n(TV_STRINGS), frames: n(TV_FRAMES), stacks: n(TV_STACKS), labels: n(TV_LABELS),
      samples: n(TV_SAMPLES), live: n(TV_LIVE), owners: n(TV_OWNERS), liveStacks: n(TV_AGG),
    };
    const c = this.counts;
    this.strEntries = new Uint32Array(copy(mem, p(TV_STRINGS), c.strings * STRING_ENTRY_SIZE));
    let used = 0;
    for (let i = 0; i < c.strings; i++) {
      used = Math.max(used, this.strEntries[i * STRING_W + STRING_OFFSET / W] + this.strEntries[i * STRING_W + STRING_LENGTH / W]);
    }
    this.strBytes = new Uint8Array(copy(mem, w[TV_STRING_BYTES], used));
    this.frameWords = new Int32Array(copy(mem, p(TV_FRAMES), c.frames * FRAME_ENTRY_SIZE));
    this.stackWords = new Uint32Array(copy(mem, p(TV_STACKS), c.stacks * TRIE_ENTRY_SIZE));
    this.labelWords = new Uint32Array(copy(mem, p(TV_LABELS), c.labels * TRIE_ENTRY_SIZE));
    this.sampleSlots = w[TV_SAMPLE_SLOTS];
    this.sampleBuf = copy(mem, p(TV_SAMPLES), this.sampleSlots * SAMPLE_ENTRY_SIZE);
    this.liveBuf = copyChunks(mem, p(TV_LIVE), c.live, LIVE_CHUNK_ENTRIES, LIVE_ENTRY_SIZE);
    this.ownerBuf = copy(mem, p(TV_OWNERS), c.owners * OWNER_ENTRY_SIZE);
    this.aggBuf = copy(mem, p(TV_AGG), c.liveStacks * AGG_ENTRY_SIZE);
    this.stringCache = new Array<string | undefined>(c.strings);
  }

  string(id: number): string {
    const hit = this.stringCache[id];
    if (hit !== undefined) return hit;
    if (!(id >= 0 && id < this.counts.strings)) throw new RangeError(`wasmprof core: no string ${id}`);
    const off = this.strEntries[id * STRING_W + STRING_OFFSET / W], len = this.strEntries[id * STRING_W + STRING_LENGTH / W];
    const s = decoder.decode(this.strBytes.subarray(off, off + len));
    this.stringCache[id] = s;
    return s;
  }

  frame(id: number): FrameInfo {
    if (!(id >= 0 && id < this.counts.frames)) throw new RangeError(`wasmprof core: no frame ${id}`);
    const b = id * FRAME_W;
    const f = this.frameWords;
    return {
      name: this.string(f[b + FRAME_NAME / W]), file: this.string(f[b + FRAME_FILE / W]), mapping: this.string(f[b + FRAME_MAPPING / W]),
      line: f[b + FRAME_LINE / W], column: f[b + FRAME_COLUMN / W],
    };
  }

  /** Frame ids of a stack, leaf first (pprof order). */
  stackFrames(handle: number): number[] {
    const out: number[] = [];
    let h = handle;
    while (h !== 0) {
      if (h > this.counts.stacks) throw new RangeError(`wasmprof core: no stack ${handle}`);
      const b = (h - 1) * TRIE_W;
      out.push(this.stackWords[b + TRIE_ITEM_A / W]);
      h = this.stackWords[b + TRIE_PARENT / W];
    }
    return out;
  }

  /** Parent handle of a stack (the stack without its leaf frame). */
  stackParent(handle: number): number { return this.stackWords[(handle - 1) * TRIE_W + TRIE_PARENT / W]; }
  /** Leaf frame id of a stack. */
  stackLeaf(handle: number): number { return this.stackWords[(handle - 1) * TRIE_W + TRIE_ITEM_A / W]; }

  labels(handle: number): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    let h = handle;
    while (h !== 0) {
      if (h > this.counts.labels) throw new RangeError(`wasmprof core: no label set ${handle}`);
      const b = (h - 1) * TRIE_W;
      out.push([this.string(this.labelWords[b + TRIE_ITEM_A / W]), this.string(this.labelWords[b + TRIE_ITEM_B / W])]);
      h = this.labelWords[b + TRIE_PARENT / W];
    }
    return out.reverse();
  }

  samples(kind?: number): SampleRow[] {
    const dv = new DataView(this.sampleBuf);
    const out: SampleRow[] = [];
    // Dense cells in the order they were first added (a cell with stack 0 would be unused).
    for (let i = 0; i < this.sampleSlots; i++) {
      const b = i * SAMPLE_ENTRY_SIZE;
      if (dv.getUint32(b + SAMPLE_STACK, true) === 0) continue;
      const k = dv.getUint32(b + SAMPLE_KIND, true);
      if (kind !== undefined && k !== kind) continue;
      out.push({
        kind: k, stack: dv.getUint32(b + SAMPLE_STACK, true), labels: dv.getUint32(b + SAMPLE_LABELS, true),
        values: [0, 1, 2, 3].map((j) => dv.getFloat64(b + SAMPLE_VALUES + j * 8, true)) as [number, number, number, number],
      });
    }
    return out;
  }

  liveStacks(): LiveStackRow[] {
    const dv = new DataView(this.aggBuf);
    const out: LiveStackRow[] = [];
    for (let i = 0; i < this.counts.liveStacks; i++) {
      const b = i * AGG_ENTRY_SIZE;
      out.push({
        owner: dv.getUint32(b + AGG_OWNER, true), stack: dv.getUint32(b + AGG_STACK, true),
        count: dv.getUint32(b + AGG_COUNT, true), bytes: dv.getFloat64(b + AGG_BYTES, true),
      });
    }
    return out;
  }

  owners(): OwnerRow[] {
    const dv = new DataView(this.ownerBuf);
    const out: OwnerRow[] = [];
    for (let i = 0; i < this.counts.owners; i++) {
      const b = i * OWNER_ENTRY_SIZE;
      out.push({ owner: dv.getUint32(b + OWNER_ID, true), count: dv.getUint32(b + OWNER_COUNT, true), bytes: dv.getFloat64(b + OWNER_BYTES, true) });
    }
    return out;
  }

  liveEntries(): LiveEntryRow[] {
    const dv = new DataView(this.liveBuf);
    const out: LiveEntryRow[] = [];
    for (let i = 0; i < this.counts.live; i++) {
      const b = i * LIVE_ENTRY_SIZE;
      out.push({
        owner: dv.getUint32(b + LIVE_OWNER, true),
        address: (BigInt(dv.getUint32(b + LIVE_ADDR_HI, true)) << 32n) | BigInt(dv.getUint32(b + LIVE_ADDR_LO, true)),
        stack: dv.getUint32(b + LIVE_STACK, true), size: dv.getFloat64(b + LIVE_SIZE, true), time: dv.getFloat64(b + LIVE_TIME, true),
      });
    }
    return out;
  }
}
