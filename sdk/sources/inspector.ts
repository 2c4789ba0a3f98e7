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
// An in-thread session answers synchronously, which is what stopSync() relies on to write the
// last period from a process 'exit' handler.
import { Session } from 'node:inspector';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CpuSource, HeapSource, RawCpuProfile, RawHeapProfile } from './types.js';

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
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
      setFlagsFromString('--no-expose-gc');
    }
    gcFunction();
  } catch {
    // A runtime without these V8 hooks: profiles may charge such loops to their callers.
  }
}

class SyncSession {
  private session: Session | undefined = new Session();
  constructor() { this.session!.connect(); }

  /** Posts a command; an in-thread session answers before post() returns. */
  post<T>(method: string, params?: Params): T {
    const s = this.session;
    if (!s) throw new Error(`wasmprof: inspector session closed (${method})`);
    let done = false, result: T | undefined, error: Error | null = null;
    s.post(method, params ?? {}, (err, res) => { done = true; error = err; result = res as T; });
    if (!done) throw new Error(`wasmprof: inspector did not answer ${method} synchronously`);
    if (error) throw new Error(`wasmprof: inspector ${method} failed: ${(error as Error).message}`);
    return result as T;
  }

  close(): void {
    try { this.session?.disconnect(); } catch { /* already gone */ }
    this.session = undefined;
  }
}

export class InspectorCpuSource implements CpuSource {
  readonly kind = 'inspector' as const;
  private session: SyncSession | undefined;
  private running = false;

  async start(intervalMicros: number): Promise<void> { this.startSync(intervalMicros); }

  startSync(intervalMicros: number): void {
    if (this.running) throw new Error('wasmprof: the CPU profile is already running');
    this.session = new SyncSession();
    // The profiler the inspector creates learns existing code by walking functions, which misses
    // on-stack-replacement code: a hot loop compiled that way before now (say, under an earlier
    // profile) would be charged to its caller. A full GC first drops that code and V8 recompiles
    // it under the profiler's logging — what the native bridge does at its start, too.
    fullGc();
    this.session.post('Profiler.enable');
    this.session.post('Profiler.setSamplingInterval', { interval: Math.max(1, Math.round(intervalMicros)) });
    this.session.post('Profiler.start');
    this.running = true;
  }

  async rotate(): Promise<RawCpuProfile> { return this.rotateSync(); }

  /** Stop, then start again (see the note at the top: one session cannot overlap two profiles). */
  rotateSync(): RawCpuProfile {
    const s = this.need();
    const { profile } = s.post<{ profile: RawCpuProfile }>('Profiler.stop');
    s.post('Profiler.start');
    return normalize(profile);
  }

  async stop(): Promise<RawCpuProfile> { return this.stopSync(); }

  stopSync(): RawCpuProfile {
    const s = this.need();
    try {
      const { profile } = s.post<{ profile: RawCpuProfile }>('Profiler.stop');
      try { s.post('Profiler.disable'); } catch { /* best effort */ }
      return normalize(profile);
    } finally {
      s.close();
      this.session = undefined;
      this.running = false;
    }
  }

  private need(): SyncSession {
    if (!this.session || !this.running) throw new Error('wasmprof: the CPU profile is not running');
    return this.session;
  }
}

function normalize(p: RawCpuProfile): RawCpuProfile {
  return { nodes: p.nodes, startTime: p.startTime, endTime: p.endTime, samples: p.samples ?? [], timeDeltas: p.timeDeltas ?? [] };
}

export class InspectorHeapSource implements HeapSource {
  readonly kind = 'inspector' as const;
  private session: SyncSession | undefined;

  async start(intervalBytes: number, _stackDepth: number): Promise<void> { this.startSync(intervalBytes); }

  /** The inspector protocol has no stack-depth parameter (V8 keeps 128 frames). */
  startSync(intervalBytes: number): void {
    if (this.session) throw new Error('wasmprof: the heap profile is already running');
    this.session = new SyncSession();
    this.session.post('HeapProfiler.enable');
    this.session.post('HeapProfiler.startSampling', { samplingInterval: intervalBytes });
  }

  async profile(): Promise<RawHeapProfile> { return this.profileSync(); }

  profileSync(): RawHeapProfile {
    if (!this.session) throw new Error('wasmprof: the heap profile is not running');
    return this.session.post<{ profile: RawHeapProfile }>('HeapProfiler.getSamplingProfile').profile;
  }

  async stop(): Promise<void> { this.stopSync(); }

  stopSync(): void {
    const s = this.session;
    if (!s) return;
    try {
      s.post('HeapProfiler.stopSampling');
      s.post('HeapProfiler.disable');
    } catch { /* best effort */ } finally {
      s.close();
      this.session = undefined;
    }
  }
}

// --- Deno ---
// Deno's node:inspector answers in a later turn of the event loop, so the Deno sources below are
// asynchronous only: they have no rotateSync/stopSync, and a profiler using them cannot write its
// last period from a process 'exit' handler (stop() it instead). Rotation is stop, then start, as
// above, with the gap of one round trip in between.

/** An in-thread inspector session whose answers may come asynchronously (Deno). */
export class AsyncSession {
  private session: Session | undefined = new Session();
  /** Throws when the runtime refuses the inspector (Deno without --allow-sys). */
  constructor() { this.session!.connect(); }

  post<T>(method: string, params?: Params): Promise<T> {
    const s = this.session;
    if (!s) return Promise.reject(new Error(`wasmprof: inspector session closed (${method})`));
    return new Promise<T>((resolve, reject) => {
      s.post(method, params ?? {}, (err, res) => {
        if (err) reject(new Error(`wasmprof: inspector ${method} failed: ${err.message}`));
        else resolve(res as T);
      });
    });
  }

  close(): void {
    try { this.session?.disconnect(); } catch { /* already gone */ }
    this.session = undefined;
  }
}

export class AsyncInspectorCpuSource implements CpuSource {
  readonly kind = 'inspector' as const;
  private session: AsyncSession | undefined;

  async start(intervalMicros: number): Promise<void> {
    if (this.session) throw new Error('wasmprof: the CPU profile is already running');
    const s = new AsyncSession();
    this.session = s;
    await s.post('Profiler.enable');
    await s.post('Profiler.setSamplingInterval', { interval: Math.max(1, Math.round(intervalMicros)) });
    await s.post('Profiler.start');
  }

  async rotate(): Promise<RawCpuProfile> {
    const s = this.need();
    const { profile } = await s.post<{ profile: RawCpuProfile }>('Profiler.stop');
    await s.post('Profiler.start');
    return normalize(profile);
  }

  async stop(): Promise<RawCpuProfile> {
    const s = this.need();
    this.session = undefined;
    try {
      const { profile } = await s.post<{ profile: RawCpuProfile }>('Profiler.stop');
      await s.post('Profiler.disable').catch(() => undefined);
      return normalize(profile);
    } finally {
      s.close();
    }
  }

  private need(): AsyncSession {
    if (!this.session) throw new Error('wasmprof: the CPU profile is not running');
    return this.session;
  }
}

export class AsyncInspectorHeapSource implements HeapSource {
  readonly kind = 'inspector' as const;
  private session: AsyncSession | undefined;

  async start(intervalBytes: number, _stackDepth: number): Promise<void> {
    if (this.session) throw new Error('wasmprof: the heap profile is already running');
    const s = new AsyncSession();
    this.session = s;
    await s.post('HeapProfiler.enable');
    await s.post('HeapProfiler.startSampling', { samplingInterval: intervalBytes });
  }

  async profile(): Promise<RawHeapProfile> {
    if (!this.session) throw new Error('wasmprof: the heap profile is not running');
    return (await this.session.post<{ profile: RawHeapProfile }>('HeapProfiler.getSamplingProfile')).profile;
  }

  async stop(): Promise<void> {
    const s = this.session;
    if (!s) return;
    this.session = undefined;
    try {
      await s.post('HeapProfiler.stopSampling');
      await s.post('HeapProfiler.disable');
    } catch { /* best effort */ } finally {
      s.close();
    }
  }
}

/** A CPU source that takes no samples: what a profiler gets when the inspector is refused
 *  (Deno without --allow-sys). Its periods are empty; the program runs unprofiled. */
export class OffCpuSource implements CpuSource {
  readonly kind = 'inspector' as const;
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
  async start(): Promise<void> { /* nothing to start */ }
  async profile(): Promise<RawHeapProfile> {
    return { head: { id: 1, callFrame: { functionName: '(root)', url: '', scriptId: '0', lineNumber: -1, columnNumber: -1 }, selfSize: 0, children: [] }, samples: [] };
  }
  async stop(): Promise<void> { /* nothing to stop */ }
}
