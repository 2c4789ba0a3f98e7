// One traced process's sampled heap as the aggregator sees it, in estimated (sampling-weighted)
// objects and bytes: what is live now, the high-water mark of the period, what was allocated and
// what was temporary in the period, and what the process held when it started to exit.
//
// The high-water mark without copying the map at every new maximum: `sincePeak` holds, per
// stack, the frees minus the allocations applied since the last maximum. The live state at the
// peak is the live state now plus `sincePeak` (an allocation made after the peak and freed again
// cancels out). A new maximum clears `sincePeak`, so each event is paid for at most twice (once
// when added, once when cleared) and the work does not grow with the size of the live map.
//
// Why a mirror of the live entries here when the core has a live map: a free event carries only
// the address, and the core has no per-address lookup to tell the freed block's stack and size.
// The core's map stays the one the snapshot codec carries across restarts (restored entries are
// loaded back into this mirror).
import { sampleWeight, type NativeHeapValues, type StackValues } from '../pprof/native-heap.js';

interface Entry { stack: number; objects: number; bytes: number }

export interface ExitMark {
  /** 1 exit() was called, 2 main returned, 3 the runtime said so (Node's 'exit' event). */
  why: number;
  code: number;
  timeMs: number;
}

export interface PeriodHeap extends NativeHeapValues {
  /** Estimated live bytes at the period's high-water mark, and when (ms since the epoch; 0: at the period start). */
  peakBytes: number;
  peakTimeMs: number;
  inuseBytes: number;
}

function add(m: StackValues, stack: number, o: number, b: number): void {
  const v = m.get(stack);
  if (v) { v[0] += o; v[1] += b; } else m.set(stack, [o, b]);
}

function copy(m: StackValues): StackValues {
  const out: StackValues = new Map();
  for (const [k, v] of m) out.set(k, [v[0], v[1]]);
  return out;
}

/** `base` plus `delta`, without the stacks that come out at zero. */
function plus(base: StackValues, delta: StackValues): StackValues {
  const out = copy(base);
  for (const [k, [o, b]] of delta) add(out, k, o, b);
  for (const [k, v] of out) if (v[1] < 0.5 && v[0] < 0.5) out.delete(k);
  return out;
}

export class OwnerHeap {
  private readonly entries = new Map<number, Entry>();
  private readonly live: StackValues = new Map();
  private liveBytes = 0;
  private peakBytes = 0;
  private peakTimeMs = 0;
  private readonly sincePeak: StackValues = new Map();
  private allocs: StackValues = new Map();
  private temporary: StackValues = new Map();
  private exitState: { mark: ExitMark; inuse: StackValues; inuseBytes: number; peak: StackValues } | undefined;
  /** New maxima in the period and the entries cleared from `sincePeak` by them (for the bench). */
  readonly peakStats = { maxima: 0, cleared: 0 };

  constructor(readonly pid: number, readonly interval: number) {}

  get entryCount(): number { return this.entries.size; }
  get exit(): ExitMark | undefined { return this.exitState?.mark; }

  alloc(address: bigint, size: number, stack: number, timeMs: number): void {
    const key = Number(address);
    if (this.entries.has(key)) this.remove(key); // the core does the same: the newer allocation wins
    const [o, b] = sampleWeight(size, this.interval);
    this.entries.set(key, { stack, objects: o, bytes: b });
    add(this.live, stack, o, b);
    add(this.allocs, stack, o, b);
    this.liveBytes += b;
    if (this.exitState) return; // teardown is not part of the run's high-water mark
    add(this.sincePeak, stack, -o, -b);
    if (this.liveBytes > this.peakBytes) {
      this.peakStats.maxima++;
      this.peakStats.cleared += this.sincePeak.size;
      this.peakBytes = this.liveBytes;
      this.peakTimeMs = timeMs;
      this.sincePeak.clear();
    }
  }

  /** An entry carried over from a previous aggregator (snapshot): live, but not allocated in this period. */
  restore(address: bigint, size: number, stack: number): void {
    const key = Number(address);
    if (this.entries.has(key)) this.remove(key);
    const [o, b] = sampleWeight(size, this.interval);
    this.entries.set(key, { stack, objects: o, bytes: b });
    add(this.live, stack, o, b);
    this.liveBytes += b;
    if (this.liveBytes > this.peakBytes) { this.peakBytes = this.liveBytes; this.sincePeak.clear(); }
  }

  /** A free; `temporary`: the target saw no other allocation on the thread since this block's. */
  free(address: bigint, temporary = false): void {
    const e = this.remove(Number(address));
    if (e && temporary) add(this.temporary, e.stack, e.objects, e.bytes);
  }

  private remove(key: number): Entry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined; // unmatched (the core counts it)
    this.entries.delete(key);
    const v = this.live.get(e.stack);
    if (v) {
      v[0] -= e.objects; v[1] -= e.bytes;
      if (v[0] < 0.5) this.live.delete(e.stack);
    }
    this.liveBytes -= e.bytes;
    if (!this.exitState) add(this.sincePeak, e.stack, e.objects, e.bytes);
    return e;
  }

  /** The process started to exit: what is live now is what it held at exit. Only the first mark counts. */
  markExit(mark: ExitMark): void {
    if (this.exitState) return;
    this.exitState = { mark, inuse: copy(this.live), inuseBytes: this.liveBytes, peak: plus(this.live, this.sincePeak) };
  }

  /** The period's values; starts the next period (the peak starts again from what is live now). */
  endPeriod(): PeriodHeap {
    const inuse = this.exitState ? this.exitState.inuse : copy(this.live);
    const inuseBytes = this.exitState ? this.exitState.inuseBytes : this.liveBytes;
    const peak = this.exitState ? this.exitState.peak : plus(this.live, this.sincePeak);
    if (this.exitState) this.exitState.peak = this.exitState.inuse;
    const out: PeriodHeap = {
      inuse, peak, allocs: this.allocs, temporary: this.temporary,
      peakBytes: this.peakBytes, peakTimeMs: this.peakTimeMs, inuseBytes,
    };
    this.allocs = new Map();
    this.temporary = new Map();
    this.sincePeak.clear();
    this.peakBytes = inuseBytes;
    this.peakTimeMs = 0;
    return out;
  }
}
