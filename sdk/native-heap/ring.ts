// Reader side of one target's event ring ($WASMPROF_NATIVE_HEAP_DIR/heap-<pid>.ring), the file
// that native-bridge/heap/wasmprof_heap.c maps MAP_SHARED. Node cannot map files, so the
// aggregator reads and writes it with pread/pwrite, which go through the same page cache the
// target's mapping uses. Layout: docs/native-heap.md (keep in sync with the C struct).
//
// A slot is ready when its sequence word says "published for this lap". The reader reads a run
// of slots, finds the ready prefix, then reads that prefix again in a second call: the data it
// keeps was read after the ready flags were seen, so a slot half-written when the first read
// copied it is never used. Releasing is one 8-byte pwrite of the consumer position in the ring's
// header per batch read (producers reuse a slot once that position is less than a lap behind
// it), and a restarted aggregator continues where the last one stopped.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

export const RING_MAGIC = 0x31474e4952485057n;
export const RING_VERSION = 1;
export const RING_HEADER = 4096;
export const SLOT_BYTES = 320;
export const MAX_DEPTH = 34;

const OFF = { magic: 0, version: 8, slotBytes: 12, capacity: 16, pid: 20, instance: 24, interval: 32, ppid: 40, maxDepth: 44, startNs: 48, head: 64, consumer: 128, tracked: 192, dropped: 200, setFull: 208, published: 216, lostFrees: 224, captureNs: 232, captures: 240 } as const;

export interface RingEvent {
  kind: number;
  address: bigint;
  oldAddress: bigint;
  size: number;
  timeNs: bigint;
  /** Return addresses, leaf first. */
  readonly stack: bigint[];
  /** The same addresses as 32-bit halves (low, high, low, high, ...): the aggregator's hot path
   * keys its frame cache with them and makes a bigint only for an address it has not seen. */
  readonly stackWords: Uint32Array;
}

/** A slot's event; `stack` is made from the words on first use (most events never need it). */
class SlotEvent implements RingEvent {
  private bigStack: bigint[] | undefined;
  constructor(readonly kind: number, readonly address: bigint, readonly oldAddress: bigint, readonly size: number, readonly timeNs: bigint, readonly stackWords: Uint32Array) {}
  get stack(): bigint[] {
    if (!this.bigStack) {
      const w = this.stackWords;
      const out = new Array<bigint>(w.length / 2);
      for (let d = 0; d < out.length; d++) out[d] = (BigInt(w[2 * d + 1]) << 32n) | BigInt(w[2 * d]);
      this.bigStack = out;
    }
    return this.bigStack;
  }
}

export interface RingCounters {
  head: bigint;
  consumer: bigint;
  tracked: number;
  dropped: number;
  setFull: number;
  published: number;
  lostFrees: number;
  /** Time the target spent capturing stacks, and how many it captured. */
  captureNs: number;
  captures: number;
}

export class RingFormatError extends Error {}

export class RingReader {
  readonly pid: number;
  readonly ppid: number;
  readonly instance: bigint;
  readonly capacity: number;
  readonly interval: number;
  private readonly fd: number;
  private consumer: bigint;
  private readonly header = Buffer.alloc(256);
  private readonly seqBuf = Buffer.alloc(8);
  /** One read buffer per ring, reused: the aggregator may run inside a profiled process, where its own garbage is native memory too. */
  private readonly buf = Buffer.alloc(512 * SLOT_BYTES);
  private closed = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r+');
    try {
      const h = this.header;
      if (readSync(this.fd, h, 0, 256, 0) < 256) throw new RingFormatError(`${path}: short header`);
      if (h.readBigUInt64LE(OFF.magic) !== RING_MAGIC) throw new RingFormatError(`${path}: not (yet) a wasmprof ring`);
      if (h.readUInt32LE(OFF.version) !== RING_VERSION || h.readUInt32LE(OFF.slotBytes) !== SLOT_BYTES) throw new RingFormatError(`${path}: unsupported ring version`);
      this.capacity = h.readUInt32LE(OFF.capacity);
      if (this.capacity < 2 || (this.capacity & (this.capacity - 1)) !== 0) throw new RingFormatError(`${path}: bad capacity ${this.capacity}`);
      if (fstatSync(this.fd).size < RING_HEADER + this.capacity * SLOT_BYTES) throw new RingFormatError(`${path}: truncated`);
      this.pid = h.readUInt32LE(OFF.pid);
      this.ppid = h.readUInt32LE(OFF.ppid);
      this.instance = h.readBigUInt64LE(OFF.instance);
      this.interval = Number(h.readBigUInt64LE(OFF.interval));
      this.consumer = h.readBigUInt64LE(OFF.consumer);
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  counters(): RingCounters {
    const h = this.header;
    readSync(this.fd, h, 0, 256, 0);
    return {
      head: h.readBigUInt64LE(OFF.head), consumer: this.consumer,
      tracked: Number(h.readBigInt64LE(OFF.tracked)), dropped: Number(h.readBigUInt64LE(OFF.dropped)),
      setFull: Number(h.readBigUInt64LE(OFF.setFull)), published: Number(h.readBigUInt64LE(OFF.published)),
      lostFrees: Number(h.readBigUInt64LE(OFF.lostFrees)),
      captureNs: Number(h.readBigUInt64LE(OFF.captureNs)), captures: Number(h.readBigUInt64LE(OFF.captures)),
    };
  }

  /** Reads up to `max` published events in order and releases their slots. */
  drain(max = 4096): RingEvent[] {
    const out: RingEvent[] = [];
    const cap = BigInt(this.capacity);
    const mask = cap - 1n;
    // Positions claimed so far: an idle ring costs one 8-byte read, not a read of 512 slots
    // (160 KiB per ring per drain, which every exited-but-not-reaped or quiet process cost).
    readSync(this.fd, this.seqBuf, 0, 8, OFF.head);
    const head = this.seqBuf.readBigUInt64LE(0);
    while (out.length < max) {
      const claimed = head > this.consumer ? Number(head - this.consumer) : 0;
      if (claimed === 0) break;
      const first = Number(this.consumer & mask);
      const run = Math.min(max - out.length, this.capacity - first, 512, claimed);
      const bytes = run * SLOT_BYTES;
      const buf = this.buf;
      const at = RING_HEADER + first * SLOT_BYTES;
      if (readSync(this.fd, buf, 0, bytes, at) < bytes) break;
      let ready = 0;
      for (; ready < run; ready++) {
        const pos = this.consumer + BigInt(ready);
        const idx = pos & mask;
        const want = BigInt.asUintN(64, pos + 1n - idx);
        if (buf.readBigUInt64LE(ready * SLOT_BYTES) !== want) break;
      }
      if (ready === 0) break;
      // Second read: the data of slots whose flags were seen published.
      readSync(this.fd, buf, 0, ready * SLOT_BYTES, at);
      for (let i = 0; i < ready; i++) {
        const b = i * SLOT_BYTES;
        const depth = Math.min(buf.readUInt32LE(b + 12), MAX_DEPTH);
        const words = new Uint32Array(depth * 2);
        for (let d = 0; d < depth * 2; d++) words[d] = buf.readUInt32LE(b + 48 + d * 4);
        const size = buf.readUInt32LE(b + 32) + buf.readUInt32LE(b + 36) * 0x100000000;
        out.push(new SlotEvent(buf.readUInt32LE(b + 8), buf.readBigUInt64LE(b + 16), buf.readBigUInt64LE(b + 24), size, buf.readBigUInt64LE(b + 40), words));
      }
      // Release: producers reuse a slot once the consumer position (stored below, once per
      // batch) is less than a lap behind it; no per-slot write.
      this.consumer += BigInt(ready);
      this.seqBuf.writeBigUInt64LE(this.consumer);
      writeSync(this.fd, this.seqBuf, 0, 8, OFF.consumer);
      if (ready < run) break;
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
