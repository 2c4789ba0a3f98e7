// Deno-specific facts, kept out of the runtime-neutral modules. Nothing here imports a Deno-only
// module, so the file loads in Node as well (where isDeno() is false and nothing else is used).
//
// What differs in Deno 2.x (2.9.6 measured):
//   * node:inspector needs --allow-sys (Session.connect() throws NotCapable without it). An
//     in-thread Session's answer is produced before post() returns, as in Node, but handed to
//     the callback from a process.nextTick (ext/node/polyfills/inspector.js: #enqueueMessage):
//     answerNow() takes that tick and runs it before returning, so the inspector sources have a
//     synchronous side in Deno too (what an exit handler needs).
//   * Exits: process.exit() emits process 'exit' and then window 'unload'; Deno.exit() only
//     'unload'; the end of the event loop 'beforeExit', 'unload', 'exit'. No event loop runs
//     after any of them, so uploads at exit go through a Worker while this thread blocks in
//     Atomics.wait (uploadSyncInWorker).
//   * process.hrtime() counts from the process's time origin, while V8 stamps CPU profile samples
//     with the system's monotonic clock; the offset between the two is measured once from a
//     short inspector profile with two marker functions (calibrateClock).
//   * The V8 profiler addon (C++ against Node's V8) cannot load; Node-API addons can (--allow-ffi).

import process from 'node:process';

interface DenoGlobal {
  version?: { deno?: string };
  permissions?: { querySync?(d: { name: string }): { state: string } };
}

function denoGlobal(): DenoGlobal | undefined {
  return (globalThis as { Deno?: DenoGlobal }).Deno;
}

/** True when running under Deno. */
export function isDeno(): boolean {
  return denoGlobal() !== undefined;
}

/** "Deno 2.9.6", for messages. */
export function denoVersion(): string {
  return `Deno ${denoGlobal()?.version?.deno ?? '?'}`;
}

/** The state of a Deno permission ('granted', 'prompt', 'denied'), or undefined when unknown. */
export function permissionState(name: 'sys' | 'read' | 'write' | 'env' | 'ffi'): string | undefined {
  try { return denoGlobal()?.permissions?.querySync?.({ name })?.state; } catch { return undefined; }
}

let clockOffsetMicros: number | undefined;

/** Offset from performance.now() (ms) to V8's profiler clock (µs), once calibrated. */
export function denoClockOffsetMicros(): number | undefined {
  return clockOffsetMicros;
}

/** Spins until performance.now() reaches `until` (ms) and returns the reading that did (the
 *  thread may have been descheduled past `until`). Two of them mark a known instant in a profile. */
function wasmprofClockMarkBefore(until: number): number {
  let now = performance.now();
  while (now < until) now = performance.now();
  return now;
}
function wasmprofClockMarkAfter(until: number): number {
  let n = 0;
  while (performance.now() < until) n++;
  return n;
}

interface CalibrationProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string }; children?: number[] }>;
  startTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** V8 times of the last sample in wasmprofClockMarkBefore and the first in wasmprofClockMarkAfter. */
function markerTimes(p: CalibrationProfile): [number, number] | undefined {
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = new Map(p.nodes.map((n) => [n.id, n.callFrame.functionName]));
  const marker = new Map<number, 0 | 1 | undefined>();
  const markerOf = (id: number): 0 | 1 | undefined => {
    if (marker.has(id)) return marker.get(id);
    let m: 0 | 1 | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = name.get(at);
      if (f === 'wasmprofClockMarkBefore') { m = 0; break; }
      if (f === 'wasmprofClockMarkAfter') { m = 1; break; }
    }
    marker.set(id, m);
    return m;
  };
  const samples = p.samples ?? [], deltas = p.timeDeltas ?? [];
  let t = p.startTime, lastBefore: number | undefined;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    const m = markerOf(samples[i]!);
    if (m === 0) lastBefore = t;
    else if (m === 1) return lastBefore === undefined ? undefined : [lastBefore, t];
  }
  return undefined;
}

/**
 * Measures the offset between performance.now() and V8's profiler clock from one short CPU profile
 * (~10 ms): the program spins in one marker function until a known performance.now() instant,
 * then in another; the switch between them in the samples is that instant on V8's clock. The
 * error is about one sampling interval (50 µs). `post` is an asynchronous inspector call. Only
 * label attribution near a context switch depends on this. Should the markers not be found (a
 * starved sampler), the profile's start time is used instead (V8 takes it as Profiler.start
 * begins; error: the dispatch latency of that call).
 */
export async function calibrateClock(post: (method: string, params?: Record<string, unknown>) => Promise<unknown>): Promise<number> {
  await post('Profiler.enable');
  try {
    await post('Profiler.setSamplingInterval', { interval: 50 });
    let best = Infinity;
    // A loaded machine may delay the sampler thread and widen the window: up to 3 tries.
    for (let attempt = 0; attempt < 3 && best > 300; attempt++) {
      const a = performance.now();
      await post('Profiler.start');
      const mark = performance.now() + 4;
      const switchedAt = wasmprofClockMarkBefore(mark);
      wasmprofClockMarkAfter(switchedAt + 4);
      const { profile } = (await post('Profiler.stop')) as { profile: CalibrationProfile };
      const found = markerTimes(profile);
      if (found && found[1] - found[0] < best) {
        best = found[1] - found[0];
        clockOffsetMicros = (found[0] + found[1]) / 2 - switchedAt * 1000;
        clockErrorMicros = best / 2;
      } else if (!found && clockOffsetMicros === undefined) {
        clockOffsetMicros = profile.startTime - a * 1000;
        clockErrorMicros = (performance.now() - a) * 1000;
      }
    }
  } finally {
    await post('Profiler.disable').catch(() => undefined);
  }
  return clockOffsetMicros!;
}

let clockErrorMicros: number | undefined;

/** Bound on the error of the calibrated offset (µs), once calibrated. */
export function denoClockErrorMicros(): number | undefined {
  return clockErrorMicros;
}

type Tick = [fn: (...args: unknown[]) => void, args: unknown[]];

/**
 * Calls `post` (one node:inspector Session.post) so that its callback has run when this returns.
 * Deno's Session gets the answer during post() but defers it with process.nextTick; for that
 * call, process.nextTick only records, and the recorded ticks run right after post() — the
 * Session's own drain of its answers, nothing else runs in between. Outside Deno: post() as is.
 * Whether the answer did come is for the caller to check (InspectorSession.runNow does): a drain
 * the Session already scheduled for a notification (console.profile() in the program) holds the
 * answer until that tick.
 */
export function answerNow(post: () => void): void {
  if (!isDeno()) { post(); return; }
  const realNextTick = process.nextTick;
  const ticks: Tick[] = [];
  process.nextTick = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => { ticks.push([fn, args]); }) as typeof process.nextTick;
  try {
    post();
  } finally {
    process.nextTick = realNextTick;
  }
  for (const [fn, args] of ticks) {
    // A tick that throws fails as it would have from the tick queue, after the others ran.
    try { fn(...args); } catch (err) { realNextTick(() => { throw err; }); }
  }
}

/** `fn` runs on window 'unload' (Deno.exit(), and the end of the program); nothing outside Deno. */
export function onDenoUnload(fn: () => void): void {
  if (!isDeno()) return;
  (globalThis as unknown as { addEventListener(type: string, fn: () => void): void }).addEventListener('unload', fn);
}

/** A request as uploadSyncInWorker sends it. */
export interface WorkerRequest {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

// The worker posts the requests in order; after each it stores the status at [1 + i] and the
// count at [0], and wakes the waiting thread.
const UPLOAD_WORKER = `
self.onmessage = async ({ data: { requests, shared } }) => {
  const slots = new Int32Array(shared);
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i];
    let status = 0;
    try {
      const res = await fetch(r.url, { method: 'POST', headers: r.headers, body: r.body });
      await res.arrayBuffer().catch(() => undefined);
      status = res.status;
    } catch { /* no answer: 0 */ }
    slots[1 + i] = status;
    Atomics.store(slots, 0, i + 1);
    Atomics.notify(slots, 0);
  }
};
`;

/**
 * Deno's counterpart of the child process that uploads at exit in Node (no --allow-run needed):
 * a Worker (same permissions as the program, its own event loop) sends the requests in order
 * while this thread blocks in Atomics.wait, at most `timeoutMs` in all, worker start-up included
 * (0.1–0.3 s for three uploads to a local server, measured); the worker is terminated then.
 * HTTP status per request in order (0: no answer); shorter than `requests` when time ran out.
 */
export function uploadSyncInWorker(requests: readonly WorkerRequest[], timeoutMs: number): number[] {
  if (requests.length === 0) return [];
  const deadline = performance.now() + Math.max(1, timeoutMs);
  const slots = new Int32Array(new SharedArrayBuffer(4 * (requests.length + 1)));
  const script = URL.createObjectURL(new Blob([UPLOAD_WORKER], { type: 'application/javascript' }));
  let worker: Worker | undefined;
  try {
    worker = new Worker(script, { type: 'module' });
    worker.postMessage({ requests: requests.map((r) => ({ url: r.url, headers: r.headers, body: r.body })), shared: slots.buffer });
    let done = 0;
    while (done < requests.length) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(slots, 0, done, left);
      done = Atomics.load(slots, 0);
    }
    return Array.from(slots.subarray(1, 1 + done));
  } finally {
    worker?.terminate();
    URL.revokeObjectURL(script);
  }
}
