// Instance recycling. WebAssembly memory grows but never shrinks, so after a spike (a burst of
// unique frames, a flood of tracked allocations) the only way to give memory back is to drop
// the instance and start a fresh one from the compiled module (~20 µs). The live-allocation
// map crosses over as a snapshot within its byte budget (DESIGN §4); what the budget cleared is
// kept as a report for the next profile. Recycling happens between periods, when the period's
// samples have been read out, so nothing collected is lost.
import { Core, CoreError, CoreErrorCode, SamplerState, type SnapshotResult } from './core.js';
import type { CoreHooks } from './core.js';

export interface RecycleReport {
  /** Core memory before and after, in bytes. */
  memoryBefore: number;
  memoryAfter: number;
  /** Live allocations carried over. */
  restoredEntries: number;
  clearedAddresses: number;
  droppedOwners: number;
  droppedStacks: number;
  /** Snapshot size and wall time of the whole recycle. */
  snapshotBytes: number;
  ms: number;
}

export interface RecyclingOptions {
  /** Recycle when the core's memory passes this many bytes. Default 64 MiB. */
  highWaterBytes?: number;
  /** Snapshot budget for the live map (default: WASMPROF_LIVE_SNAPSHOT_MAX_BYTES or 4 MiB). */
  snapshotBudget?: number;
  hooks?: CoreHooks;
}

export const DEFAULT_HIGH_WATER_BYTES = 64 * 1024 * 1024;

/** Builds a fresh core with the same options, carries the live map and the sampler state over. */
export function recycleCore(old: Core, snapshotBudget?: number, hooks?: CoreHooks): { core: Core; report: RecycleReport; snapshot: SnapshotResult } {
  const t0 = performance.now();
  if (old.stats().period.samples !== 0) {
    throw new CoreError(CoreErrorCode.BadArgument, 'wasmprof core: recycle only between periods (the current period still holds samples)');
  }
  const snapshot = old.encodeSnapshot(snapshotBudget);
  const fresh = Core.instantiate(old.module, { ...old.options }, hooks);
  const restoredEntries = fresh.restoreSnapshot(snapshot.bytes);
  for (const tid of old.threads()) fresh.registerThread(tid);
  if (old.samplerState === SamplerState.running) fresh.startSampling();
  const report: RecycleReport = {
    memoryBefore: old.memoryBytes,
    memoryAfter: fresh.memoryBytes,
    restoredEntries,
    clearedAddresses: snapshot.clearedAddresses,
    droppedOwners: snapshot.droppedOwners,
    droppedStacks: snapshot.droppedStacks,
    snapshotBytes: snapshot.bytes.length,
    ms: performance.now() - t0,
  };
  return { core: fresh, report, snapshot };
}

/**
 * Owns the current core and replaces it when its memory passes the high-water mark. Callers
 * read `core` afresh after each maybeRecycle() (handles from the old instance are void).
 */
export class RecyclingCore {
  private current: Core;
  private readonly highWater: number;
  private pending: RecycleReport[] = [];
  recycles = 0;

  constructor(core: Core, private readonly options: RecyclingOptions = {}) {
    const hw = options.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES;
    if (!Number.isInteger(hw) || hw < 1024 * 1024) {
      throw new RangeError(`wasmprof: highWaterBytes must be an integer of at least 1048576 (1 MiB), got ${String(hw)}`);
    }
    this.current = core;
    this.highWater = hw;
  }

  get core(): Core { return this.current; }
  get highWaterBytes(): number { return this.highWater; }

  /** Call at a period boundary (after the period was read out and periodReset()). */
  maybeRecycle(): RecycleReport | undefined {
    if (this.current.memoryBytes <= this.highWater) return undefined;
    return this.recycleNow();
  }

  recycleNow(): RecycleReport {
    const { core, report } = recycleCore(this.current, this.options.snapshotBudget, this.options.hooks);
    this.current = core;
    this.recycles++;
    this.pending.push(report);
    return report;
  }

  /** Recycle reports not yet put into a profile; empties the list. */
  takeReports(): RecycleReport[] {
    const r = this.pending;
    this.pending = [];
    return r;
  }
}
