// The typed face of core.wasm: loads it in any runtime, hides pointers and memory views,
// turns error codes into exceptions with clear messages, and reports stats.
//
// Everything here is runtime-neutral (no node: imports at module level) so the same module
// runs in Node, Deno and browsers.
import { compileCore, compileCoreNow, type CoreSource } from './load.js';
import { CoreError, CoreErrorCode, describeCoreError } from './errors.js';
import { type CoreExports, Stat, LiveEventKind, SamplerState } from './exports.js';
import { type CoreOptions, type ResolvedCoreOptions, resolveCoreOptions, memoryPages } from './options.js';
import { CoreTables, type FrameInfo } from './tables.js';
import { CaptureBuffer } from './capture-buffer.js';
import { SampleStage, STAGE_SAMPLES } from './sample-stage.js';
import { snapshotBudget, readEnv, SNAPSHOT_BUDGET_ENV } from './snapshot-budget.js';

export { CaptureBuffer, CoreError, CoreTables, compileCore, LiveEventKind, SamplerState, Stat };
export type { CoreOptions, CoreSource, FrameInfo, CoreExports };
export type { SampleRow, LiveStackRow, OwnerRow, LiveEntryRow } from './tables.js';
export { CoreErrorCode } from './errors.js';
export { SNAPSHOT_DEFAULT_BYTES, SNAPSHOT_CEILING_BYTES, SNAPSHOT_BUDGET_ENV, snapshotBudgetFromEnv } from './snapshot-budget.js';

export interface CoreStats {
  frameCache: { entries: number; capacity: number; hits: number; misses: number; evictions: number; updates: number; hitRate: number };
  dictionary: { strings: number; stringBytes: number; frames: number; stacks: number; labelSets: number };
  period: { samples: number };
  live: { entries: number; owners: number; stacks: number; tracked: number; conflicts: number; unmatchedFrees: number; emptyStacksIgnored: number; pending: number; pendingDropped: number };
  pool: { idle: number; out: number; created: number; discarded: number; denied: number };
  drops: { noMemory: number; abandonedCaptures: number; staleKeys: number; truncatedStacks: number };
  memoryBytes: number;
  arenaBytes: number;
  resets: number;
}

export interface SnapshotResult {
  bytes: Uint8Array;
  /** Addresses in the snapshot whose stack was replaced by the `[live-alloc cleared]` frame. */
  clearedAddresses: number;
  /** Owners left out entirely because even fully cleared they did not fit. */
  droppedOwners: number;
  /** Distinct stacks replaced by the cleared frame. */
  droppedStacks: number;
}

export interface CoreHooks {
  /** Debug build only: called at every interruption point inside a mutation. */
  onCheckpoint?: (id: number) => void;
}

const TWO32 = 0x100000000;
const MAX_EXACT = 9007199254740992; // 2^53, the core's limit for values (okInt in assembly/index.ts)
const exact = (v: number) => v === Math.floor(v) && v <= MAX_EXACT && v >= -MAX_EXACT;
const encoder = new TextEncoder();

/** Splits a 64-bit key or address (bigint, or a non-negative safe integer) into u32 halves. */
export function split64(v: bigint | number): [number, number] {
  if (typeof v === 'bigint') {
    if (v < 0n || v >= 1n << 64n) throw new RangeError(`wasmprof core: ${v} is not an unsigned 64-bit value`);
    return [Number(v & 0xffffffffn), Number(v >> 32n)];
  }
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`wasmprof core: ${v} is not a non-negative safe integer`);
  return [v % TWO32 >>> 0, Math.floor(v / TWO32)];
}

export class Core {
  private readonly ex: CoreExports;
  readonly options: ResolvedCoreOptions;
  private u8: Uint8Array;
  /** Single sample adds not yet handed to the core (see sample-stage.ts). */
  private stage: SampleStage | undefined;
  /** Stack and label-set counts known to the host: handles up to these are valid. */
  private stackLimit = 0;
  private labelLimit = 0;

  private constructor(readonly module: WebAssembly.Module, instance: WebAssembly.Instance, options: ResolvedCoreOptions) {
    this.ex = instance.exports as unknown as CoreExports;
    this.options = options;
    this.u8 = new Uint8Array(this.ex.memory.buffer);
  }

  /** Compiles (once per source) and instantiates a configured core. */
  static async create(options?: CoreOptions, source?: CoreSource): Promise<Core> {
    return Core.instantiate(await compileCore(source), options);
  }

  /** Core.create() of the default build, synchronously (Node; see compileCoreNow). */
  static createNow(options?: CoreOptions): Core {
    return Core.instantiate(compileCoreNow(), options);
  }

  /** A new configured core from an already compiled module (synchronous, ~20 µs). */
  static instantiate(module: WebAssembly.Module, options?: CoreOptions, hooks?: CoreHooks): Core {
    const resolved = resolveCoreOptions(options);
    const core = new Core(module, new WebAssembly.Instance(module, Core.imports(module, hooks)), resolved);
    const o = resolved;
    const rc = core.ex.configure(o.frameCacheCapacity, o.poolIdleMax, o.bufferBytes, memoryPages(o.maxMemoryBytes), o.maxBuffers,
      o.maxStackDepth, o.profileChildren ? 1 : 0, o.pid >>> 0, o.seed % TWO32 >>> 0, Math.floor(o.seed / TWO32) >>> 0, o.allocationSampleBytes);
    core.check(rc, 'configure');
    return core;
  }

  /**
   * A core running on a byte copy of another core's memory, as a forked child would see it.
   * The copy may have been taken in the middle of a mutation: call postforkChild() before
   * anything else. (Tests and embedders that continue after fork use this.)
   */
  static fromMemory(module: WebAssembly.Module, bytes: Uint8Array, options: ResolvedCoreOptions, hooks?: CoreHooks): Core {
    const instance = new WebAssembly.Instance(module, Core.imports(module, hooks));
    const mem = (instance.exports as unknown as CoreExports).memory;
    const pages = Math.ceil(bytes.byteLength / 65536) - mem.buffer.byteLength / 65536;
    if (pages > 0) mem.grow(pages);
    new Uint8Array(mem.buffer).set(bytes);
    return new Core(module, instance, options);
  }

  private static imports(module: WebAssembly.Module, hooks?: CoreHooks): WebAssembly.Imports {
    const wanted = WebAssembly.Module.imports(module);
    if (wanted.length === 0) return {};
    const cb = hooks?.onCheckpoint;
    return { env: { checkpoint: (id: number) => { if (cb) cb(id); } } };
  }

  // --- plumbing ---
  private bytes(): Uint8Array {
    // Growing the memory detaches the old buffer, and a view of a detached buffer has length 0:
    // checking that is free, where reading memory.buffer is a call into the engine each time.
    if (this.u8.length === 0) this.u8 = new Uint8Array(this.ex.memory.buffer);
    return this.u8;
  }

  private check(rc: number, op: string): number {
    if (rc >= 0) return rc;
    const code = -rc;
    throw new CoreError(code, describeCoreError(op, code, this.ex.lastErrorDetail() >>> 0, this.ex.lastErrorDetail2() >>> 0));
  }

  /** Room for `bound` bytes of strings in the core's staging region; its address. */
  private staging(bound: number): number {
    const ptr = this.ex.stagingBuffer(bound);
    if (ptr === 0) throw new CoreError(CoreErrorCode.NoMemory, `wasmprof core: no memory to stage ${bound} bytes of strings`);
    return ptr;
  }

  /**
   * Writes s as UTF-8 at `at` in the staging region (room up to `limit`, 3 bytes per UTF-16
   * unit) and returns where it ends. ASCII (nearly every JavaScript identifier and path) is
   * copied by hand, which is several times faster than TextEncoder for short strings.
   */
  private static stageString(mem: Uint8Array, s: string, at: number, limit: number): number {
    const start = at;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return start + encoder.encodeInto(s, mem.subarray(start, limit)).written;
      mem[at++] = c;
    }
    return at;
  }

  // --- lifecycle ---
  /** Empties every structure in O(1) (the configuration stays). */
  reset(): void { this.dropStaged(); this.ex.reset(); }
  /** Ends the period: clears the sample aggregation only. O(1). */
  periodReset(): void {
    // Staged adds go in first (an out-of-memory error among them is still reported), and the
    // period is emptied either way.
    try { this.flushSamples(); } finally { this.ex.periodReset(); }
  }
  /** Returns false if sampling already ran (a second sampler is never started). */
  startSampling(): boolean { return this.check(this.ex.samplingStart(), 'startSampling') === 1; }
  stopSampling(): void { this.ex.samplingStop(); }
  failSampling(code: number): void { this.ex.samplingFail(code >>> 0); }
  get samplerState(): number { return this.ex.stat(Stat.state); }
  get pid(): number { return this.ex.stat(Stat.pid); }
  get wasRunningAtFork(): boolean { return this.ex.stat(Stat.wasRunningAtFork) === 1; }
  get samplerStarts(): number { return this.ex.stat(Stat.samplerStarts); }
  get lastError(): number { return this.ex.lastError(); }
  prefork(): void { this.ex.prefork(); }
  /** True when sampling runs after the fork (it never starts a second sampler). */
  postforkParent(): boolean { return this.ex.postforkParent() === 1; }
  /** Resets in O(1) for the child; true when sampling resumes in it. */
  postforkChild(pid: number, tid = 0): boolean { this.dropStaged(); return this.ex.postforkChild(pid >>> 0, tid >>> 0) === 1; }
  registerThread(tid: number): void { this.check(this.ex.threadRegister(tid >>> 0), 'registerThread'); }
  unregisterThread(tid: number): boolean { return this.ex.threadUnregister(tid >>> 0) === 1; }
  threads(): number[] {
    const n = this.ex.stat(Stat.threads);
    return Array.from({ length: n }, (_, i) => this.ex.threadAt(i));
  }

  // --- dictionary ---
  internString(s: string): number {
    const bound = s.length * 3, ptr = this.staging(bound);
    const end = Core.stageString(this.bytes(), s, ptr, ptr + bound);
    return this.check(this.ex.stringIntern(ptr, end - ptr), 'internString');
  }

  /** Frame id cached for a key (and the entry becomes most recent), or -1 on a miss. */
  lookupFrame(keyLo: number, keyHi: number): number { return this.ex.frameCacheLookup(keyLo >>> 0, keyHi >>> 0) - 1; }
  /** Like lookupFrame but changes nothing. */
  peekFrame(keyLo: number, keyHi: number): number { return this.ex.frameCachePeek(keyLo >>> 0, keyHi >>> 0) - 1; }

  /**
   * Looks up many keys in one call (each hit becomes most recent, as with lookupFrame).
   * `keys` holds (lo, hi) pairs; returns frame ids, -1 for misses.
   */
  lookupFrames(keys: Uint32Array): Int32Array {
    const n = keys.length >>> 1;
    const ptr = this.ex.stagingBuffer(n * 8);
    if (ptr === 0) throw new CoreError(CoreErrorCode.NoMemory, 'wasmprof core: no memory for a batch lookup');
    new Uint32Array(this.ex.memory.buffer, ptr, n * 2).set(keys.subarray(0, n * 2));
    this.ex.frameCacheLookupBatch(ptr, n);
    const words = new Uint32Array(this.ex.memory.buffer, ptr, n * 2);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = words[i * 2] - 1;
    return out;
  }

  /** Interns a frame and caches key -> frame. Returns the frame id (valid until reset). */
  storeFrame(keyLo: number, keyHi: number, f: FrameInfo): number {
    const { name, file, mapping } = f;
    const bound = (name.length + file.length + mapping.length) * 3, ptr = this.staging(bound), limit = ptr + bound;
    const mem = this.bytes();
    const a = Core.stageString(mem, name, ptr, limit), b = Core.stageString(mem, file, a, limit), c = Core.stageString(mem, mapping, b, limit);
    return this.check(this.ex.frameStore(keyLo >>> 0, keyHi >>> 0, ptr, a - ptr, a, b - a, b, c - b, f.line | 0, f.column | 0), 'storeFrame');
  }

  /** Interns a frame without caching a key. */
  internFrame(f: FrameInfo): number {
    const name = this.internString(f.name), file = this.internString(f.file), mapping = this.internString(f.mapping);
    return this.check(this.ex.frameIntern(name, file, mapping, f.line | 0, f.column | 0), 'internFrame');
  }

  /** Caches key -> an existing frame id. */
  cacheFrame(keyLo: number, keyHi: number, frame: number): void { this.check(this.ex.frameCacheStore(keyLo >>> 0, keyHi >>> 0, frame), 'cacheFrame'); }

  /** Cached keys from most to least recently used, as [lo, hi] pairs. */
  cachedKeys(): Array<[number, number]> {
    const n = this.ex.stat(Stat.frameCacheSize);
    const ptr = this.ex.stagingBuffer(n * 8);
    if (ptr === 0) throw new CoreError(CoreErrorCode.NoMemory, 'wasmprof core: no memory to list the cached keys');
    const got = this.ex.frameCacheKeys(ptr, n);
    const w = new Uint32Array(this.ex.memory.buffer, ptr, got * 2);
    const out: Array<[number, number]> = [];
    for (let i = 0; i < got; i++) out.push([w[i * 2], w[i * 2 + 1]]);
    return out;
  }

  /** Stack handle of parent + frame (parent 0 = root). Handles are > 0. */
  pushStack(parent: number, frame: number): number {
    const h = this.check(this.ex.stackPush(parent >>> 0, frame >>> 0), 'pushStack');
    // Handles are dense (1..count): every handle up to a fresh one is valid for addSample.
    if (h > this.stackLimit) this.stackLimit = h;
    return h;
  }

  /** Stack handle for frame ids given leaf first (pprof order). */
  internStack(leafFirst: readonly number[]): number {
    let h = 0;
    for (let i = leafFirst.length - 1; i >= 0; i--) h = this.pushStack(h, leafFirst[i]);
    return h;
  }

  /** Label-set handle for a set of string labels (0 for none). Keys are sorted for a canonical set. */
  internLabels(labels: Readonly<Record<string, string>>): number {
    let h = 0;
    for (const k of Object.keys(labels).sort()) {
      h = this.check(this.ex.labelPush(h, this.internString(k), this.internString(String(labels[k]))), 'internLabels');
    }
    if (h > this.labelLimit) this.labelLimit = h;
    return h;
  }

  // --- samples ---
  /**
   * Adds values to the (kind, stack, labels) cell. Checked here, as the core would check it (a
   * bad handle or value throws at this call and adds nothing), then staged and handed to the
   * core in batches; everything that reads or changes the samples takes the staged ones first.
   */
  addSample(kind: number, stack: number, labels: number, v0: number, v1 = 0, v2 = 0, v3 = 0): void {
    kind >>>= 0; stack >>>= 0; labels >>>= 0;
    if (!(exact(v0) && exact(v1) && exact(v2) && exact(v3)) || !this.knownHandles(stack, labels)) {
      // Not something this fast path can take (or an error): let the core decide, in order.
      this.flushSamples();
      const rc = this.ex.sampleAdd(kind, stack, labels, v0, v1, v2, v3);
      if (rc < 0) this.check(rc, 'addSample');
      return;
    }
    const st = this.stage ??= new SampleStage();
    if (st.length === STAGE_SAMPLES || (st.length > 0 && st.kind !== kind)) this.flushSamples();
    st.kind = kind;
    st.push(stack, labels, v0, v1, v2, v3);
  }

  /** Whether both handles were issued (the limits are read again from the core on a miss:
   *  handles can also come from a restored snapshot or a capture commit). */
  private knownHandles(stack: number, labels: number): boolean {
    if (stack !== 0 && stack <= this.stackLimit && labels <= this.labelLimit) return true;
    this.stackLimit = this.ex.stat(Stat.stacks);
    this.labelLimit = this.ex.stat(Stat.labelSets);
    return stack !== 0 && stack <= this.stackLimit && labels <= this.labelLimit;
  }

  /**
   * Copies n records into the core's staging region as sampleAddColumns reads them: the f64
   * value columns back to back (the region is 8-aligned), then the u32 stacks and labels.
   * Returns the columns' addresses (0 for a value column not given), or undefined when the
   * core has no memory for them.
   */
  private placeColumns(n: number, stacks: Int32Array | Uint32Array, labels: Int32Array | Uint32Array, values: ReadonlyArray<Float64Array | undefined>): { stacks: number; labels: number; values: number[] } | undefined {
    const cols = values.reduce((k, v) => k + (v === undefined ? 0 : 1), 0);
    const ptr = this.ex.stagingBuffer(n * (8 + cols * 8));
    if (ptr === 0) return undefined;
    const mem = this.ex.memory.buffer;
    const f = new Float64Array(mem, ptr, n * cols);
    let k = 0;
    const at = values.map((v) => {
      if (v === undefined) return 0;
      f.set(v, k * n);
      return ptr + (k++) * n * 8;
    });
    const ints = ptr + n * cols * 8;
    // A view of the source's own type: set() is then a plain copy (same bits either way).
    const view = (a: Int32Array | Uint32Array, off: number) => (a instanceof Int32Array ? new Int32Array(mem, off, n) : new Uint32Array(mem, off, n));
    view(stacks, ints).set(stacks);
    view(labels, ints + n * 4).set(labels);
    return { stacks: ints, labels: ints + n * 4, values: at };
  }

  /** Hands the staged single adds to the core. Out of memory: every sample that fits is added
   *  (as separate calls would), then one error says how many were not. */
  private flushSamples(): void {
    const st = this.stage;
    if (st === undefined || st.length === 0) return;
    const n = st.length, wide = st.wide;
    st.length = 0;
    st.wide = false;
    const col = (k: number) => st.values.subarray(k * STAGE_SAMPLES, k * STAGE_SAMPLES + n);
    // Without a nonzero v2 or v3 those columns stay behind (the core reads an absent one as 0).
    const c = this.placeColumns(n, st.stacks.subarray(0, n), st.labels.subarray(0, n), wide ? [col(0), col(1), col(2), col(3)] : [col(0), col(1), undefined, undefined]);
    if (c === undefined) throw new CoreError(CoreErrorCode.NoMemory, `wasmprof core: addSample: no memory to hand over ${n} samples`);
    let from = 0, failed = 0;
    while (from < n) {
      const m = n - from;
      const [v0, v1, v2, v3] = c.values.map((p) => (p === 0 ? 0 : p + from * 8));
      const rc = this.ex.sampleAddColumns(st.kind, c.stacks + from * 4, c.labels + from * 4, v0, v1, v2, v3, m);
      if (rc >= 0) break;
      if (-rc !== CoreErrorCode.NoMemory) this.check(rc, 'addSample');
      // Sample `from + done` found no memory; the ones before it were added.
      from += (this.ex.lastErrorDetail2() >>> 0) + 1;
      failed++;
    }
    if (failed > 0) throw new CoreError(CoreErrorCode.NoMemory, `wasmprof core: addSample: out of core memory for ${failed} of ${n} samples (raise maxMemoryBytes)`);
  }

  /** Forgets staged adds (a reset drops the period anyway, and a forked child must not add the parent's). */
  private dropStaged(): void {
    if (this.stage) { this.stage.length = 0; this.stage.wide = false; }
    this.stackLimit = 0;
    this.labelLimit = 0;
  }

  /**
   * Adds many samples of one kind in one call: stacks[i] and labels[i] get values v0[i], v1[i]
   * (and v2[i], v3[i] when given). The arrays are copied into the core as they are (no
   * per-sample work here); the core checks every record before adding any, so a bad handle or
   * value adds nothing and the error names the record.
   */
  addSamples(kind: number, stacks: Uint32Array | Int32Array, labels: Uint32Array | Int32Array, v0: Float64Array, v1: Float64Array, v2?: Float64Array, v3?: Float64Array): void {
    const n = stacks.length;
    if (labels.length !== n || v0.length !== n || v1.length !== n || (v2 !== undefined && v2.length !== n) || (v3 !== undefined && v3.length !== n)) {
      throw new RangeError('wasmprof core: addSamples arrays differ in length');
    }
    if (v3 !== undefined && v2 === undefined) throw new RangeError('wasmprof core: addSamples: v3 given without v2');
    this.flushSamples();
    if (n === 0) return;
    const c = this.placeColumns(n, stacks, labels, [v0, v1, v2, v3]);
    if (c === undefined) throw new CoreError(CoreErrorCode.NoMemory, 'wasmprof core: no memory for a batch of samples');
    const rc = this.ex.sampleAddColumns(kind >>> 0, c.stacks, c.labels, c.values[0], c.values[1], c.values[2], c.values[3], n);
    if (rc >= 0) return;
    const code = -rc, i = this.ex.lastErrorDetail2() >>> 0;
    if (code === CoreErrorCode.BadHandle) {
      throw new CoreError(code, `wasmprof core: addSamples: record ${i}: unknown stack ${stacks[i] >>> 0} or label set ${labels[i] >>> 0} (stale after a reset, or never issued); nothing was added`);
    }
    if (code === CoreErrorCode.BadArgument) {
      const vs = [v0[i], v1[i], v2?.[i], v3?.[i]].filter((v) => v !== undefined).join(', ');
      throw new CoreError(code, `wasmprof core: addSamples: record ${i}: values (${vs}) must be integers within +-2^53; nothing was added`);
    }
    if (code === CoreErrorCode.NoMemory) {
      throw new CoreError(code, `wasmprof core: addSamples: out of core memory at record ${i} of ${n} (records before it were added; raise maxMemoryBytes)`);
    }
    this.check(rc, 'addSamples');
  }

  /** A private scratch buffer for one stack capture (DESIGN §3). */
  beginCapture(): CaptureBuffer | undefined {
    const buf = this.ex.bufferAcquire();
    return buf === 0 ? undefined : new CaptureBuffer((lo, hi) => this.peekFrame(lo, hi), this.ex, buf, () => this.bytes(), () => this.flushSamples());
  }

  // --- live-allocation map ---
  /** Returns true if tracked, false if ignored (empty stack: stack handle 0). */
  trackAlloc(owner: number, address: bigint | number, size: number, stack: number, time = 0): boolean {
    const [lo, hi] = split64(address);
    return this.check(this.ex.liveAlloc(owner >>> 0, lo, hi, size, stack >>> 0, time), 'trackAlloc') === 1;
  }
  /** Returns false for a free of an unknown address (counted as unmatched, never an error). */
  trackFree(owner: number, address: bigint | number): boolean {
    const [lo, hi] = split64(address);
    return this.check(this.ex.liveFree(owner >>> 0, lo, hi), 'trackFree') === 1;
  }
  /** One allocator event (realloc/mremap = free(old) then alloc(new)). */
  liveEvent(kind: LiveEventKind, owner: number, oldAddress: bigint | number, address: bigint | number, size: number, stack: number, time = 0): number {
    const [ol, oh] = split64(oldAddress);
    const [lo, hi] = split64(address);
    return this.check(this.ex.liveEvent(kind, owner >>> 0, ol, oh, lo, hi, size, stack >>> 0, time), 'liveEvent');
  }
  /** While an export is open, events are deferred; closing applies frees first, then allocations. */
  beginLiveExport(): void { this.ex.liveExportBegin(); }
  endLiveExport(): void { this.ex.liveExportEnd(); }
  clearOwner(owner: number): number { return this.ex.liveClearOwner(owner >>> 0); }
  /** Tracked counter minus live-map size; 0 when consistent. */
  liveMismatch(): number { return this.ex.liveMismatch(); }
  /** True when the allocation should be sampled (byte-weighted, exponential intervals). */
  sampleAllocation(size: number): boolean { return this.ex.samplerSample(size) === 1; }

  // --- snapshot ---
  /** Exact encoded size of a snapshot under `budget` (what encodeSnapshot would produce). */
  measureSnapshot(budget?: number): number {
    return this.check(this.ex.snapshotMeasure(snapshotBudget(budget, readEnv(SNAPSHOT_BUDGET_ENV))), 'measureSnapshot');
  }
  /** Encodes the live map under a byte budget (option, else WASMPROF_LIVE_SNAPSHOT_MAX_BYTES, else 4 MiB). */
  encodeSnapshot(budget?: number): SnapshotResult {
    const b = snapshotBudget(budget, readEnv(SNAPSHOT_BUDGET_ENV));
    const len = this.check(this.ex.snapshotEncode(b), 'encodeSnapshot');
    const ptr = this.ex.snapshotOutput();
    return {
      bytes: this.bytes().slice(ptr, ptr + len),
      clearedAddresses: this.ex.stat(Stat.snapshotCleared),
      droppedOwners: this.ex.stat(Stat.snapshotDroppedOwners),
      droppedStacks: this.ex.stat(Stat.snapshotDroppedStacks),
    };
  }
  /** Adds a snapshot's allocations to the live map. All or nothing: on error nothing changed. */
  restoreSnapshot(bytes: Uint8Array): number {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('wasmprof core: restoreSnapshot needs a Uint8Array');
    const ptr = this.ex.snapshotInput(bytes.byteLength);
    if (ptr === 0) throw new CoreError(CoreErrorCode.NoMemory, `wasmprof core: restoreSnapshot: no memory for ${bytes.byteLength} input bytes`);
    this.bytes().set(bytes, ptr);
    return this.check(this.ex.snapshotRestore(bytes.byteLength), 'restoreSnapshot');
  }

  // --- reading out ---
  tables(): CoreTables { this.flushSamples(); return new CoreTables(this.ex); }

  stats(): CoreStats {
    this.flushSamples();
    const s = (id: number) => this.ex.stat(id);
    const hits = s(Stat.frameCacheHits), misses = s(Stat.frameCacheMisses);
    return {
      frameCache: { entries: s(Stat.frameCacheSize), capacity: s(Stat.frameCacheCapacity), hits, misses, evictions: s(Stat.frameCacheEvictions), updates: s(Stat.frameCacheUpdates), hitRate: hits + misses === 0 ? 0 : hits / (hits + misses) },
      dictionary: { strings: s(Stat.strings), stringBytes: s(Stat.stringBytes), frames: s(Stat.frames), stacks: s(Stat.stacks), labelSets: s(Stat.labelSets) },
      period: { samples: s(Stat.samples) },
      live: { entries: s(Stat.liveEntries), owners: s(Stat.owners), stacks: s(Stat.liveStacks), tracked: s(Stat.liveTracked), conflicts: s(Stat.liveConflicts), unmatchedFrees: s(Stat.liveUnmatchedFrees), emptyStacksIgnored: s(Stat.liveEmptyStacks), pending: s(Stat.livePending), pendingDropped: s(Stat.livePendingDropped) },
      pool: { idle: s(Stat.poolIdle), out: s(Stat.poolOut), created: s(Stat.poolCreated), discarded: s(Stat.poolDiscarded), denied: s(Stat.poolDenied) },
      drops: { noMemory: s(Stat.dropNoMemory), abandonedCaptures: s(Stat.dropAbandoned), staleKeys: s(Stat.dropStaleKey), truncatedStacks: s(Stat.dropTooDeep) },
      memoryBytes: this.ex.memory.buffer.byteLength,
      arenaBytes: s(Stat.arenaEnd) - s(Stat.arenaBase),
      resets: s(Stat.resets),
    };
  }

  get memoryBytes(): number { return this.ex.memory.buffer.byteLength; }
  /** A byte copy of the core's whole memory (what a fork would hand a child). */
  memoryCopy(): Uint8Array { this.flushSamples(); return new Uint8Array(this.ex.memory.buffer).slice(); }
  /** Low-level exports, for tests and benchmarks (staged sample adds are handed over first). */
  get raw(): CoreExports { this.flushSamples(); return this.ex; }
}
