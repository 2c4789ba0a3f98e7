// Labels on samples: runWithLabels(labels, fn) and the mapping from V8's samples to the label
// context that was active when each sample was taken.
//
// Approach — a timeline of context transitions:
//   * The label set lives in an AsyncLocalStorage, so it follows fn into the async work it starts
//     (promises, timers, I/O callbacks, across `await`).
//   * V8 samples the thread from another thread and stamps each sample with its monotonic clock;
//     it cannot tell which AsyncLocalStorage store was active. So the profiler records every
//     point where the active label set of this thread changes, with a timestamp on the same
//     clock: on entry to and exit from runWithLabels, and in the async_hooks `before` callback,
//     which Node calls whenever it is about to run JavaScript in an async context (timers, I/O
//     callbacks, promise continuations, nextTick). A transition is only recorded when the label
//     set differs from the last one recorded, so the continuations of one request in a row cost
//     one transition, not one per hop.
//   * No `after` hook: when a callback returns, the next JavaScript to run is another callback
//     (whose `before` records its context) — only native work and idle time lie in between, and
//     they keep the last callback's labels. Idle samples get no user labels at all (in the
//     collector), so what is left is native work right after a labelled callback (e.g. the
//     write of its response) being counted as that callback's — which is where it belongs.
//   * At the end of a period each sample takes the label set of the last transition at or
//     before its timestamp (one merge pass over two sorted sequences).
// Precision: both clocks are the same CLOCK_MONOTONIC; the transition is stamped a few hundred
// nanoseconds after Node switched contexts, so only a sample that lands in that window is
// attributed to the previous context. The hook is installed on the first runWithLabels call:
// a program that never uses labels pays nothing for it.
// Bounds: at most `maxTransitions` per period (default 1,048,576, ~12 MiB); past that, further
// transitions are counted as dropped and samples after the overflow carry no labels.
import { AsyncLocalStorage, createHook, type AsyncHook } from 'node:async_hooks';

export type Labels = Readonly<Record<string, string>>;

/** The value kept in AsyncLocalStorage: one immutable label set. */
export class LabelSet {
  constructor(readonly labels: Labels, readonly entries: ReadonlyArray<readonly [string, string]>) {}
}

/** The transitions of one period, in time order (times in V8 microseconds). */
export interface LabelTimeline {
  times: Float64Array;
  sets: Array<LabelSet | undefined>;
  count: number;
  /** Time from which labels are unknown (the log overflowed), or Infinity. */
  unknownFrom: number;
  dropped: number;
}

const INITIAL = 1024;

function validate(labels: unknown): Array<[string, string]> {
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
    throw new TypeError('wasmprof: runWithLabels needs an object of string labels, e.g. { route: "/users" }');
  }
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    if (k === '') throw new TypeError('wasmprof: runWithLabels: a label key must not be empty');
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new TypeError(`wasmprof: runWithLabels: label "${k}" must be a string (got ${v === null ? 'null' : typeof v})`);
    }
    out.push([k, String(v)]);
  }
  return out;
}

export class LabelContext {
  private readonly als = new AsyncLocalStorage<LabelSet>();
  private hook: AsyncHook | undefined;
  private times = new Float64Array(INITIAL).fill(-Infinity, 0, 1);
  private sets: Array<LabelSet | undefined> = [undefined];
  private count = 1;
  private dropped = 0;
  private unknownFrom = Infinity;
  /** Label set of the code running now, as far as the timeline knows. */
  private current: LabelSet | undefined = undefined;
  private active = true;

  constructor(private readonly clockOffset: number, private readonly maxTransitions = 1 << 20) {}

  /** Runs fn with these labels added to (and overriding) the labels already active. */
  run<T>(labels: Labels, fn: () => T): T {
    if (typeof fn !== 'function') throw new TypeError('wasmprof: runWithLabels(labels, fn): fn must be a function');
    const added = validate(labels);
    const outer = this.als.getStore();
    const merged: Record<string, string> = outer ? { ...outer.labels } : {};
    for (const [k, v] of added) merged[k] = v;
    const entries = Object.keys(merged).sort().map((k) => [k, merged[k]] as const);
    const set = new LabelSet(Object.freeze(merged), entries);
    this.ensureHook();
    return this.als.run(set, () => {
      const before = this.current;
      this.transition(set);
      try {
        return fn();
      } finally {
        this.transition(before);
      }
    });
  }

  /** The labels active in the calling context. */
  labels(): Labels | undefined { return this.als.getStore()?.labels; }

  /** Ends the recording for good (hooks off). */
  disable(): void {
    this.active = false;
    this.hook?.disable();
    this.hook = undefined;
  }

  /** Transitions since `since` are carried over into the next period; everything else is handed out. */
  take(since: number): LabelTimeline {
    const out: LabelTimeline = { times: this.times, sets: this.sets, count: this.count, unknownFrom: this.unknownFrom, dropped: this.dropped };
    // The next period starts with the state just before `since` and every transition after it
    // (a source that starts the next profile before stopping the last has samples there).
    // Entry 0 is always at -Infinity, so `first` stays >= 1.
    let first = this.count;
    while (first > 0 && this.times[first - 1] >= since) first--;
    const overflowed = this.dropped > 0;
    const carried = overflowed ? 0 : this.count - first;
    const times = new Float64Array(Math.max(INITIAL, (carried + 1) * 2));
    const sets: Array<LabelSet | undefined> = [overflowed ? this.current : this.sets[first - 1]];
    times[0] = -Infinity;
    for (let i = 0; i < carried; i++) { times[i + 1] = this.times[first + i]; sets.push(this.sets[first + i]); }
    this.times = times;
    this.sets = sets;
    this.count = carried + 1;
    this.dropped = 0;
    this.unknownFrom = Infinity;
    return out;
  }

  /** V8 microseconds now. */
  now(): number { return performance.now() * 1000 + this.clockOffset; }

  private transition(set: LabelSet | undefined): void {
    if (set === this.current) return;
    this.current = set;
    if (!this.active) return;
    if (this.count >= this.maxTransitions) {
      if (this.unknownFrom === Infinity) this.unknownFrom = this.now();
      this.dropped++;
      return;
    }
    if (this.count === this.times.length) {
      const bigger = new Float64Array(Math.min(this.maxTransitions, this.times.length * 2));
      bigger.set(this.times);
      this.times = bigger;
    }
    this.times[this.count] = this.now();
    this.sets[this.count] = set;
    this.count++;
  }

  private ensureHook(): void {
    if (this.hook || !this.active) return;
    const als = this.als;
    this.hook = createHook({
      before: () => { this.transition(als.getStore()); },
    });
    this.hook.enable();
  }
}

/** Walks a timeline in time order: label set at t, for non-decreasing t. */
export class TimelineCursor {
  private i = 0;
  constructor(private readonly t: LabelTimeline) {}

  /** The label set at time t; null when unknown (the log had overflowed). */
  at(time: number): LabelSet | undefined | null {
    if (time >= this.t.unknownFrom) return null;
    const { times, count } = this.t;
    while (this.i + 1 < count && times[this.i + 1] <= time) this.i++;
    if (count === 0 || times[this.i] > time) return undefined;
    return this.t.sets[this.i];
  }
}
