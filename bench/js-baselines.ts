// Idiomatic plain-JavaScript versions of the core's structures, the baseline bench/core.ts
// measures against: what one would write without a WebAssembly core (Map + arrays).

export interface JsFrame { name: string; file: string; line: number; column: number }

/** LRU via Map insertion order: a hit re-inserts the key, eviction takes the first key. */
export class JsFrameCache {
  private readonly map = new Map<bigint | number, number>();
  readonly strings = new Map<string, number>();
  readonly frames: JsFrame[] = [];
  constructor(private readonly capacity: number) {}
  private intern(s: string): number {
    let id = this.strings.get(s);
    if (id === undefined) { id = this.strings.size; this.strings.set(s, id); }
    return id;
  }
  lookup(key: number): number {
    const v = this.map.get(key);
    if (v === undefined) return -1;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }
  store(key: number, f: JsFrame): number {
    this.intern(f.name); this.intern(f.file);
    const id = this.frames.length;
    this.frames.push(f);
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.capacity) this.map.delete(this.map.keys().next().value as number);
    this.map.set(key, id);
    return id;
  }
  get size(): number { return this.map.size; }
}

/** Per-period aggregation: Map from a numeric (stack, labels) key to a values array. */
export class JsSamples {
  readonly cells = new Map<number, number[]>();
  add(stack: number, labels: number, v0: number, v1: number, v2: number): void {
    const key = stack * 65536 + labels;
    const c = this.cells.get(key);
    if (c) { c[0] += v0; c[1] += v1; c[2] += v2; } else this.cells.set(key, [v0, v1, v2]);
  }
}

interface JsLive { size: number; stack: number; time: number }

/** Live map: owner -> address -> record, with per-owner totals and per-(owner, stack) aggregates. */
export class JsLiveMap {
  readonly owners = new Map<number, Map<number, JsLive>>();
  readonly totals = new Map<number, { count: number; bytes: number }>();
  readonly stacks = new Map<string, { count: number; bytes: number }>();
  alloc(owner: number, addr: number, size: number, stack: number, time: number): void {
    let m = this.owners.get(owner);
    if (!m) { m = new Map(); this.owners.set(owner, m); }
    const old = m.get(addr);
    if (old) this.account(owner, old, -1);
    const rec = { size, stack, time };
    m.set(addr, rec);
    this.account(owner, rec, 1);
  }
  free(owner: number, addr: number): boolean {
    const m = this.owners.get(owner);
    const rec = m?.get(addr);
    if (!m || !rec) return false;
    m.delete(addr);
    this.account(owner, rec, -1);
    return true;
  }
  private account(owner: number, rec: JsLive, d: number): void {
    let t = this.totals.get(owner);
    if (!t) { t = { count: 0, bytes: 0 }; this.totals.set(owner, t); }
    t.count += d; t.bytes += d * rec.size;
    const k = `${owner}:${rec.stack}`;
    let s = this.stacks.get(k);
    if (!s) { s = { count: 0, bytes: 0 }; this.stacks.set(k, s); }
    s.count += d; s.bytes += d * rec.size;
    if (s.count === 0) this.stacks.delete(k);
  }
  get size(): number { let n = 0; for (const m of this.owners.values()) n += m.size; return n; }

  /** Snapshot as JSON (the obvious way). */
  toJson(stackNames: (s: number) => string[]): string {
    const out: Array<{ owner: number; entries: Array<[number, number, number, number]> }> = [];
    const stacks = new Map<number, string[]>();
    for (const [owner, m] of this.owners) {
      const entries: Array<[number, number, number, number]> = [];
      for (const [addr, r] of m) { entries.push([addr, r.size, r.time, r.stack]); if (!stacks.has(r.stack)) stacks.set(r.stack, stackNames(r.stack)); }
      out.push({ owner, entries });
    }
    return JSON.stringify({ v: 1, stacks: [...stacks], owners: out });
  }
  static fromJson(text: string): JsLiveMap {
    const o = JSON.parse(text) as { owners: Array<{ owner: number; entries: Array<[number, number, number, number]> }> };
    const m = new JsLiveMap();
    for (const ow of o.owners) for (const [a, s, t, st] of ow.entries) m.alloc(ow.owner, a, s, st, t);
    return m;
  }

  /** Snapshot hand-packed into one buffer (fixed-width little-endian records). */
  toPacked(): Uint8Array {
    const n = this.size;
    const buf = new ArrayBuffer(8 + n * 32 + this.owners.size * 8);
    const dv = new DataView(buf);
    let p = 0;
    dv.setUint32(p, this.owners.size, true); p += 8;
    for (const [owner, m] of this.owners) {
      dv.setUint32(p, owner, true); dv.setUint32(p + 4, m.size, true); p += 8;
      for (const [addr, r] of m) {
        dv.setFloat64(p, addr, true); dv.setFloat64(p + 8, r.size, true); dv.setFloat64(p + 16, r.time, true); dv.setUint32(p + 24, r.stack, true);
        p += 32;
      }
    }
    return new Uint8Array(buf, 0, p);
  }
  static fromPacked(b: Uint8Array): JsLiveMap {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const m = new JsLiveMap();
    let p = 8;
    const owners = dv.getUint32(0, true);
    for (let o = 0; o < owners; o++) {
      const owner = dv.getUint32(p, true), n = dv.getUint32(p + 4, true); p += 8;
      for (let i = 0; i < n; i++) { m.alloc(owner, dv.getFloat64(p, true), dv.getFloat64(p + 8, true), dv.getUint32(p + 24, true), dv.getFloat64(p + 16, true)); p += 32; }
    }
    return m;
  }
}
