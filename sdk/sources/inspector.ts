// The node:inspector stack source: the fallback when the native V8 bridge is unavailable (and
// the only source in Deno). One in-thread inspector Session per source.
//
// Rotation: the native bridge starts the next profile before stopping the last. Through one
// inspector session that is not possible — the Profiler domain of a session runs at most one
// profile (a second Profiler.start while one runs is ignored) — so rotate() is stop, then start.
// Consequences, both documented in docs/configuration.md:
//   * the samples V8 would take between the stop and the start are lost (a gap of the stop's
//     duration, typically a few ms; V8 serialises the whole profile to JSON during the stop);
//   * the stop serialises and parses the period's profile on this thread, which stalls the event
//     loop (tens of ms for a large program; the native bridge avoids this).
// Each operation is written once, as a generator of protocol commands; a session runs it either
// at once (an in-thread session answers before post() returns: Node does, Deno does through
// answerNow() in sdk/runtime/deno.ts; what the exit path needs) or command by command as the
// answers come (a runtime that answers later: the sources then have no `sync` side and a profiler
// must be stopped with `await stop()`).
import type { Session } from 'node:inspector';
import { answerNow } from '../runtime/deno.js';
import type { CpuSource, HeapSource, HeapStartOptions, RawCpuProfile, RawHeapProfile, SyncCpuSource, SyncHeapSource } from './types.js';
import { allocationsOffNote, allocationsWarning, INSPECTOR_ALLOCATIONS_UNAVAILABLE } from './heap-allocations.js';
import { warnOnce } from '../runtime/report.js';
import { builtin } from '../runtime/builtin.js';
import { enableDetailedLineInfo } from '../runtime/node.js';

// Loaded when an inspector source is made: with the native bridge, never.
const inspector = builtin<typeof import('node:inspector')>('node:inspector');
const v8 = builtin<typeof import('node:v8')>('node:v8');
const vm = builtin<typeof import('node:vm')>('node:vm');

type Params = Record<string, unknown>;

let gcFunction: (() => void) | undefined;

/**
 * A synchronous full GC. The inspector's HeapProfiler.collectGarbage answers from a later task,
 * which does not run while the program is busy right after start(); V8's own gc() does, and
 * exposing it for one new context leaves the program's global object as it was.
 */
function fullGc(): void {
  try {
    if (!gcFunction) {
      v8().setFlagsFromString('--expose-gc');
      gcFunction = vm().runInNewContext('gc') as () => void;
      v8().setFlagsFromString('--no-expose-gc');
    }
    gcFunction();
  } catch {
    // A runtime without these V8 hooks: profiles may charge such loops to their callers.
  }
}

/** One protocol command: method and parameters. */
type Command = [method: string, params?: Params];
/** An operation: yields commands, receives each one's answer, returns its result. */
type Operation<T> = Generator<Command, T, unknown>;

/** An in-thread inspector session that runs operations now (Node) or as answers arrive (Deno). */
export class InspectorSession {
  private session: Session | undefined = new (inspector().Session)();
  /** Throws when the runtime refuses the inspector (Deno without --allow-sys). */
  constructor() { this.session!.connect(); }

  /** Runs `op` to the end before returning; throws if the runtime answers later. */
  runNow<T>(op: Operation<T>): T {
    let step = op.next();
    while (!step.done) {
      const [method, params] = step.value;
      let answered = false, error: Error | null = null, result: unknown;
      this.send(method, params, (err, res) => { answered = true; error = err; result = res; });
      if (!answered) error = new Error(`wasmprof: inspector did not answer ${method} synchronously`);
      step = error ? op.throw(error) : op.next(result);
    }
    return step.value;
  }

  /** Runs `op`, waiting for each answer. */
  async run<T>(op: Operation<T>): Promise<T> {
    let step = op.next();
    while (!step.done) {
      const [method, params] = step.value;
      let error: Error | null = null, result: unknown;
      await new Promise<void>((done) => this.send(method, params, (err, res) => { error = err; result = res; done(); }));
      step = error ? op.throw(error) : op.next(result);
    }
    return step.value;
  }

  /** True when the runtime answers before post() returns (probed with two harmless commands). */
  answersNow(): boolean {
    try {
      this.runNow((function* (): Operation<void> { yield ['Profiler.enable']; yield ['Profiler.disable']; })());
      return true;
    } catch {
      return false;
    }
  }

  /** One command, answered whenever the runtime answers. */
  post<T>(method: string, params?: Params): Promise<T> {
    return this.run((function* (): Operation<T> { return (yield [method, params]) as T; })());
  }

  close(): void {
    try { this.session?.disconnect(); } catch { /* already gone */ }
    this.session = undefined;
  }

  private send(method: string, params: Params | undefined, answer: (err: Error | null, res: unknown) => void): void {
    const s = this.session;
    if (!s) { answer(new Error(`wasmprof: inspector session closed (${method})`), undefined); return; }
    answerNow(() => s.post(method, params ?? {}, (err, res) => answer(err ? new Error(`wasmprof: inspector ${method} failed: ${err.message}`) : null, res)));
  }
}

/** The default for a source: Node answers in the same call; in Deno select.ts probes (answersNow). */
function answersNow(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno === 'undefined';
}

/** Runs a source's start operation; on failure the session is closed and forgotten. */
async function open(s: InspectorSession, now: boolean, op: Operation<void>, forget: () => void): Promise<void> {
  try {
    if (now) s.runNow(op); else await s.run(op);
  } catch (err) {
    forget();
    s.close();
    throw err;
  }
}

function normalize(p: RawCpuProfile): RawCpuProfile {
  return { nodes: p.nodes, startTime: p.startTime, endTime: p.endTime, samples: p.samples ?? [], timeDeltas: p.timeDeltas ?? [] };
}

export class InspectorCpuSource implements CpuSource {
  readonly kind = 'inspector' as const;
  readonly sync: SyncCpuSource | undefined;
  private session: InspectorSession | undefined;

  constructor(now: boolean = answersNow()) {
    this.sync = now ? { rotate: () => this.need().runNow(this.rotateOp()), stop: () => this.need().runNow(this.stopOp()) } : undefined;
  }

  async start(intervalMicros: number, options?: { fresh?: boolean }): Promise<void> {
    if (this.session) throw new Error('wasmprof: the CPU profile is already running');
    // Only this source sets the flag: the native bridge's profiler needs none (Node turns
    // detailed source positions on for every isolate), and loading node:v8 to set one would be
    // start-up CPU in every profiled process.
    enableDetailedLineInfo();
    const s = new InspectorSession();
    this.session = s;
    // The profiler the inspector creates learns existing code by walking functions, which misses
    // on-stack-replacement code: a hot loop compiled that way before now (say, under an earlier
    // profile) would be charged to its caller. A full GC first drops that code and V8 recompiles
    // it under the profiler's logging — what the native bridge does at its start, too.
    if (options?.fresh !== true) fullGc();
    const interval = Math.max(1, Math.round(intervalMicros));
    await open(s, this.sync !== undefined, (function* (): Operation<void> {
      yield ['Profiler.enable'];
      yield ['Profiler.setSamplingInterval', { interval }];
      yield ['Profiler.start'];
    })(), () => { this.session = undefined; });
  }

  async rotate(): Promise<RawCpuProfile> { return this.need().run(this.rotateOp()); }
  async stop(): Promise<RawCpuProfile> { return this.need().run(this.stopOp()); }

  /** Stop, then start again (see the note at the top: one session cannot overlap two profiles). */
  private *rotateOp(): Operation<RawCpuProfile> {
    const { profile } = (yield ['Profiler.stop']) as { profile: RawCpuProfile };
    yield ['Profiler.start'];
    return normalize(profile);
  }

  private *stopOp(): Operation<RawCpuProfile> {
    const s = this.session;
    this.session = undefined;
    try {
      const { profile } = (yield ['Profiler.stop']) as { profile: RawCpuProfile };
      try { yield ['Profiler.disable']; } catch { /* best effort */ }
      return normalize(profile);
    } finally {
      s?.close();
    }
  }

  private need(): InspectorSession {
    if (!this.session) throw new Error('wasmprof: the CPU profile is not running');
    return this.session;
  }
}

export class InspectorHeapSource implements HeapSource {
  readonly kind = 'inspector' as const;
  readonly sync: SyncHeapSource | undefined;
  /** The protocol can keep collected samples (includeObjectsCollectedBy*) but not say which of
   *  them are live, so allocations are never counted here (heap-allocations.ts). */
  readonly allocationsUnavailable = INSPECTOR_ALLOCATIONS_UNAVAILABLE;
  private session: InspectorSession | undefined;
  private refused = false;

  constructor(now: boolean = answersNow()) {
    this.sync = now ? { profile: () => this.need().runNow(this.profileOp()), stop: () => { this.session?.runNow(this.stopOp()); } } : undefined;
  }

  /** The inspector protocol has no stack-depth parameter (V8 keeps 128 frames). */
  async start(intervalBytes: number, _stackDepth: number, options?: HeapStartOptions): Promise<void> {
    if (this.session) throw new Error('wasmprof: the heap profile is already running');
    this.refused = options?.allocations === true;
    if (this.refused) warnOnce('heap allocations', allocationsWarning(this.allocationsUnavailable));
    const s = new InspectorSession();
    this.session = s;
    await open(s, this.sync !== undefined, (function* (): Operation<void> {
      yield ['HeapProfiler.enable'];
      yield ['HeapProfiler.startSampling', { samplingInterval: intervalBytes }];
    })(), () => { this.session = undefined; });
  }

  async profile(): Promise<RawHeapProfile> { return this.need().run(this.profileOp()); }

  /** Idempotent: stopping a stopped source does nothing. */
  async stop(): Promise<void> { await this.session?.run(this.stopOp()); }

  private *profileOp(): Operation<RawHeapProfile> {
    const profile = ((yield ['HeapProfiler.getSamplingProfile']) as { profile: RawHeapProfile }).profile;
    if (this.refused) profile.notes = [allocationsOffNote(this.allocationsUnavailable)];
    return profile;
  }

  private *stopOp(): Operation<void> {
    const s = this.session;
    this.session = undefined;
    try {
      yield ['HeapProfiler.stopSampling'];
      yield ['HeapProfiler.disable'];
    } catch { /* best effort */ } finally {
      s?.close();
    }
  }

  private need(): InspectorSession {
    if (!this.session) throw new Error('wasmprof: the heap profile is not running');
    return this.session;
  }
}

/** The sources as a runtime that answers later gets them (no `sync` side). */
export class AsyncInspectorCpuSource extends InspectorCpuSource {
  constructor() { super(false); }
}
export class AsyncInspectorHeapSource extends InspectorHeapSource {
  constructor() { super(false); }
}
/** @deprecated name: the session is one class for both runtimes. */
export const AsyncSession = InspectorSession;
export type AsyncSession = InspectorSession;

/** A CPU source that takes no samples: what a profiler gets when the inspector is refused
 *  (Deno without --allow-sys). Its periods are empty; the program runs unprofiled. */
export class OffCpuSource implements CpuSource {
  readonly kind = 'inspector' as const;
  readonly sync: SyncCpuSource = { rotate: () => this.empty(), stop: () => this.empty() };
  private startMicros = 0;
  async start(): Promise<void> { this.startMicros = performance.now() * 1000; }
  async rotate(): Promise<RawCpuProfile> { return this.empty(); }
  async stop(): Promise<RawCpuProfile> { return this.empty(); }
  private empty(): RawCpuProfile {
    const now = performance.now() * 1000;
    const root = { id: 1, callFrame: { functionName: '(root)', url: '', scriptId: '0', lineNumber: -1, columnNumber: -1 }, children: [] };
    const p: RawCpuProfile = { nodes: [root], startTime: this.startMicros, endTime: now, samples: [], timeDeltas: [] };
    this.startMicros = now;
    return p;
  }
}

/** The heap counterpart of OffCpuSource: no live allocations. */
export class OffHeapSource implements HeapSource {
  readonly kind = 'inspector' as const;
  readonly sync: SyncHeapSource = { profile: () => OffHeapSource.emptyProfile(), stop: () => undefined };
  readonly allocationsUnavailable = 'the heap is not profiled (node:inspector was refused)';
  async start(): Promise<void> { /* nothing to start */ }
  async profile(): Promise<RawHeapProfile> { return OffHeapSource.emptyProfile(); }
  private static emptyProfile(): RawHeapProfile {
    return { head: { id: 1, callFrame: { functionName: '(root)', url: '', scriptId: '0', lineNumber: -1, columnNumber: -1 }, selfSize: 0, children: [] }, samples: [] };
  }
  async stop(): Promise<void> { /* nothing to stop */ }
}
