// Loader for the fork-safety addon (native-bridge/fork, plain C behind Node-API).
//
// The addon registers pthread_atfork handlers that only bump atomic counters; this module reads
// them on the SDK's tick. Loading never throws: when the addon is missing or does not load, the
// result carries a one-line reason so the SDK can print its single warning and fall back to
// comparing process.pid (pidChanged) — which is also what runtimes without atfork get.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { binaryCandidates, buildFailureReason, explain, missingBinary, oneLine, packageRoot } from './addon-files.js';


/** Counters and flags of the addon, as one consistent-enough snapshot (each field is atomic). */
export interface ForkState {
  /** getpid() now. */
  pid: number;
  /** Fork children along this process's lineage (the child handler's count); also the state epoch. */
  forkGeneration: number;
  /** Prepare-handler runs: every fork()/spawn started in this process (inherited by children). */
  prepared: number;
  /** Parent-handler runs. prepared - parentResumes = forks in flight (or 1 inside a child). */
  parentResumes: number;
  /** Child-handler runs that found started state and made it fresh. */
  childResets: number;
  /** pthread_atfork succeeded (once per process). */
  registered: boolean;
  /** pthread_atfork's error code when it did not. */
  registerError: number;
  /** Pid at load, then the pid the child handler saw. */
  lastPid: number;
  /** Something (ring, pool, thread) was used since load or since the last child reset. */
  active: boolean;
  threadRunning: boolean;
  wasRunningAtFork: boolean;
  ringDropped: number;
  poolExhausted: number;
  staleReleases: number;
  busyOps: number;
}

export interface RingDrain {
  count: number;
  sum: number;
}

/** An opaque Node-API external: a `const wasmprof_fork_api *` for other native code. */
declare const forkCApiBrand: unique symbol;
export type ForkCApi = { readonly [forkCApiBrand]: true };

/** The addon's JavaScript surface. */
export interface ForkBridge {
  readonly path: string;
  readonly ringCapacity: number;
  readonly poolSlots: number;
  state(): ForkState;
  /** Pushes first, first+1, ... (n values); returns how many were accepted (the rest are counted as dropped). */
  ringPush(n?: number, first?: number): number;
  ringDrain(max?: number): RingDrain;
  /** A free scratch slot index, or -1 when all are held (counted). */
  poolAcquire(): number;
  poolRelease(slot: number): boolean;
  /** Starts the native thread that hammers ring and pool (used to be busy during forks). */
  startBusyThread(): boolean;
  /** Stops and joins it; returns its work count, or -1 if it was not running. */
  stopBusyThread(): number;
  cApi(): ForkCApi;
}

export type ForkBridgeLoad =
  | { bridge: ForkBridge; reason: undefined }
  | { bridge: undefined; reason: string };

export interface LoadOptions {
  /** Path of the .node file; default: the package's own build output. */
  path?: string;
  /** Build status written by native-bridge/build.mjs, consulted to explain a missing addon
   *  (default: the package's own, when `path` is the default too). */
  statusPath?: string;
}

const RAW_FUNCTIONS = [
  'state',
  'ringPush',
  'ringDrain',
  'poolAcquire',
  'poolRelease',
  'startBusyThread',
  'stopBusyThread',
  'cApi',
] as const;

type RawAddon = { [K in (typeof RAW_FUNCTIONS)[number]]: (...args: number[]) => unknown } & {
  ringCapacity: number;
  poolSlots: number;
};

function isRawAddon(x: unknown): x is RawAddon {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return RAW_FUNCTIONS.every((k) => typeof o[k] === 'function') && typeof o.ringCapacity === 'number';
}

function wrap(raw: RawAddon, path: string): ForkBridge {
  return {
    path,
    ringCapacity: raw.ringCapacity,
    poolSlots: raw.poolSlots,
    state: () => raw.state() as ForkState,
    ringPush: (n = 1, first = 0) => raw.ringPush(n, first) as number,
    ringDrain: (max?: number) => (max === undefined ? raw.ringDrain() : raw.ringDrain(max)) as RingDrain,
    poolAcquire: () => raw.poolAcquire() as number,
    poolRelease: (slot: number) => raw.poolRelease(slot) as boolean,
    startBusyThread: () => raw.startBusyThread() as boolean,
    stopBusyThread: () => raw.stopBusyThread() as number,
    cApi: () => raw.cApi() as ForkCApi,
  };
}

/**
 * Loads the addon. Never throws: on failure `bridge` is undefined and `reason` is one line
 * suitable for the SDK's single warning.
 */
export function loadForkBridge(options: LoadOptions = {}): ForkBridgeLoad {
  const root = packageRoot();
  const consequence = 'forks are detected by pid comparison only';
  if (options.path === undefined) {
    const candidates = binaryCandidates('fork', root);
    if (candidates.length === 0) return { bridge: undefined, reason: explain(missingBinary('fork', 'fork-safety addon', root), consequence) };
    const failures: string[] = [];
    for (const c of candidates) {
      const r = loadFile(c.path, c.origin);
      if (typeof r === 'string') failures.push(r);
      else return { bridge: r, reason: undefined };
    }
    return { bridge: undefined, reason: explain({ why: failures.join('; '), fix: 'reinstall wasmprof, or rebuild it with `npm rebuild wasmprof`' }, consequence) };
  }
  const path = resolve(options.path);
  if (!existsSync(path)) {
    const why = options.statusPath === undefined ? undefined : buildFailureReason(options.statusPath, 'fork');
    return {
      bridge: undefined,
      reason: oneLine(`fork-safety addon not found at ${path}` + (why ? ` (build failed: ${why})` : ' (not built; run `node native-bridge/build.mjs`)') + `; ${consequence}`),
    };
  }
  const r = loadFile(path, 'given path');
  return typeof r === 'string' ? { bridge: undefined, reason: `${r}; ${consequence}` } : { bridge: r, reason: undefined };
}

function loadFile(path: string, origin: string): ForkBridge | string {
  let loaded: unknown;
  try {
    loaded = createRequire(import.meta.url)(path);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return oneLine(`fork-safety addon (${origin}) at ${path} failed to load: ${msg}`);
  }
  if (!isRawAddon(loaded)) return oneLine(`fork-safety addon (${origin}) at ${path} has unexpected exports`);
  return wrap(loaded, path);
}

let cached: ForkBridgeLoad | undefined;

/** loadForkBridge() with the default path, once per module instance (once per JS thread). */
export function forkBridge(): ForkBridgeLoad {
  cached ??= loadForkBridge();
  return cached;
}

// ---------------------------------------------------------------- fallback fork detection

const pidAtLoad = process.pid;

/**
 * True when this process is not the one that loaded this module: a fork child in a runtime that
 * can run JavaScript after fork and has no atfork hook. Compare on each tick.
 */
export function pidChanged(currentPid: number = process.pid): boolean {
  return currentPid !== pidAtLoad;
}

/** What happened since the previous check() of a ForkWatch. */
export interface ForkEvents {
  /** Forks (Node: every child_process spawn) started by this process since the last check. */
  forks: number;
  /** This process is a fork child of the one that created the watch. */
  inChild: boolean;
  /** Where the answer came from. */
  source: 'atfork' | 'pid';
}

export interface ForkWatch {
  check(): ForkEvents;
}

/** Reads the addon's counters on each check, or falls back to comparing pids. */
export function createForkWatch(bridge: ForkBridge | undefined): ForkWatch {
  const startPid = process.pid;
  if (!bridge) {
    return { check: () => ({ forks: 0, inChild: process.pid !== startPid, source: 'pid' }) };
  }
  const first = bridge.state();
  let lastPrepared = first.prepared;
  const startGeneration = first.forkGeneration;
  return {
    check(): ForkEvents {
      const s = bridge.state();
      const forks = s.prepared - lastPrepared;
      lastPrepared = s.prepared;
      return { forks, inChild: s.forkGeneration !== startGeneration || s.pid !== startPid, source: 'atfork' };
    },
  };
}
