// Labels on samples: runWithLabels(labels, fn) and the mapping from V8's samples to the label
// context that was active when each sample was taken.
//
// Two ways to learn which label set was active at a sample, one result: a timeline of label
// sets over time, which each sample is matched against at the end of its period.
//
// Sample-time (native bridge, Node 24+; Node 22 with --experimental-async-context-frame):
//   The label set lives in an AsyncLocalStorage as a token (a native object holding the set's
//   id). Node keeps every AsyncLocalStorage store in the AsyncContextFrame that V8 carries
//   across await and callbacks, so entering and leaving a context costs nothing extra; the V8
//   bridge reads the frame in its SIGPROF handler at every sample and records (time, id) when
//   the id changes (native-bridge/v8/sample-labels.cc). No hook runs per callback. The
//   bridge's layout facts are checked here (calibrate()) before it may read; if any check
//   fails, the async-hook timeline below is used instead and `labelSource` says why.
//   V8 also takes samples without a signal (when code deoptimizes, in bursts right after a
//   profile starts); until the handler has seen its first sample, nothing tells those samples
//   which context they ran in, so until then runWithLabels notes its enters and exits itself
//   (runNoted(), a few calls per profile; see the bridge).
//
// Async-hook timeline (node:inspector, Node 20, Node 22 by default):
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
import { monotonicMs } from '../runtime/node.js';

export type Labels = Readonly<Record<string, string>>;

/** The V8 bridge's sample-time label reader (see the top of this file). */
export interface SampleLabelReader {
  /** '' when it can be tried for this storage, else why not. */
  init(storage: object, capacity: number): string;
  /** A new token for label set `id` (1 to 2^30). */
  token(id: number): object;
  /** Runs the handler's lookup now: true when it finds `id` (0: no labels). */
  check(id: number): boolean;
  enable(): void;
  /** Records the label set active now, from this thread; true while runWithLabels should keep
   *  noting its enters and exits. */
  note(): boolean;
  /** [overflow time or -1, unreadable count, time, id, time, id, ...] since the last drain. */
  drain(): Float64Array;
  stop(): void;
}

/** How labels reach samples in this thread. */
export interface LabelSource {
  kind: 'sample-time' | 'async-hooks' | 'unused';
  /** Why sample-time reading is not used, when it is not. */
  reason?: string;
}

export interface LabelContextOptions {
  /** V8 clock minus monotonicMs() (runtime/node.ts), in µs. */
  clockOffset: number;
  /** Most transitions kept per period (default 1,048,576). */
  maxTransitions?: number;
  reader?: SampleLabelReader;
  /** Samples a period can hold (sizes the sample-time ring: at most one entry per sample). */
  samplesPerPeriod?: number;
}

type Token = object & { labelSet?: LabelSet };

/** Tokens kept per outer context for labels seen before (the same labels reuse one). */
const TOKEN_CACHE = 4096;
/**
 * Collected tokens after which the bridge's ring is drained early. Until a drain, every label
 * set made since the last one stays reachable (the ring may still name its id), which with a
 * label set per request (span ids) is memory in proportion to requests, not to samples.
 */
const FREED_DRAIN = 1024;
const MAX_ID = 1 << 30;

/** The value kept in AsyncLocalStorage: one immutable label set. */
export class LabelSet {
  constructor(readonly labels: Labels) {}
}

/** The transitions of one period, in time order (times in V8 microseconds). */
export interface LabelTimeline {
  times: Float64Array;
  sets: Array<LabelSet | undefined>;
  count: number;
  /** Time from which labels are unknown (the log overflowed), or Infinity. */
  unknownFrom: number;
  dropped: number;
  /** How the timeline was recorded. */
  source?: LabelSource['kind'];
  /** Samples whose label set the bridge could not read (sample-time only). */
  unreadable?: number;
}

const INITIAL = 1024;

/** `added` over (and overriding) the labels of `outer`. Key order is not kept: the core sorts. */
function mergedSet(added: ReadonlyArray<readonly [string, string]>, outer: LabelSet | undefined): LabelSet {
  const merged: Record<string, string> = outer ? { ...outer.labels } : {};
  for (const [k, v] of added) merged[k] = v;
  return new LabelSet(Object.freeze(merged));
}

/** The labels' own keys and values in their order, or undefined when a value needs validate(). */
function inputKey(labels: unknown): string | undefined {
  if (labels === null || typeof labels !== 'object') return undefined;
  let key = '';
  for (const k of Object.keys(labels)) {
    const v: unknown = (labels as Record<string, unknown>)[k];
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
    key += `${k}\u0000${String(v)}\u0001`;
  }
  return key;
}

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
  private readonly als = new AsyncLocalStorage<LabelSet | Token>();
  private hook: AsyncHook | undefined;
  private times = new Float64Array(INITIAL).fill(-Infinity, 0, 1);
  private sets: Array<LabelSet | undefined> = [undefined];
  private count = 1;
  private dropped = 0;
  private unknownFrom = Infinity;
  /** Label set of the code running now, as far as the timeline knows. */
  private current: LabelSet | undefined = undefined;
  private active = true;
  private readonly clockOffset: number;
  private readonly maxTransitions: number;
  private readonly reader: SampleLabelReader | undefined;
  private readonly ringCapacity: number;
  private source: LabelSource = { kind: 'unused' };
  // Sample-time mode: ids of label sets, tokens by the labels given, ids whose token was collected.
  private readonly byId = new Map<number, LabelSet>();
  // Tokens by the labels as given (under no outer token, or under each outer token).
  private readonly rootTokens = new Map<string, Token>();
  private readonly innerTokens = new WeakMap<Token, Map<string, Token>>();
  private freed: number[] = [];
  private nextId = 1;
  private registry: FinalizationRegistry<number> | undefined;
  private unreadable = 0;
  /** Sample-time mode: runWithLabels notes its enters and exits (until the bridge says enough). */
  private noting = false;

  constructor(options: LabelContextOptions) {
    this.clockOffset = options.clockOffset;
    this.maxTransitions = options.maxTransitions ?? 1 << 20;
    this.reader = options.reader;
    // Twice the period's samples (a period can run late), within the transition bound.
    this.ringCapacity = Math.max(1024, Math.min(this.maxTransitions, Math.ceil((options.samplesPerPeriod ?? this.maxTransitions) * 2)));
  }

  /** Label sets kept by id for samples not yet drained (sample-time mode), see FREED_DRAIN. */
  get heldSets(): number { return this.byId.size; }

  /** How labels reach samples (decided by the first runWithLabels). */
  get labelSource(): LabelSource { return this.source; }

  /** Runs fn with these labels added to (and overriding) the labels already active. */
  run<T>(labels: Labels, fn: () => T): T {
    if (typeof fn !== 'function') throw new TypeError('wasmprof: runWithLabels(labels, fn): fn must be a function');
    if (this.source.kind === 'sample-time') return this.runSampleTime(labels, fn);
    if (this.source.kind === 'unused') {
      validate(labels); // a bad first call throws before anything is chosen
      this.chooseSource();
      if (this.labelSource.kind === 'sample-time') return this.runSampleTime(labels, fn);
    }
    const set = mergedSet(validate(labels), this.setOf(this.als.getStore()));
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
  labels(): Labels | undefined { return this.setOf(this.als.getStore())?.labels; }

  /** Ends the recording for good (hooks off). */
  disable(): void {
    this.active = false;
    this.noting = false;
    this.hook?.disable();
    this.hook = undefined;
    if (this.source.kind === 'sample-time') this.reader?.stop();
  }

  private setOf(stored: LabelSet | Token | undefined): LabelSet | undefined {
    return stored instanceof LabelSet ? stored : stored?.labelSet;
  }

  /** Sample-time reading when the bridge offers it and passes every check, else the hook. */
  private chooseSource(): void {
    const reader = this.reader;
    if (!reader) { this.source = { kind: 'async-hooks', reason: 'the stack source reads no labels at sample time (node:inspector)' }; return; }
    let reason: string;
    try {
      reason = reader.init(this.als, Math.min(this.ringCapacity, 1 << 24));
      if (reason === '') reason = this.calibrate(reader);
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
    if (reason !== '') {
      reader.stop();
      this.source = { kind: 'async-hooks', reason };
      return;
    }
    this.registry = new FinalizationRegistry((id) => {
      if (this.freed.push(id) >= FREED_DRAIN && this.active) this.pull();
    });
    reader.enable();
    this.noting = true;
    this.source = { kind: 'sample-time' };
  }

  /** The bridge's lookup must find our token in frames of every shape we can make here. */
  private calibrate(reader: SampleLabelReader): string {
    const other = new AsyncLocalStorage<number>();
    const id = this.nextId++;
    const token: Token = reader.token(id);
    const checks: Array<[string, () => boolean]> = [
      ['outside any label context', () => reader.check(0)],
      ['inside runWithLabels', () => this.als.run(token, () => reader.check(id))],
      ['with another AsyncLocalStorage inside', () => this.als.run(token, () => other.run(1, () => reader.check(id)))],
      ['with another AsyncLocalStorage only', () => other.run(2, () => reader.check(0))],
      ['after leaving runWithLabels', () => { this.als.run(token, () => undefined); return reader.check(0); }],
    ];
    for (const [what, check] of checks) {
      if (!check()) return `AsyncLocalStorage is not kept where the bridge reads it (check failed: ${what}); Node 24+ keeps it there, Node 22 with --experimental-async-context-frame`;
    }
    return '';
  }

  /**
   * runWithLabels with sample-time labels. The hot path: the token these labels (own keys, in
   * their order) made last time under the same outer token, without validating, merging and
   * sorting again. A miss builds the merged set and a new token (a label set per request, e.g.
   * a span id, always misses: that is one native call and one FinalizationRegistry entry).
   */
  private runSampleTime<T>(labels: Labels, fn: () => T): T {
    const outer = this.als.getStore() as Token | undefined;
    let cache = outer === undefined ? this.rootTokens : this.innerTokens.get(outer);
    const key = inputKey(labels);
    const known = key === undefined ? undefined : cache?.get(key);
    if (known) return this.noting ? this.runNoted(known, fn) : this.als.run(known, fn);
    const token = this.newToken(mergedSet(validate(labels), outer?.labelSet));
    if (key !== undefined) {
      if (!cache) { cache = new Map(); this.innerTokens.set(outer!, cache); }
      if (cache.size >= TOKEN_CACHE) cache.clear();
      cache.set(key, token);
    }
    return this.noting ? this.runNoted(token, fn) : this.als.run(token, fn);
  }

  /** als.run with the enter and the exit recorded from this thread (see the top of this file). */
  private runNoted<T>(token: Token, fn: () => T): T {
    const reader = this.reader!;
    try {
      return this.als.run(token, () => {
        this.noting = reader.note();
        return fn();
      });
    } finally {
      // After als.run: the outer context is back, which is what samples from here on ran in.
      this.noting = reader.note() && this.active;
    }
  }

  private newToken(set: LabelSet): Token {
    while (this.byId.has(this.nextId)) this.nextId = this.nextId >= MAX_ID ? 1 : this.nextId + 1;
    const id = this.nextId;
    this.nextId = id >= MAX_ID ? 1 : id + 1;
    const token = this.reader!.token(id) as Token;
    token.labelSet = set;
    this.byId.set(id, set);
    this.registry!.register(token, id);
    return token;
  }

  /** Sample-time mode: the bridge's transitions since the last period join the timeline. */
  private pull(): void {
    const d = this.reader!.drain();
    this.unreadable = d[1];
    for (let i = 2; i + 1 < d.length; i += 2) {
      const id = d[i + 1];
      this.transitionAt(d[i], id === 0 ? undefined : this.byId.get(id));
    }
    if (d[0] >= 0 && this.unknownFrom === Infinity) { this.unknownFrom = d[0]; this.dropped++; }
    // A collected token is in no frame any more: no sample drained later can carry its id.
    for (const id of this.freed) this.byId.delete(id);
    this.freed = [];
  }

  /** Transitions since `since` are carried over into the next period; everything else is handed out. */
  take(since: number): LabelTimeline {
    if (this.source.kind === 'sample-time' && this.active) this.pull();
    const out: LabelTimeline = { times: this.times, sets: this.sets, count: this.count, unknownFrom: this.unknownFrom, dropped: this.dropped,
      source: this.source.kind, unreadable: this.unreadable };
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
  now(): number { return monotonicMs() * 1000 + this.clockOffset; }

  private transition(set: LabelSet | undefined): void {
    if (set === this.current) return;
    if (this.active) this.transitionAt(this.now(), set);
    else this.current = set;
  }

  private transitionAt(time: number, set: LabelSet | undefined): void {
    this.current = set;
    if (this.count >= this.maxTransitions) {
      if (this.unknownFrom === Infinity) this.unknownFrom = time;
      this.dropped++;
      return;
    }
    if (this.count === this.times.length) {
      const bigger = new Float64Array(Math.min(this.maxTransitions, this.times.length * 2));
      bigger.set(this.times);
      this.times = bigger;
    }
    this.times[this.count] = time;
    this.sets[this.count] = set;
    this.count++;
  }

  private ensureHook(): void {
    if (this.hook || !this.active) return;
    const als = this.als;
    this.hook = createHook({
      before: () => { this.transition(this.setOf(als.getStore())); },
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
