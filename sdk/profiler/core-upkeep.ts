// What happens to the core between periods, and when the process turns out to be a fork child.
//
//   * Recycling: WebAssembly memory never shrinks. Past the high-water mark the core is replaced
//     by a fresh instance of the compiled module (the live map, if any, crosses over as a
//     snapshot within its budget); what that cost is reported in the next profile's comments.
//     Below it, an oversized dictionary (strings, frames, stacks) is emptied in O(1) instead.
//   * Forks: a runtime that runs JavaScript after fork (not Node: V8's heap is not mapped in a
//     fork()ed Node child) would find itself with a new pid and the parent's state. The core
//     then takes the fork protocol's child path (O(1) reset, new pid) and the period in flight,
//     which holds the parent's samples, is dropped: a child never uploads its parent's data.
//     The atfork counters of the native bridge, when it is loaded, count the forks (every
//     child_process spawn on Linux) for the profile's comments.
import type { Core } from '../core/core.js';
import { RecyclingCore } from '../core/recycle.js';
import { createForkWatch, forkBridge, type ForkWatch } from '../runtime/fork-bridge.js';
import { FrameInterner } from '../ingest/frames.js';
import type { SourceMapResolver } from '../ingest/source-maps.js';

/** Above this many bytes of interned strings/frames/stacks the dictionary is emptied (O(1)). */
const DICTIONARY_RESET_BYTES = 32 * 1024 * 1024;

export class CoreUpkeep {
  private readonly host: RecyclingCore;
  private interner: FrameInterner;
  private readonly forks: ForkWatch;
  private readonly forkSource: 'atfork' | 'pid';
  private forksSinceLast = 0;
  private forkChildDetected = false;
  dictionaryResets = 0;

  /** `forks` defaults to the native bridge's atfork counters, else a pid comparison. */
  constructor(core: Core, highWaterBytes: number, private readonly maps: SourceMapResolver | undefined, forks?: ForkWatch) {
    this.host = new RecyclingCore(core, { highWaterBytes });
    this.interner = new FrameInterner(core, maps);
    if (forks) {
      this.forks = forks;
      this.forkSource = forks.check().source;
    } else {
      const load = forkBridge();
      this.forks = createForkWatch(load.bridge);
      this.forkSource = load.bridge ? 'atfork' : 'pid';
    }
  }

  get core(): Core { return this.host.core; }
  get recycles(): number { return this.host.recycles; }
  get frames(): FrameInterner { return this.interner; }

  /** Call after the period was read out and periodReset(). */
  betweenPeriods(): void {
    if (this.host.maybeRecycle()) {
      this.interner = new FrameInterner(this.host.core, this.maps);
    } else if (this.host.core.stats().arenaBytes > DICTIONARY_RESET_BYTES) {
      this.host.core.reset();
      this.dictionaryResets++;
    }
  }

  /**
   * Checks for forks since the last call. Returns true when this process is a fork child that
   * still holds its parent's state; the core has then been reset for the child.
   */
  checkFork(pid: number, threadId: number): boolean {
    const ev = this.forks.check();
    this.forksSinceLast += ev.forks;
    if (!ev.inChild || this.forkChildDetected || this.host.core.pid === pid) return false;
    this.forkChildDetected = true;
    this.host.core.prefork();
    this.host.core.postforkChild(pid, threadId);
    return true;
  }

  /** Comments for the next profile (each recycle and the fork counters are reported once). */
  takeComments(): string[] {
    const out = this.host.takeReports().map((r) =>
      `wasmprof core recycled: memory ${r.memoryBefore} -> ${r.memoryAfter} bytes, ${r.restoredEntries} live allocations carried over, ` +
      `${r.clearedAddresses} addresses cleared (${r.droppedStacks} stacks), ${r.droppedOwners} owners dropped, ${r.ms.toFixed(2)} ms`);
    out.push(`wasmprof forks: ${this.forksSinceLast} since the last period (detected by ${this.forkSource})`);
    this.forksSinceLast = 0;
    return out;
  }
}
