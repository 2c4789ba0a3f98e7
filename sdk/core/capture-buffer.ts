// A stack capture in a private scratch buffer of the core's pool (DESIGN §3): decide → capture
// → insert in one step. Embedder API (docs/core.md): the profiler's own ingest feeds whole
// profiles in batches instead.
import type { CoreExports } from './exports.js';
import { CoreError, describeCoreError } from './errors.js';
import type { FrameInfo } from './tables.js';
import { BUF_HEADER, CAP_HEAD, CAP_ALIGN, CAP_KEY_ONLY, CAP_KEY_LO, CAP_KEY_HI, CAP_LINE, CAP_COLUMN, CAP_NAME_LEN, CAP_FILE_LEN,
  CAP_MAPPING_LEN } from './layout.generated.js';

const encoder = new TextEncoder();

/**
 * One stack capture in a private scratch buffer. Frames are written leaf first; nothing shared
 * changes until commit(), which inserts the whole stack in one core call (or nothing, if
 * sampling stopped meanwhile). Always end a capture with commit() or abandon().
 */
export class CaptureBuffer {
  private at: number;
  private readonly end: number;
  private records = 0;
  private done = false;

  constructor(private readonly peekFrame: (keyLo: number, keyHi: number) => number, private readonly ex: CoreExports, readonly buffer: number, private readonly mem: () => Uint8Array,
              private readonly beforeCommit: () => void = () => {}) {
    this.at = buffer + BUF_HEADER;
    this.end = this.at + ex.bufferCapacity(buffer);
  }

  get frames(): number { return this.records; }

  /**
   * Adds a frame. If the cache holds the key (peeked, nothing changes) only the key is written;
   * otherwise `info()` is asked for the strings. Returns false when the buffer is full.
   */
  push(keyLo: number, keyHi: number, info: () => FrameInfo): boolean {
    if (this.done) throw new Error('wasmprof core: capture already ended');
    if (this.at + CAP_HEAD > this.end) return false;
    const dv = new DataView(this.mem().buffer);
    const p = this.at;
    dv.setUint32(p + CAP_KEY_LO, keyLo >>> 0, true);
    dv.setUint32(p + CAP_KEY_HI, keyHi >>> 0, true);
    if (this.peekFrame(keyLo, keyHi) >= 0) {
      dv.setInt32(p + CAP_LINE, 0, true); dv.setInt32(p + CAP_COLUMN, 0, true);
      dv.setUint32(p + CAP_NAME_LEN, CAP_KEY_ONLY, true); dv.setUint32(p + CAP_FILE_LEN, 0, true); dv.setUint32(p + CAP_MAPPING_LEN, 0, true);
      this.at += CAP_HEAD;
      this.records++;
      return true;
    }
    // info() may call out (and start another capture): it writes into its own buffer.
    const f = info();
    const mem = this.mem();
    const view = new DataView(mem.buffer);
    let q = p + CAP_HEAD;
    const lens: number[] = [];
    for (const s of [f.name, f.file, f.mapping]) {
      const { read, written } = encoder.encodeInto(s, mem.subarray(q, this.end));
      if (read !== s.length) return false;
      lens.push(written);
      q += written;
    }
    view.setInt32(p + CAP_LINE, f.line | 0, true); view.setInt32(p + CAP_COLUMN, f.column | 0, true);
    view.setUint32(p + CAP_NAME_LEN, lens[0], true); view.setUint32(p + CAP_FILE_LEN, lens[1], true); view.setUint32(p + CAP_MAPPING_LEN, lens[2], true);
    this.at = (q + CAP_ALIGN - 1) & ~(CAP_ALIGN - 1);
    this.records++;
    return true;
  }

  /** Inserts the stack and adds values to (kind, stack, labels). Returns the stack handle, or 0
   *  when the capture was void because sampling stopped while it was in flight. */
  commit(kind: number, labels: number, v0: number, v1 = 0, v2 = 0, v3 = 0): number {
    if (this.done) throw new Error('wasmprof core: capture already ended');
    // Samples staged by Core.addSample go in first, so cells appear in the order of the adds
    // (if that throws, the capture is still open and can be committed or abandoned).
    this.beforeCommit();
    this.done = true;
    const used = Math.min(this.at, this.end) - (this.buffer + BUF_HEADER);
    const rc = this.ex.captureCommit(this.buffer, this.records, used, kind >>> 0, labels >>> 0, v0, v1, v2, v3);
    if (rc < 0) {
      const code = -rc;
      throw new CoreError(code, describeCoreError('commit', code, this.ex.lastErrorDetail() >>> 0, this.ex.lastErrorDetail2() >>> 0));
    }
    return rc;
  }

  /** Ends the capture without inserting anything. */
  abandon(): void {
    if (this.done) return;
    this.done = true;
    this.ex.bufferRelease(this.buffer);
  }
}
