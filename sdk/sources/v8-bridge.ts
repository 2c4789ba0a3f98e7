// Loader for the V8 part of the native bridge (native-bridge/v8, C++ against the running Node's
// own V8 headers), and the native CpuSource / HeapSource built on it.
//
// The addon hands over flat typed arrays (pre-order nodes with parent indexes, a per-period table
// of distinct call frames, samples, deltas); the DevTools-shaped objects of sources.ts are built
// here, in JavaScript, because object literals are far cheaper to create from JIT-compiled code
// than property by property from C++. Within a period, nodes with the same frame share one
// callFrame object: treat profiles as read-only. See docs/native-bridge.md.
//
// Loading never throws: on failure the result is `{ error }`, one line for the SDK's single
// warning, and the SDK uses node:inspector instead.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type {
  CallFrameInfo,
  CpuSource,
  HeapSource,
  RawCpuProfile,
  RawHeapNode,
  RawHeapProfile,
  RawProfileNode,
  SyncCpuSource,
  SyncHeapSource,
} from './types.js';
import { binaryCandidates, buildFailureReason, explain, missingBinary, oneLine, packageRoot, type BinaryCandidate } from '../runtime/addon-files.js';
import { messageOf } from '../runtime/report.js';

/** Bumped with the addon's JS surface; an addon with another value is treated as stale. */
const ABI_VERSION = 1;

/** One period as the addon returns it (see native-bridge/v8/wasmprof_v8.cc). */
interface NativeCpuPeriod {
  startTime: number;
  endTime: number;
  /** 4 per node, pre-order: id, parent index (-1 for the root), hit count, frame index. */
  nodes: Int32Array;
  /** 5 per frame: function name (index into strings), url (index into strings), script id, line, column (0-based). */
  frames: Int32Array;
  strings: string[];
  samples: Int32Array;
  timeDeltas: Float64Array;
  /** Samples dropped because the previous period already had them (start-before-stop overlap). */
  droppedOverlap: number;
  threadCpuMicros?: number;
}

interface NativeHeapProfile {
  /** 5 per node, pre-order: id, parent index, script id, line, column (0-based). */
  nodes: Int32Array;
  selfSizes: Float64Array;
  /** V8's scaled object count per node (absent from builds before it was added). */
  selfCounts?: Float64Array;
  names: string[];
  urls: string[];
  /** 3 per sample: size (bytes, size * count), node id, ordinal. */
  samples: Float64Array;
}

interface RawAddon {
  abiVersion: number;
  cpuStart(intervalMicros: number, collectFirst?: boolean): void;
  cpuRotate(): NativeCpuPeriod;
  cpuStop(): NativeCpuPeriod;
  cpuRelease(): number;
  cpuRunning(): boolean;
  lastTimings(): Float64Array;
  threadCpuMicros(): number;
  heapStart(intervalBytes: number, stackDepth: number): void;
  heapProfile(): NativeHeapProfile;
  heapStop(): void;
  heapRunning(): boolean;
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
  heap(): NativeHeapSource;
  /** CPU time used by the calling thread so far (µs), as the addon measures it. */
  threadCpuMicros(): number;
}

export type V8BridgeLoad = V8Bridge | { error: string };

export interface V8BridgeLoadOptions {
  /** Path of the .node file; default: the package's own build output. */
  path?: string;
  /** Build status written by native-bridge/build.mjs, consulted to explain a missing addon
   *  (default: the package's own, when `path` is the default too). */
  statusPath?: string;
}

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
    heap: () => new NativeHeap(addon),
    threadCpuMicros: () => addon.threadCpuMicros(),
  };
  loaded.set(path, bridge);
  return bridge;
}

// ------------------------------------------------------------------------------------ shaping

const urlCache = new Map<string, string>();

/** Resource name → URL the way Node's inspector reports it: file paths become file:// URLs. */
function toUrl(resourceName: string): string {
  if (resourceName === '' || !isAbsolute(resourceName)) return resourceName;
  let url = urlCache.get(resourceName);
  if (url === undefined) {
    url = pathToFileURL(resourceName).href;
    if (urlCache.size >= 4096) urlCache.clear();
    urlCache.set(resourceName, url);
  }
  return url;
}

function toNumbers(a: ArrayLike<number>): number[] {
  const n = a.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = a[i];
  return out;
}

/** The DevTools-shaped period. Only reads the native object's fields: the loops live in
 *  buildCpuNodes()/toNumbers(), which see nothing but typed arrays and plain arrays, so that
 *  their optimized code does not depend on the map of the addon-made object (see warmShaping). */
function shapeCpu(p: NativeCpuPeriod): RawCpuProfile {
  const out: RawCpuProfile = {
    nodes: buildCpuNodes(p.nodes, p.frames, p.strings),
    startTime: p.startTime,
    endTime: p.endTime,
    samples: toNumbers(p.samples),
    timeDeltas: toNumbers(p.timeDeltas),
  };
  if (p.threadCpuMicros !== undefined) out.threadCpuMicros = p.threadCpuMicros;
  return out;
}

function buildCpuNodes(nd: Int32Array, fd: Int32Array, strings: string[]): RawProfileNode[] {
  // One callFrame object per distinct frame of the period, shared by the nodes that have it
  // (a function called from several places): fewer objects to allocate at rotation. They are
  // fresh each period; consumers must treat them as read-only.
  const frameCount = fd.length / 5;
  const frames = new Array<CallFrameInfo>(frameCount);
  for (let f = 0, o = 0; f < frameCount; f++, o += 5) {
    frames[f] = {
      functionName: strings[fd[o]],
      scriptId: String(fd[o + 2]),
      url: toUrl(strings[fd[o + 1]]),
      lineNumber: fd[o + 3],
      columnNumber: fd[o + 4],
    };
  }
  const count = nd.length / 4;
  const nodes = new Array<RawProfileNode>(count);
  for (let i = 0, o = 0; i < count; i++, o += 4) {
    const node: RawProfileNode = { id: nd[o], callFrame: frames[nd[o + 3]], hitCount: nd[o + 2] };
    nodes[i] = node;
    const parent = nd[o + 1];
    if (parent >= 0) {
      const pn = nodes[parent];
      if (pn.children === undefined) pn.children = [node.id];
      else pn.children.push(node.id);
    }
  }
  return nodes;
}

function shapeHeap(p: NativeHeapProfile): RawHeapProfile {
  const nd = p.nodes;
  const count = nd.length / 5;
  const nodes = new Array<RawHeapNode>(count);
  for (let i = 0, o = 0; i < count; i++, o += 5) {
    const node: RawHeapNode = {
      id: nd[o],
      callFrame: {
        functionName: p.names[i],
        scriptId: String(nd[o + 2]),
        url: toUrl(p.urls[i]),
        lineNumber: nd[o + 3],
        columnNumber: nd[o + 4],
      },
      selfSize: p.selfSizes[i],
      children: [],
    };
    if (p.selfCounts) node.selfCount = p.selfCounts[i];
    nodes[i] = node;
    const parent = nd[o + 1];
    if (parent >= 0) nodes[parent].children.push(node);
  }
  const s = p.samples;
  const samples = new Array<{ size: number; nodeId: number; ordinal: number }>(s.length / 3);
  for (let i = 0, o = 0; o < s.length; i++, o += 3) samples[i] = { size: s[o], nodeId: s[o + 1], ordinal: s[o + 2] };
  return { head: nodes[0], samples };
}

let warmed = false;

/** Runs the shaping loops over synthetic data at start(), so that the first real rotations do
 *  not run them in the interpreter (several ms for a few thousand nodes). The data has the
 *  same representations as the addon's (Int32Array, Float64Array, arrays of strings). */
function warmShaping(): void {
  if (warmed) return;
  warmed = true;
  const n = 4096;
  const nodes = new Int32Array(n * 4);
  for (let i = 0; i < n; i++) {
    nodes[i * 4] = i + 1;
    nodes[i * 4 + 1] = i === 0 ? -1 : (i - 1) >> 1;
    nodes[i * 4 + 2] = i & 3;
    nodes[i * 4 + 3] = i & 63;
  }
  const frames = new Int32Array(64 * 5);
  const strings: string[] = [];
  for (let f = 0; f < 64; f++) {
    frames.set([strings.length, strings.length + 1, f, f, f], f * 5);
    strings.push(`f${f}`, f % 2 === 0 ? `node:internal/w${f}` : f % 3 === 0 ? fileURLToPath(import.meta.url) : '');
  }
  const ints = new Int32Array(n).fill(1);
  const doubles = new Float64Array(n).fill(1);
  for (let k = 0; k < 3; k++) {
    buildCpuNodes(nodes, frames, strings);
    toNumbers(ints);
    toNumbers(doubles);
  }
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

  async start(intervalMicros: number): Promise<void> {
    this.addon.cpuStart(intervalMicros, this.collectFirst);
    warmShaping();
  }

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
    const t0 = performance.now();
    const out = shapeCpu(p);
    this.shapeMicros = (performance.now() - t0) * 1000;
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

  constructor(private readonly addon: RawAddon) {}

  async start(intervalBytes: number, stackDepth: number): Promise<void> {
    this.addon.heapStart(intervalBytes, stackDepth);
  }

  readonly sync: SyncHeapSource = { profile: () => shapeHeap(this.addon.heapProfile()), stop: () => this.addon.heapStop() };

  async profile(): Promise<RawHeapProfile> {
    return this.sync.profile();
  }

  async stop(): Promise<void> {
    this.sync.stop();
  }
}
