// The native-heap aggregator: finds every target's ring in the ring directory, drains the events
// into the core's live-allocation map (owner = pid), symbolizes return addresses through the
// core's frame cache, writes `native-heap` pprof profiles every period and checks each owner's
// tracked-address count (kept by the target in its ring header) against its live map.
//
// Restart protocol (docs/native-heap.md): stop() drains, then writes the core's snapshot to
// <dir>/aggregator.snapshot (write to a temporary name, then rename). A starting aggregator
// renames that file away before reading it (so it is consumed exactly once, malformed or not),
// restores it, and continues every ring at the consumer position stored in the ring itself.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { Core, compileCore, LiveEventKind, type CoreTables } from '../core/core.js';
import { RingFormatError, RingReader, type RingEvent } from './ring.js';
import { Symbolizer } from './symbols.js';
import { buildNativeHeapProfile, sampleWeight, type AllocAccumulator } from '../pprof/native-heap.js';
import { ProfileWriter } from '../export/file-writer.js';
import { fsErrorWords } from '../runtime/fs-errors.js';
import { messageOf, say } from '../runtime/report.js';
import type { NativeHeapAggregatorOptions, NativeHeapStats, OwnerReport } from './aggregator-types.js';

export const SNAPSHOT_FILE = 'aggregator.snapshot';
const RING_FILE = /^heap-(\d+)\.ring$/;
const KNOWN_KINDS = new Set<number>([LiveEventKind.alloc, LiveEventKind.free, LiveEventKind.realloc, LiveEventKind.mmapAnonymous, LiveEventKind.munmap, LiveEventKind.mremap, LiveEventKind.shmAttach, LiveEventKind.shmDetach]);

export type { NativeHeapAggregatorOptions, NativeHeapStats, OwnerReport };

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
}

function frameKey(addr: bigint, tag: number): [number, number] {
  const lo = Number(addr & 0xffffffffn);
  const hi = Number((addr >> 32n) & 0xffffffffn);
  return [lo, (hi ^ (tag << 16)) >>> 0];
}

export class NativeHeapAggregator {
  readonly stats: NativeHeapStats = { events: 0, owners: 0, ringsOpened: 0, ringsReplaced: 0, ownersReaped: 0, symbolTableLoads: 0, mismatchWarnings: 0, restoredEntries: 0, snapshotRejected: 0, profiles: 0, unknownEvents: 0 };
  private readonly owners = new Map<number, OwnerState>();
  private readonly intervals = new Map<number, number>();
  private readonly symbols = new Symbolizer();
  private readonly allocs = new Map<string, AllocAccumulator>();
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
      this.stats.restoredEntries = this.core.restoreSnapshot(bytes);
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
        known.reader.close();
        this.core.clearOwner(pid);
        this.symbols.forget(pid);
        this.stats.ringsReplaced++;
      }
      this.stats.ringsOpened++;
      this.symbols.prime(pid);
      this.intervals.set(pid, reader.interval);
      this.owners.set(pid, { pid, reader, ino, tag: known?.tag ?? (this.nextTag++ & 0xffff), lastDiff: undefined, mismatch: 0, warned: false, targetTracked: 0, dropped: 0, lostFrees: 0 });
    }
  }

  private stackOf(owner: OwnerState, ev: RingEvent): number {
    const ids: number[] = [];
    for (const addr of ev.stack) {
      const [lo, hi] = frameKey(addr, owner.tag);
      let id = this.core.lookupFrame(lo, hi);
      if (id < 0) id = this.core.storeFrame(lo, hi, this.symbols.frame(owner.pid, addr, owner.reader.ppid));
      ids.push(id);
    }
    return ids.length === 0 ? 0 : this.core.internStack(ids);
  }

  private apply(owner: OwnerState, ev: RingEvent): void {
    const pid = owner.pid;
    const timeMs = Number(ev.timeNs / 1000000n);
    if (!KNOWN_KINDS.has(ev.kind)) { this.stats.unknownEvents++; return; }
    switch (ev.kind) {
      case LiveEventKind.free: case LiveEventKind.munmap: case LiveEventKind.shmDetach:
        this.core.liveEvent(ev.kind, pid, 0, ev.address, 0, 0, timeMs);
        return;
      default: {
        const stack = this.stackOf(owner, ev);
        this.core.liveEvent(ev.kind as LiveEventKind, pid, ev.oldAddress, ev.address, ev.size, stack, timeMs);
        if (stack === 0) return;
        const [o, b] = sampleWeight(ev.size, owner.reader.interval);
        const k = `${pid}:${stack}`;
        const a = this.allocs.get(k);
        if (a) { a.objects += o; a.bytes += b; } else this.allocs.set(k, { owner: pid, stack, objects: o, bytes: b });
      }
    }
  }

  /** Drains at most one ring's capacity, so that a target producing as fast as we read cannot hold the drain forever. */
  private drainOwner(owner: OwnerState): number {
    let n = 0;
    const limit = owner.reader.capacity;
    while (n < limit) {
      const evs = owner.reader.drain(Math.min(4096, limit - n));
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

  /** Builds the period's profile (gzipped pprof), resets the period's alloc counters, writes/hands it out. */
  writeProfile(): Uint8Array {
    const reports = this.check();
    const tables = this.core.tables();
    const now = Date.now();
    const comments = [`wasmprof native-heap: ${this.owners.size} owner(s), ${this.stats.events} events`];
    for (const r of reports) {
      if (r.mismatch !== 0) comments.push(`live-map mismatch: owner ${r.pid}: ${r.mismatch} (target tracks ${r.targetTracked}; ${r.dropped} events dropped)`);
      else if (r.dropped > 0) comments.push(`owner ${r.pid}: ${r.dropped} events dropped by a full ring`);
    }
    const intervals = [...this.intervals.values()];
    const profile = buildNativeHeapProfile({
      tables, intervalOf: (o) => this.intervals.get(o) ?? 0, allocs: this.allocs.values(),
      timeNanos: this.periodStart * 1e6, durationNanos: (now - this.periodStart) * 1e6,
      period: intervals.length ? intervals[0] : 524288, comments,
    });
    this.allocs.clear();
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
      writeFileSync(tmp, snap.bytes);
      renameSync(tmp, path);
      result = { snapshotBytes: snap.bytes.byteLength, clearedAddresses: snap.clearedAddresses };
    }
    for (const o of this.owners.values()) o.reader.close();
    this.owners.clear();
    return result;
  }
}

