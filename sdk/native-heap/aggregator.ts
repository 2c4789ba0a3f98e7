// The native-heap aggregator: finds every target's ring in the ring directory, drains the events
// into the core's live-allocation map (owner = pid), symbolizes return addresses through the
// core's frame cache, writes `native-heap` pprof profiles every period and checks each owner's
// tracked-address count (kept by the target in its ring header) against its live map.
//
// Restart protocol (docs/native-heap.md): stop() drains, then writes the core's snapshot (behind a
// header naming each owner's ring instance, snapshot-file.ts) to
// <dir>/aggregator.snapshot (write to a temporary name, then rename). A starting aggregator
// renames that file away before reading it (so it is consumed exactly once, malformed or not),
// restores it, and continues every ring at the consumer position stored in the ring itself.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { Core, compileCore, LiveEventKind, type CoreTables } from '../core/core.js';
import { RingFormatError, RingReader, type RingEvent } from './ring.js';
import { Symbolizer, type NativeFrame } from './symbols.js';
import { buildNativeHeapProfile, type NativeHeapOwnerInput, type NativeHeapValues, type StackValues } from '../pprof/native-heap.js';
import { OwnerHeap } from './owner-heap.js';
import { describeWait, markWords, zombieExit } from './exit-reason.js';
import { decodeSnapshotFile, encodeSnapshotFile, type RingOrigin } from './snapshot-file.js';
import { sampleWeight } from '../pprof/native-heap.js';
import { ProfileWriter } from '../export/file-writer.js';
import { fsErrorWords } from '../runtime/fs-errors.js';
import { messageOf, say } from '../runtime/report.js';
import type { NativeHeapAggregatorOptions, NativeHeapStats, OwnerReport, ProcessSummary } from './aggregator-types.js';

export const SNAPSHOT_FILE = 'aggregator.snapshot';
const RING_FILE = /^heap-(\d+)\.ring$/;
const KNOWN_KINDS = new Set<number>([LiveEventKind.alloc, LiveEventKind.free, LiveEventKind.realloc, LiveEventKind.mmapAnonymous, LiveEventKind.munmap, LiveEventKind.mremap, LiveEventKind.shmAttach, LiveEventKind.shmDetach]);
/** Not an allocator event: the process started to exit (ring format, docs/native-heap.md). */
export const EXIT_MARK_KIND = 32;
/** Bit 0 of a free event's size: a temporary allocation (freed before its thread allocated again). */
const FREE_TEMPORARY = 1;

export type { NativeHeapAggregatorOptions, NativeHeapStats, OwnerReport, ProcessSummary };

/** A process that ended (or exec'd) since the last profile: its last values go into the next one. */
interface Finished { input: NativeHeapOwnerInput; comment: string }

interface OwnerState {
  pid: number;
  reader: RingReader;
  ino: number;
  tag: number;
  lastDiff: number | undefined;
  mismatch: number;
  warned: boolean;
  targetTracked: number;
  dropped: number;
  lostFrees: number;
  heap: OwnerHeap;
  summary: ProcessSummary;
}

/** The frame cache's key half for an address's high word: the owner's tag keeps address spaces apart. */
const tagged = (hi: number, tag: number): number => (hi ^ (tag << 16)) >>> 0;

function addInto(into: StackValues, from: StackValues): void {
  for (const [k, [o, b]] of from) {
    const v = into.get(k);
    if (v) { v[0] += o; v[1] += b; } else into.set(k, [o, b]);
  }
}

function topStacks(m: Map<number, [number, number]>, n = 5): Array<{ stack: number; bytes: number }> {
  return [...m].map(([stack, [, bytes]]) => ({ stack, bytes })).sort((a, b) => b.bytes - a.bytes || a.stack - b.stack).slice(0, n);
}

export class NativeHeapAggregator {
  readonly stats: NativeHeapStats = { events: 0, owners: 0, ringsOpened: 0, ringsReplaced: 0, ownersReaped: 0, symbolTableLoads: 0, lineRuns: 0, lineMs: 0, mismatchWarnings: 0, restoredEntries: 0, snapshotRejected: 0, profiles: 0, unknownEvents: 0 };
  private readonly owners = new Map<number, OwnerState>();
  private readonly intervals = new Map<number, number>();
  private readonly symbols: Symbolizer;
  /** Core frame id → address and mapping of a native frame (pprof mappings with build ids). */
  private readonly nativeFrames = new Map<number, NativeFrame>();
  private readonly finished: Finished[] = [];
  /** Every process seen, in the order they were seen (record prints them at the end). */
  readonly processes: ProcessSummary[] = [];
  private readonly exitNotes = new Map<number, string>();
  private readonly run = new Map<ProcessSummary, NativeHeapValues>();
  private readonly startedAt = Date.now();
  private restoredOwners = new Set<number>();
  /** Ring instance each restored owner's entries came from (absent: a snapshot from before instances were kept). */
  private restoredOrigins = new Map<number, RingOrigin>();
  private nextTag = 1;
  private seq = 0;
  private readonly files: ProfileWriter | undefined;
  private periodStart = Date.now();
  private drainTimer: ReturnType<typeof setInterval> | undefined;
  private periodTimer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private readonly warnFn: (m: string) => void;
  readonly warnings: string[] = [];

  private constructor(readonly core: Core, readonly options: NativeHeapAggregatorOptions) {
    this.warnFn = options.warn ?? say;
    this.files = options.outputDir ? new ProfileWriter({ dir: options.outputDir }) : undefined;
    this.symbols = new Symbolizer(options.lines !== false);
  }

  static async start(options: NativeHeapAggregatorOptions): Promise<NativeHeapAggregator> {
    mkdirSync(options.dir, { recursive: true });
    const core = Core.instantiate(await compileCore(), { frameCacheCapacity: 16384, maxMemoryBytes: 512 * 1024 * 1024, ...options.core });
    const agg = new NativeHeapAggregator(core, options);
    if (options.restore !== false) agg.restoreFromDir();
    const drainMs = options.drainMs ?? 50;
    if (drainMs > 0) {
      agg.drainTimer = setInterval(() => agg.safeDrain(), drainMs);
      agg.drainTimer.unref();
    }
    const periodMs = options.periodMs ?? 60000;
    if (periodMs > 0) {
      agg.periodTimer = setInterval(() => { try { agg.writeProfile(); } catch (err) { agg.warn(`wasmprof native-heap: profile failed: ${String(err)}`); } }, periodMs);
      agg.periodTimer.unref();
    }
    return agg;
  }

  private warn(m: string): void {
    this.warnings.push(m);
    this.warnFn(m);
  }

  private restoreFromDir(): void {
    const path = join(this.options.dir, SNAPSHOT_FILE);
    if (!existsSync(path)) return;
    const taken = `${path}.reading-${process.pid}`;
    try { renameSync(path, taken); } catch { return; } // someone else consumed it
    let bytes: Uint8Array | undefined;
    try { bytes = new Uint8Array(readFileSync(taken)); } catch (err) { this.warn(`wasmprof native-heap: cannot read ${path}: ${String(err)}; starting empty`); }
    try { unlinkSync(taken); } catch { /* already gone */ }
    if (!bytes) return;
    try {
      const file = decodeSnapshotFile(bytes);
      this.stats.restoredEntries = this.core.restoreSnapshot(file.core);
      this.restoredOwners = new Set(this.core.tables().owners().map((r) => r.owner));
      this.restoredOrigins = file.origins;
    } catch (err) {
      this.stats.snapshotRejected++;
      this.warn(`wasmprof native-heap: rejected the snapshot left by the previous aggregator (${messageOf(err)}); starting empty`);
    }
  }

  private safeDrain(): void {
    try { this.drain(); } catch (err) { this.warn(`wasmprof native-heap: drain failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`); }
  }

  private discover(): void {
    let names: string[];
    try { names = readdirSync(this.options.dir); } catch { return; }
    for (const name of names) {
      const m = RING_FILE.exec(name);
      if (!m) continue;
      const pid = Number(m[1]);
      const known = this.owners.get(pid);
      // A known ring is reopened only when the file was replaced (exec: new inode).
      let ino: number;
      try { ino = statSync(join(this.options.dir, name)).ino; } catch { continue; }
      if (known && known.ino === ino) continue;
      let reader: RingReader;
      try { reader = new RingReader(join(this.options.dir, name)); } catch (err) {
        if (!(err instanceof RingFormatError) && !(err instanceof Error && /ENOENT/.test(err.message))) this.warn(`wasmprof native-heap: ${String(err)}`);
        continue;
      }
      if (known && known.reader.instance === reader.instance) { reader.close(); continue; }
      if (known) {
        // The pid's ring was replaced (exec): the old image's live allocations are gone.
        this.drainOwner(known);
        this.finishOwner(known, 'exec');
        known.reader.close();
        this.core.clearOwner(pid);
        this.symbols.forget(pid);
        this.stats.ringsReplaced++;
      }
      this.stats.ringsOpened++;
      this.symbols.prime(pid);
      this.intervals.set(pid, reader.interval);
      const heap = new OwnerHeap(pid, reader.interval);
      const tag = known?.tag ?? (this.nextTag++ & 0xffff);
      if (!known && this.restoredOwners.delete(pid)) {
        const origin = this.restoredOrigins.get(pid);
        this.restoredOrigins.delete(pid);
        if (origin && origin.instance !== reader.instance) {
          // The pid's image was replaced (exec) while no aggregator ran: the restored entries are
          // the old image's final state, not the new image's.
          const old = this.ownerState(pid, reader, ino, tag, new OwnerHeap(pid, origin.interval || reader.interval));
          for (const e of this.core.tables().liveEntries()) if (e.owner === pid) old.heap.restore(e.address, e.size, e.stack);
          this.finishOwner(old, 'exec');
          this.core.clearOwner(pid);
          this.stats.ringsReplaced++;
        } else {
          for (const e of this.core.tables().liveEntries()) if (e.owner === pid) heap.restore(e.address, e.size, e.stack);
        }
      }
      this.owners.set(pid, this.ownerState(pid, reader, ino, tag, heap));
    }
  }

  private ownerState(pid: number, reader: RingReader, ino: number, tag: number, heap: OwnerHeap): OwnerState {
    const summary: ProcessSummary = { pid, ppid: reader.ppid, peakBytes: 0, peakTimeMs: 0, peakStacks: [], exit: undefined, inuseAtEndBytes: 0, endStacks: [] };
    this.processes.push(summary);
    return { pid, reader, ino, tag, lastDiff: undefined, mismatch: 0, warned: false, targetTracked: 0, dropped: 0, lostFrees: 0, heap, summary };
  }

  /** Symbolizes, in one batch, every return address of `evs` the frame cache does not know yet. */
  private symbolize(owner: OwnerState, evs: readonly RingEvent[]): void {
    const missing = new Map<bigint, [number, number]>();
    for (const ev of evs) {
      const w = ev.stackWords;
      for (let i = 0; i < w.length; i += 2) {
        const lo = w[i], hi = tagged(w[i + 1], owner.tag);
        if (this.core.lookupFrame(lo, hi) >= 0) continue;
        const addr = (BigInt(w[i + 1]) << 32n) | BigInt(lo);
        if (!missing.has(addr)) missing.set(addr, [lo, hi]);
      }
    }
    if (missing.size === 0) return;
    const addrs = [...missing.keys()];
    const res = this.symbols.frames(owner.pid, addrs, owner.reader.ppid);
    addrs.forEach((addr, i) => {
      const [lo, hi] = missing.get(addr) as [number, number];
      const id = this.core.storeFrame(lo, hi, res[i].frame);
      const native = res[i].native;
      if (native) this.nativeFrames.set(id, native);
    });
  }

  private stackOf(owner: OwnerState, ev: RingEvent): number {
    const ids: number[] = [];
    const w = ev.stackWords;
    for (let d = 0; d < w.length / 2; d++) {
      const lo = w[2 * d], hi = tagged(w[2 * d + 1], owner.tag);
      let id = this.core.lookupFrame(lo, hi);
      if (id < 0) { // evicted since the batch was symbolized
        const r = this.symbols.frames(owner.pid, [ev.stack[d]], owner.reader.ppid)[0];
        id = this.core.storeFrame(lo, hi, r.frame);
        if (r.native) this.nativeFrames.set(id, r.native);
      }
      ids.push(id);
    }
    return ids.length === 0 ? 0 : this.core.internStack(ids);
  }

  private apply(owner: OwnerState, ev: RingEvent): void {
    const pid = owner.pid;
    const timeMs = Number(ev.timeNs / 1000000n);
    if (ev.kind === EXIT_MARK_KIND) { owner.heap.markExit({ why: Number(ev.oldAddress), code: ev.size, timeMs }); return; }
    if (!KNOWN_KINDS.has(ev.kind)) { this.stats.unknownEvents++; return; }
    switch (ev.kind) {
      case LiveEventKind.free: case LiveEventKind.munmap: case LiveEventKind.shmDetach:
        this.core.liveEvent(ev.kind, pid, 0, ev.address, 0, 0, timeMs);
        owner.heap.free(ev.address, (ev.size & FREE_TEMPORARY) !== 0);
        return;
      default: {
        const stack = this.stackOf(owner, ev);
        this.core.liveEvent(ev.kind as LiveEventKind, pid, ev.oldAddress, ev.address, ev.size, stack, timeMs);
        if (ev.oldAddress !== 0n) owner.heap.free(ev.oldAddress);
        if (stack !== 0 && ev.size > 0) owner.heap.alloc(ev.address, ev.size, stack, timeMs);
      }
    }
  }

  /** Drains at most one ring's capacity, so that a target producing as fast as we read cannot hold the drain forever. */
  private drainOwner(owner: OwnerState): number {
    let n = 0;
    const limit = owner.reader.capacity;
    while (n < limit) {
      const evs = owner.reader.drain(Math.min(4096, limit - n));
      this.symbolize(owner, evs);
      for (const ev of evs) this.apply(owner, ev);
      if (evs.length > 0) this.options.onEvents?.(owner.pid, evs);
      n += evs.length;
      if (evs.length === 0) break;
    }
    return n;
  }

  /** Drains every ring once; returns the number of events applied. */
  drain(): number {
    if (this.stopped) return 0;
    this.discover();
    let total = 0;
    for (const owner of this.owners.values()) total += this.drainOwner(owner);
    this.stats.events += total;
    this.stats.owners = this.owners.size;
    this.stats.symbolTableLoads = this.symbols.loads;
    return total;
  }

  private alive(pid: number): boolean {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return !/^\d+ \(.*\) [ZX]/s.test(stat);
    } catch { return false; }
  }

  /**
   * Drains, then compares each owner's tracked count with its live map. A difference counts
   * only when the ring was quiet during the check and the same difference was seen by the
   * previous check (an event in flight between the target's count and its slot is not a
   * mismatch). Owners whose process is gone are reported one last time and then forgotten.
   */
  check(): OwnerReport[] {
    this.drain();
    const quiet = new Map<number, number>();
    for (const o of this.owners.values()) {
      const before = o.reader.counters();
      this.drainOwner(o);
      const after = o.reader.counters();
      o.targetTracked = after.tracked;
      o.dropped = after.dropped;
      o.lostFrees = after.lostFrees;
      if (before.head === after.head && after.consumer === after.head && before.tracked === after.tracked) quiet.set(o.pid, after.tracked);
    }
    const tables = this.core.tables();
    const counts = new Map<number, number>();
    for (const r of tables.owners()) counts.set(r.owner, r.count);
    const reports = this.reports(tables);
    for (const rep of reports) {
      const o = this.owners.get(rep.pid);
      if (!o) continue;
      const tracked = quiet.get(o.pid);
      if (tracked === undefined) { o.lastDiff = undefined; continue; }
      const diff = (counts.get(o.pid) ?? 0) - tracked;
      if (diff !== 0 && o.lastDiff === diff) {
        o.mismatch = diff;
        if (!o.warned) {
          o.warned = true;
          this.stats.mismatchWarnings++;
          this.warn(`wasmprof native-heap: owner ${o.pid}: live map has ${counts.get(o.pid) ?? 0} addresses, the target tracks ${tracked} (${o.dropped} events dropped by a full ring)`);
        }
      } else if (diff === 0) o.mismatch = 0;
      o.lastDiff = diff;
      rep.mismatch = o.mismatch;
    }
    if (this.options.reapDead !== false) {
      for (const o of [...this.owners.values()]) {
        if (this.alive(o.pid)) continue;
        this.drainOwner(o);
        this.finishOwner(o, this.exitNotes.get(o.pid) ?? zombieExit(o.pid) ?? (o.heap.exit ? `exit code ${o.heap.exit.code}` : 'ended'));
        this.exitNotes.delete(o.pid);
        o.reader.close();
        try { unlinkSync(o.reader.path); } catch { /* gone */ }
        this.core.clearOwner(o.pid);
        this.symbols.forget(o.pid);
        this.owners.delete(o.pid);
        this.stats.ownersReaped++;
      }
      // Owners restored from a snapshot whose process ended during the restart have no ring.
      for (const row of tables.owners()) {
        if (this.owners.has(row.owner) || this.alive(row.owner)) continue;
        this.core.clearOwner(row.owner);
        this.stats.ownersReaped++;
      }
    }
    return reports;
  }

  private reports(tables: CoreTables): OwnerReport[] {
    const out = new Map<number, OwnerReport>();
    const get = (pid: number): OwnerReport => {
      let r = out.get(pid);
      if (!r) {
        const o = this.owners.get(pid);
        r = { pid, entries: 0, rawBytes: 0, inuseBytes: 0, inuseObjects: 0, targetTracked: o?.targetTracked ?? 0, mismatch: o?.mismatch ?? 0, dropped: o?.dropped ?? 0, lostFrees: o?.lostFrees ?? 0, interval: this.intervals.get(pid) ?? 0 };
        out.set(pid, r);
      }
      return r;
    };
    for (const o of this.owners.keys()) get(o);
    for (const e of tables.liveEntries()) {
      const r = get(e.owner);
      const [o, b] = sampleWeight(e.size, this.intervals.get(e.owner) ?? 0);
      r.entries++; r.rawBytes += e.size; r.inuseObjects += o; r.inuseBytes += b;
    }
    return [...out.values()].sort((a, b) => a.pid - b.pid);
  }

  /** Owner reports without the consistency check (drains first). */
  ownerReports(): OwnerReport[] {
    this.drain();
    return this.reports(this.core.tables());
  }

  /** Estimated live bytes per function name (each function counted once per allocation, wherever it is on the stack). */
  inuseByFunction(pid: number): Map<string, number> {
    this.drain();
    const tables = this.core.tables();
    const out = new Map<string, number>();
    const names = new Map<number, string[]>();
    for (const e of tables.liveEntries()) {
      if (e.owner !== pid) continue;
      let fns = names.get(e.stack);
      if (!fns) { fns = [...new Set(e.stack === 0 ? [] : tables.stackFrames(e.stack).map((f) => tables.frame(f).name))]; names.set(e.stack, fns); }
      const [, b] = sampleWeight(e.size, this.intervals.get(pid) ?? 0);
      for (const f of fns) out.set(f, (out.get(f) ?? 0) + b);
    }
    return out;
  }

  /** The wait status of a process, when the caller knows it better than /proc does (record knows its own child's). */
  noteExit(pid: number, code: number | null, signal: string | null): void {
    this.exitNotes.set(pid, describeWait(code, signal));
  }

  /** Ends an owner's period and folds it into the process summary and the whole run's values. */
  private endPeriod(o: OwnerState): NativeHeapOwnerInput['values'] {
    const p = o.heap.endPeriod();
    const s = o.summary;
    let run = this.run.get(s);
    if (!run) { run = { inuse: new Map(), peak: new Map(), allocs: new Map(), temporary: new Map() }; this.run.set(s, run); }
    if (p.peakBytes > s.peakBytes || s.peakStacks.length === 0) { s.peakBytes = p.peakBytes; s.peakTimeMs = p.peakTimeMs; s.peakStacks = topStacks(p.peak); run.peak = p.peak; }
    s.inuseAtEndBytes = p.inuseBytes;
    s.endStacks = topStacks(p.inuse);
    run.inuse = p.inuse;
    addInto(run.allocs, p.allocs);
    addInto(run.temporary, p.temporary);
    return p;
  }

  /**
   * One profile of the whole run so far, every process seen: allocations and temporaries summed
   * over the periods, peak_* at each process's highest period peak, inuse_* at its end (its exit
   * for an ended process). `wasmprof record` draws its flame graph from it.
   */
  runProfile(): Uint8Array {
    const owners: NativeHeapOwnerInput[] = this.processes.flatMap((s) => {
      const values = this.run.get(s);
      return values ? [{ pid: s.pid, labels: s.exit ? [['exit', s.exit]] as Array<[string, string]> : [], values }] : [];
    });
    this.resolveLines();
    const intervals = [...this.intervals.values()];
    const profile = buildNativeHeapProfile({
      tables: this.core.tables(), owners, extras: { native: (id) => this.nativeFrames.get(id) },
      timeNanos: this.startedAt * 1e6, durationNanos: (Date.now() - this.startedAt) * 1e6,
      period: intervals.length ? intervals[0] : 524288, comments: ['wasmprof native-heap: the whole run (alloc_*, temporary_*: summed; peak_*: each process\'s highest peak; inuse_*: at its end)'],
    });
    return new Uint8Array(gzipSync(profile.encode()));
  }

  /** An owner's process ended (or exec'd): its last values wait for the next profile, labelled with why. */
  private finishOwner(o: OwnerState, reason: string): void {
    const mark = o.heap.exit;
    const values = this.endPeriod(o);
    o.summary.exit = reason;
    const how = mark ? `in use when it started to exit (${markWords(mark)})` : reason === 'exec' ? 'in use when it exec\'d' : 'in use at its last event';
    this.finished.push({ input: { pid: o.pid, labels: [['exit', reason]], values }, comment: `pid ${o.pid} ended (${reason}): inuse_* is what it held ${how}` });
  }

  private resolveLines(): void {
    this.symbols.resolveLines(this.nativeFrames.values());
    this.stats.lineRuns = this.symbols.lineRuns;
    this.stats.lineMs = Math.round(this.symbols.lineMs);
  }

  /** Leaf-first function names of a stack, for summaries. */
  stackNames(stack: number): string[] {
    if (stack === 0) return [];
    const tables = this.core.tables();
    return tables.stackFrames(stack).map((f) => tables.frame(f).name);
  }

  /** Builds the period's profile (gzipped pprof), starts the next period, writes/hands it out. */
  writeProfile(): Uint8Array {
    const reports = this.check();
    const tables = this.core.tables();
    const now = Date.now();
    const finished = this.finished.splice(0);
    const comments = [`wasmprof native-heap: ${this.owners.size} owner(s), ${this.stats.events} events`];
    for (const r of reports) {
      if (r.mismatch !== 0) comments.push(`live-map mismatch: owner ${r.pid}: ${r.mismatch} (target tracks ${r.targetTracked}; ${r.dropped} events dropped)`);
      else if (r.dropped > 0) comments.push(`owner ${r.pid}: ${r.dropped} events dropped by a full ring`);
    }
    for (const f of finished) comments.push(f.comment);
    const owners: NativeHeapOwnerInput[] = [...finished.map((f) => f.input)];
    for (const o of this.owners.values()) owners.push({ pid: o.pid, labels: o.heap.exit ? [['exit', 'exiting']] : [], values: this.endPeriod(o) });
    this.resolveLines();
    const intervals = [...this.intervals.values()];
    const profile = buildNativeHeapProfile({
      tables, owners, extras: { native: (id) => this.nativeFrames.get(id) },
      timeNanos: this.periodStart * 1e6, durationNanos: (now - this.periodStart) * 1e6,
      period: intervals.length ? intervals[0] : 524288, comments,
    });
    this.periodStart = now;
    const gz = new Uint8Array(gzipSync(profile.encode()));
    const seq = ++this.seq;
    // A failing disk does not fail the period (the profile is still returned and handed out).
    for (const f of this.files?.write([{ type: 'native-heap', pprof: gz }], seq).files ?? []) {
      if (!f.ok && f.firstOfKind) this.warn(`wasmprof native-heap: cannot write ${f.path}: ${fsErrorWords(f.code) ?? String(f.error)} (${f.code}); profiling goes on, every period is tried again`);
    }
    this.stats.profiles++;
    this.options.onProfile?.(gz, seq);
    return gz;
  }

  /**
   * Stops. With `snapshot` (the default), drains and leaves the live map in
   * <dir>/aggregator.snapshot for the next aggregator. Targets keep running; their events wait
   * in the rings (up to each ring's capacity).
   */
  stop(opts: { snapshot?: boolean; profile?: boolean } = {}): { snapshotBytes: number; clearedAddresses: number } {
    if (this.stopped) return { snapshotBytes: 0, clearedAddresses: 0 };
    if (this.drainTimer) clearInterval(this.drainTimer);
    if (this.periodTimer) clearInterval(this.periodTimer);
    let result = { snapshotBytes: 0, clearedAddresses: 0 };
    if (opts.profile) { try { this.writeProfile(); } catch (err) { this.warn(`wasmprof native-heap: last profile failed: ${String(err)}`); } }
    this.drain();
    this.stopped = true;
    if (opts.snapshot !== false) {
      const snap = this.core.encodeSnapshot(this.options.snapshotBudget);
      const path = join(this.options.dir, SNAPSHOT_FILE);
      const tmp = `${path}.tmp-${process.pid}`;
      const origins = new Map<number, RingOrigin>();
      for (const o of this.owners.values()) origins.set(o.pid, { instance: o.reader.instance, interval: o.reader.interval });
      // Owners restored but whose ring was not seen again keep the origin they came with.
      for (const [pid, o] of this.restoredOrigins) if (!origins.has(pid)) origins.set(pid, o);
      writeFileSync(tmp, encodeSnapshotFile(origins, snap.bytes));
      renameSync(tmp, path);
      result = { snapshotBytes: snap.bytes.byteLength, clearedAddresses: snap.clearedAddresses };
    }
    for (const o of this.owners.values()) o.reader.close();
    this.owners.clear();
    return result;
  }
}

