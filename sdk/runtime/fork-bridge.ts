// Loader for the fork-safety addon (native-bridge/fork, plain C behind Node-API).
//
// The addon registers pthread_atfork handlers that only bump atomic counters; this module reads
// them on the SDK's tick. Loading never throws: when the addon is missing or does not load, the
// result carries a one-line reason so the SDK can print its single warning and fall back to
// comparing process.pid (pidChanged) — which is also what runtimes without atfork get.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { binaryCandidates, buildFailureReason, explain, missingBinary, packageRoot } from './addon-files.js';
import { oneLine } from './report.js';

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
  /** Child-handler runs that found native state marked active and made it fresh. */
  childResets: number;
  /** pthread_atfork succeeded (once per process). */
  registered: boolean;
  /** pthread_atfork's error code when it did not. */
  registerError: number;
  /** Pid at load, then the pid the child handler saw. */
  lastPid: number;
  /** Native code marked its epoch-stamped state as used since load or since the last child reset. */
  active: boolean;
}

/**
 * The addon's JavaScript surface: only what the SDK reads. Native code that keeps state a fork()ed
 * child can reach uses the C table in native-bridge/fork/wasmprof_fork.h, found from `path`.
 */
export interface ForkBridge {
  readonly path: string;
  state(): ForkState;
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

type RawAddon = { state: () => unknown };

function isRawAddon(x: unknown): x is RawAddon {
  return typeof x === 'object' && x !== null && typeof (x as Record<string, unknown>).state === 'function';
}

function wrap(raw: RawAddon, path: string): ForkBridge {
  return { path, state: () => raw.state() as ForkState };
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
