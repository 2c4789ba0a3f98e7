// Loader for the V8 part of the native bridge (native-bridge/v8, C++ against the running Node's
// own V8 headers), and the native CpuSource / HeapSource built on it.
//
// The addon hands over flat typed arrays (pre-order nodes with parent indexes, a per-period table
// of distinct call frames, samples, deltas); v8-shape.ts turns them into the DevTools-shaped
// objects of types.ts. See docs/native-bridge.md.
//
// Loading never throws: on failure the result is `{ error }`, one line for the SDK's single
// warning, and the SDK uses node:inspector instead.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { AllocationMark, CpuSource, HeapSource, HeapStartOptions, RawCpuProfile, RawHeapProfile, SyncCpuSource, SyncHeapSource } from './types.js';
import { binaryCandidates, buildFailureReason, explain, missingBinary, packageRoot, type BinaryCandidate } from '../runtime/addon-files.js';
import { messageOf, oneLine, warnOnce } from '../runtime/report.js';
import type { SampleLabelReader } from './labels.js';

/** Bumped with the addon's JS surface; an addon with another value is treated as stale. */
const ABI_VERSION = 1;

interface RawAddon {
  abiVersion: number;
  cpuStart(intervalMicros: number, collectFirst?: boolean): void;
  cpuRotate(): NativeCpuPeriod;
  cpuStop(): NativeCpuPeriod;
  cpuRelease(): number;
  cpuRunning(): boolean;
  lastTimings(): Float64Array;
  threadCpuMicros(): number;
  heapStart(intervalBytes: number, stackDepth: number, keepCollected?: boolean): void;
  heapProfile(): NativeHeapProfile;
  heapStop(): void;
  heapRunning(): boolean;
  /** Whether heapProfile() says which samples are live (a V8 with AllocationProfile::Sample::
   *  is_live, Node 26); absent from builds before it was added. */
  heapLiveness?: boolean;
  // Sample-time labels (native-bridge/v8/sample-labels.cc); absent from older builds.
  labelsInit?(storage: object, capacity: number): string;
  labelToken?(id: number): object;
  labelsCheck?(id: number): boolean;
  labelsEnable?(): void;
  labelsNote?(): boolean;
  labelsDrain?(): Float64Array;
  labelsStop?(): void;
}

const RAW_FUNCTIONS = [
  'cpuStart',
  'cpuRotate',
  'cpuStop',
  'cpuRelease',
  'cpuRunning',
  'lastTimings',
  'threadCpuMicros',
  'heapStart',
  'heapProfile',
  'heapStop',
  'heapRunning',
] as const;

/** Where the time of the last rotate()/stop() went (wall-clock µs). */
export interface RotationTimings {
  /** V8: starting the next profile (0 for stop()). */
  startMicros: number;
  /** V8: stopping the ended profile (V8 also streams its trace events here). */
  stopMicros: number;
  /** Addon: flattening the profile into typed arrays and strings. */
  flattenMicros: number;
  /** V8: deleting the profile. For rotate() this happens in a setImmediate after it returned
   *  (0 until then), so it is not part of the rotation's stall. */
  deleteMicros: number;
  /** This module: building the DevTools-shaped objects from the flat data. */
  shapeMicros: number;
  /** Samples dropped because the period before already had them (start-before-stop overlap). */
  droppedOverlap: number;
}

/** The native CPU source, with diagnostics beyond the CpuSource contract. */
export interface NativeCpuSource extends CpuSource {
  readonly kind: 'native';
  /** Timings of the last rotate() or stop(). */
  lastTimings(): RotationTimings;
}

export interface NativeCpuOptions {
  /**
   * Run one full (memory-pressure) GC before the thread's profiler is created, i.e. at each
   * start() after a stop() (default true; stop() disposes the profiler). Without it, hot loops that V8 compiled with
   * on-stack replacement before that point have their samples attributed to their caller
   * until V8 recompiles them. See docs/native-bridge.md.
   */
  collectGarbageFirst?: boolean;
}

export interface NativeHeapSource extends HeapSource {
  readonly kind: 'native';
}

export interface NativeHeapOptions {
  /** With allocations counted: samples of collected objects kept before V8's sampler is
   *  restarted at a period's end (default COLLECTED_SAMPLE_CAP; tests make it small). */
  collectedSampleCap?: number;
}

export interface V8Bridge {
  /** Absolute path of the loaded .node file. */
  readonly path: string;
  /** Where that file came from: the package's prebuild, a build from source, or a given path. */
  readonly origin: BinaryCandidate['origin'];
  /** A CPU source for the calling thread's isolate. All sources of one thread share V8's
   *  profiler state, so only one of them can be started at a time. */
  cpu(options?: NativeCpuOptions): NativeCpuSource;
  /** A heap source for the calling thread's isolate (V8 has one sampling heap profiler per
   *  isolate, shared with node:inspector). */
  heap(options?: NativeHeapOptions): NativeHeapSource;
  /** CPU time used by the calling thread so far (µs), as the addon measures it. */
  threadCpuMicros(): number;
  /** Labels read at each CPU sample, where this addon has them (see sources/labels.ts). */
  sampleLabels(): SampleLabelReader | undefined;
}

export type V8BridgeLoad = V8Bridge | { error: string };

export interface V8BridgeLoadOptions {
  /** Path of the .node file; default: the package's own build output. */
  path?: string;
  /** Build status written by native-bridge/build.mjs, consulted to explain a missing addon
   *  (default: the package's own, when `path` is the default too). */
  statusPath?: string;
}

import { shapeCpu, shapeHeap, shapeHeapWindow, warmShaping, type NativeCpuPeriod, type NativeHeapProfile } from './v8-shape.js';
import { allocationNotes, allocationsOffNote, allocationsWarning, COLLECTED_SAMPLE_CAP, restartNote } from './heap-allocations.js';
import { monotonicMs } from '../runtime/node.js';

// ------------------------------------------------------------------------------------ loading

function isRawAddon(x: unknown): x is RawAddon {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return RAW_FUNCTIONS.every((k) => typeof o[k] === 'function');
}

const FALLBACK = 'CPU and heap profiles come from node:inspector (its period rotation stalls the event loop far longer)';

const loaded = new Map<string, V8Bridge>();

/**
 * Loads the addon for the calling thread: the first of its candidate files (a build from source
 * for this ABI, then the package's prebuild for this ABI; see addon-files.ts) that loads. Never
 * throws: on failure the result is `{ error }`, one complete line saying why, that node:inspector
 * is used instead, and how to fix it.
 */
export function loadV8Bridge(options: V8BridgeLoadOptions = {}): V8BridgeLoad {
  if (typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined') {
    return { error: `V8 profiler addon unavailable: running under Deno, whose addons cannot reach V8's C++ profiler API; ${FALLBACK}` };
  }
  const root = packageRoot();
  const candidates: BinaryCandidate[] = options.path !== undefined ? [{ path: resolve(options.path), origin: 'given path' }] : binaryCandidates('v8', root);
  for (const c of candidates) {
    const cached = loaded.get(c.path);
    if (cached) return cached;
  }
  if (candidates.length === 0 || (options.path !== undefined && !existsSync(candidates[0].path))) {
    if (options.path === undefined) return { error: explain(missingBinary('v8', 'V8 profiler addon', root), FALLBACK) };
    const why = options.statusPath === undefined ? undefined : buildFailureReason(options.statusPath, 'v8');
    return {
      error: explain(
        { why: `V8 profiler addon not found at ${options.path}${why ? ` (its build failed: ${why})` : ' (not built; npm may have skipped install scripts)'}`, fix: 'run `npm run build:native`' },
        FALLBACK,
      ),
    };
  }
  const failures: string[] = [];
  for (const c of candidates) {
    const r = loadCandidate(c);
    if (typeof r === 'string') failures.push(r);
    else return r;
  }
  return { error: explain({ why: failures.join('; '), fix: 'reinstall wasmprof, or rebuild it from source with `npm rebuild wasmprof` (in a clone: `npm run build:native`)' }, FALLBACK) };
}

/** The bridge from one file, or why that file cannot be used. */
function loadCandidate(c: BinaryCandidate): V8Bridge | string {
  const { path } = c;
  let raw: unknown;
  try {
    raw = createRequire(import.meta.url)(path);
  } catch (err) {
    return oneLine(`V8 profiler addon (${c.origin}) at ${path} failed to load: ${messageOf(err)}`);
  }
  if (!isRawAddon(raw) || raw.abiVersion !== ABI_VERSION) {
    return oneLine(`V8 profiler addon (${c.origin}) at ${path} has unexpected exports (a stale build)`);
  }
  const addon = raw;
  const bridge: V8Bridge = {
    path,
    origin: c.origin,
    cpu: (options?: NativeCpuOptions) => new NativeCpu(addon, options?.collectGarbageFirst ?? true),
    heap: (options?: NativeHeapOptions) => new NativeHeap(addon, options?.collectedSampleCap ?? COLLECTED_SAMPLE_CAP),
    threadCpuMicros: () => addon.threadCpuMicros(),
    sampleLabels: () => sampleLabelReader(addon),
  };
  loaded.set(path, bridge);
  return bridge;
}

/** The addon's sample-time label functions, when this build has them. */
function sampleLabelReader(addon: RawAddon): SampleLabelReader | undefined {
  const { labelsInit, labelToken, labelsCheck, labelsEnable, labelsNote, labelsDrain, labelsStop } = addon;
  if (!labelsInit || !labelToken || !labelsCheck || !labelsEnable || !labelsNote || !labelsDrain || !labelsStop) return undefined;
  return {
    init: (storage, capacity) => labelsInit.call(addon, storage, capacity),
    token: (id) => labelToken.call(addon, id),
    check: (id) => labelsCheck.call(addon, id),
    enable: () => labelsEnable.call(addon),
    note: () => labelsNote.call(addon),
    drain: () => labelsDrain.call(addon),
    stop: () => labelsStop.call(addon),
  };
}

// ------------------------------------------------------------------------------------ sources

class NativeCpu implements NativeCpuSource {
  readonly kind = 'native' as const;
  private shapeMicros = 0;
  private dropped = 0;

  constructor(
    private readonly addon: RawAddon,
    private readonly collectFirst: boolean,
  ) {}

  async start(intervalMicros: number, options?: { fresh?: boolean }): Promise<void> {
    this.addon.cpuStart(intervalMicros, this.collectFirst && options?.fresh !== true);
  }

  warm(): void { warmShaping(); }

  /** V8's calls are synchronous: the promise-returning methods only wrap these. */
  readonly sync: SyncCpuSource = { rotate: () => this.rotateNow(), stop: () => this.shape(this.addon.cpuStop()) };

  async rotate(): Promise<RawCpuProfile> {
    return this.sync.rotate();
  }

  private rotateNow(): RawCpuProfile {
    const out = this.shape(this.addon.cpuRotate());
    // Deleting V8's copy costs about as much as flattening it: do it in a later turn of the
    // loop so that the two costs are two short stalls, not one long one.
    setImmediate(this.release).unref();
    return out;
  }

  private readonly release = (): void => {
    this.addon.cpuRelease();
  };

  async stop(): Promise<RawCpuProfile> {
    return this.sync.stop();
  }

  private shape(p: NativeCpuPeriod): RawCpuProfile {
    const t0 = monotonicMs();
    const out = shapeCpu(p);
    this.shapeMicros = (monotonicMs() - t0) * 1000;
    this.dropped = p.droppedOverlap;
    return out;
  }

  lastTimings(): RotationTimings {
    const t = this.addon.lastTimings();
    return {
      startMicros: t[0],
      stopMicros: t[1],
      flattenMicros: t[2],
      deleteMicros: t[3],
      shapeMicros: this.shapeMicros,
      droppedOverlap: this.dropped,
    };
  }
}

class NativeHeap implements NativeHeapSource {
  readonly kind = 'native' as const;
  readonly allocationsUnavailable: string | undefined;
  private interval = 0;
  private depth = 0;
  /** Allocations asked for but not countable here: said once at start and in every profile. */
  private refused = false;
  /** Collected samples are kept (V8's flags) and allocations counted. */
  private counting = false;
  /** Runs of V8's sampler: a restart forgets every sample and starts the ids again. */
  private epoch = 0;
  private epochStartMillis = 0;
  private periodMark: AllocationMark = { epoch: 0, sampleId: 0, atMillis: 0 };

  constructor(private readonly addon: RawAddon, private readonly collectedCap: number) {
    if (!Number.isSafeInteger(collectedCap) || collectedCap < 0) throw new RangeError(`wasmprof: collectedSampleCap must be a whole number >= 0 (got ${String(collectedCap)})`);
    this.allocationsUnavailable = addon.heapLiveness === true ? undefined
      : addon.heapLiveness === false
        ? `V8 ${process.versions.v8} (Node ${process.version}) does not say which sampled objects are still live, so live and collected samples cannot be told apart (Node 26's V8 does)`
        : 'this build of the V8 bridge predates allocation profiles; rebuild it (npm run build:native)';
  }

  async start(intervalBytes: number, stackDepth: number, options?: HeapStartOptions): Promise<void> {
    const want = options?.allocations === true;
    const counting = want && this.allocationsUnavailable === undefined;
    this.addon.heapStart(intervalBytes, stackDepth, counting);
    this.interval = intervalBytes;
    this.depth = stackDepth;
    this.counting = counting;
    this.refused = want && !counting;
    if (this.refused) warnOnce('heap allocations', allocationsWarning(this.allocationsUnavailable!));
    this.epoch++;
    this.epochStartMillis = Date.now();
    this.periodMark = { epoch: this.epoch, sampleId: 0, atMillis: this.epochStartMillis };
  }

  readonly sync: SyncHeapSource = { profile: () => this.read(undefined, true), stop: () => this.addon.heapStop() };

  async profile(): Promise<RawHeapProfile> {
    return this.sync.profile();
  }

  async peek(since?: AllocationMark): Promise<RawHeapProfile> {
    return this.read(since, false);
  }

  allocationMark(): AllocationMark | undefined {
    if (!this.counting) return undefined;
    const { maxSampleId } = shapeHeapWindow(this.addon.heapProfile(), Infinity, this.interval);
    return { epoch: this.epoch, sampleId: Math.max(maxSampleId, this.periodMark.sampleId), atMillis: Date.now() };
  }

  async stop(): Promise<void> {
    this.sync.stop();
  }

  /** The heap now, with the allocations since `since` (default: the period's mark); a period's
   *  read (`endsPeriod`) moves the mark, and restarts V8's sampler when the collected samples
   *  it keeps pass the cap (the only way to let V8 free them). */
  private read(since: AllocationMark | undefined, endsPeriod: boolean): RawHeapProfile {
    const raw = this.addon.heapProfile();
    if (!this.counting) {
      const out = shapeHeap(raw);
      if (this.refused) out.notes = [allocationsOffNote(this.allocationsUnavailable!)];
      return out;
    }
    const from = since ?? this.periodMark;
    const sameRun = from.epoch === this.epoch;
    const w = shapeHeapWindow(raw, sameRun ? from.sampleId : 0, this.interval);
    const notes = allocationNotes({ windowStartMillis: sameRun ? from.atMillis : this.epochStartMillis, inuseSinceMillis: this.epochStartMillis,
      lostBeforeMillis: sameRun ? undefined : from.atMillis });
    if (endsPeriod) {
      const now = Date.now();
      this.periodMark = { epoch: this.epoch, sampleId: Math.max(w.maxSampleId, this.periodMark.sampleId), atMillis: now };
      if (w.collected > this.collectedCap) {
        this.addon.heapStop();
        this.addon.heapStart(this.interval, this.depth, true);
        this.epoch++;
        this.epochStartMillis = now;
        this.periodMark = { epoch: this.epoch, sampleId: 0, atMillis: now };
        notes.push(restartNote(w.collected, this.collectedCap, now));
      }
    }
    w.profile.notes = notes;
    w.profile.collectedSamples = w.collected;
    return w.profile;
  }
}
