// Node-specific facts the profiler needs, kept out of the runtime-neutral modules: thread CPU
// time, the clock V8 stamps its samples with, process identity, and file reading for source maps.
import { readFileSync, readlinkSync } from 'node:fs';
import { processEnv } from '../config/index.js';
import { denoClockOffsetMicros, isDeno } from './deno.js';
import { builtin } from './builtin.js';

const fsPromises = builtin<typeof import('node:fs/promises')>('node:fs/promises');
const workerThreads = builtin<typeof import('node:worker_threads')>('node:worker_threads');
const v8 = builtin<typeof import('node:v8')>('node:v8');

export interface CpuReading {
  /** Microseconds of CPU time. */
  micros: number;
  /** 'thread': this thread only (exact); 'process': all threads of the process (GC helpers,
   *  workers, the libuv pool) — an upper bound for this thread. */
  scope: 'thread' | 'process';
}

type ThreadCpuUsage = () => { user: number; system: number };

let schedstatWorks: boolean | undefined;

/** CPU time of the calling thread, as exact as the platform allows:
 *  1. Linux `/proc/thread-self/schedstat` (nanoseconds on CPU, this thread only);
 *  2. `process.threadCpuUsage()` (Node >= 23.9; this thread);
 *  3. `process.cpuUsage()` — the whole process (Node 20 on other systems). */
export function threadCpu(): CpuReading {
  if (schedstatWorks !== false && process.platform === 'linux') {
    try {
      const text = readFileSync('/proc/thread-self/schedstat', 'latin1');
      const ns = Number(text.slice(0, text.indexOf(' ')));
      if (Number.isFinite(ns) && (ns > 0 || schedstatWorks)) {
        schedstatWorks = true;
        return { micros: ns / 1000, scope: 'thread' };
      }
    } catch {
      // not available (no procfs, or a kernel without schedstat): fall through for good
    }
    schedstatWorks = false;
  }
  const tcu = (process as unknown as { threadCpuUsage?: ThreadCpuUsage }).threadCpuUsage;
  if (typeof tcu === 'function') {
    const u = tcu.call(process);
    return { micros: u.user + u.system, scope: 'thread' };
  }
  const u = process.cpuUsage();
  return { micros: u.user + u.system, scope: 'process' };
}

/**
 * Milliseconds on the monotonic clock the profiler's own timings, label transitions and period
 * bounds are read from. In Node it is libuv's hrtime, read through process.hrtime() rather than
 * the `performance` global, whose first use loads perf_hooks (~1.5 ms of every profiled
 * process's start). Deno's process.hrtime counts from the process start, not from the system's
 * monotonic clock, so Deno keeps performance.now() (deno.ts calibrates against it).
 */
export const monotonicMs: () => number = isDeno()
  ? () => performance.now()
  : () => {
    const [s, ns] = process.hrtime();
    return s * 1e3 + ns / 1e6;
  };

/**
 * Offset that turns monotonicMs() (ms, ×1000) into V8's profiler timestamps (µs). V8 stamps CPU
 * profile samples with its monotonic clock, which on Linux and macOS is the same clock as
 * libuv's hrtime: in Node the offset is 0. Deno's comes from a calibration profile taken when
 * the source was selected (deno.ts).
 */
export function v8ClockOffsetMicros(): number {
  return isDeno() ? denoClockOffsetMicros() ?? 0 : 0;
}

/** monotonicMs() minus the wall clock, once: wall time advances with the monotonic clock from
 *  here (as performance.timeOrigin does), so a clock step does not move period bounds. */
const wallOriginMs = Date.now() - monotonicMs();

/** Wall clock now, in nanoseconds since the epoch. */
export function wallNanos(): number {
  return Math.round((wallOriginMs + monotonicMs()) * 1e6);
}

let mainThread: boolean | undefined;

/**
 * Whether this is the process's main thread. On Linux procfs answers (/proc/thread-self names
 * `<pid>/task/<tid>`, and the main thread's id is the pid), which spares every profiled process
 * loading worker_threads (it brings the streams with it: ~2.5 ms of start-up) only to ask;
 * elsewhere, or without procfs, worker_threads answers.
 */
export function isMainThread(): boolean {
  if (mainThread !== undefined) return mainThread;
  // Not in Deno: a read outside its --allow-read list may prompt the user.
  if (process.platform === 'linux' && !isDeno()) {
    try {
      const m = /^(\d+)\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'));
      if (m && Number(m[1]) === process.pid) return (mainThread = m[1] === m[2]);
    } catch {
      // no procfs (or no permission to read it): ask worker_threads
    }
  }
  return (mainThread = workerThreads().isMainThread);
}

export function identity(): { pid: number; threadId: number; isMainThread: boolean } {
  const main = isMainThread();
  return { pid: process.pid, threadId: main ? 0 : workerThreads().threadId, isMainThread: main };
}

export function readTextSync(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

export async function readText(path: string): Promise<string | undefined> {
  try { return await fsPromises().readFile(path, 'utf8'); } catch { return undefined; }
}

/** Environment variables of this process: the one reader in sdk/config/ (Deno's permission included). */
export function environment(): Readonly<Record<string, string | undefined>> {
  return processEnv();
}

let detailedLineInfo = false;

/**
 * Makes V8 keep inlining positions for code it optimizes from now on, so that samples in a
 * function inlined into its caller are attributed to it rather than to the caller (without it,
 * V8 only does so for code optimized while its own profiler had asked for it). Costs a little
 * memory per optimized function; code optimized before this call keeps its coarse positions.
 */
export function enableDetailedLineInfo(): void {
  if (detailedLineInfo) return;
  detailedLineInfo = true;
  try { v8().setFlagsFromString('--detailed-line-info'); } catch { /* not V8, or flags locked */ }
}
