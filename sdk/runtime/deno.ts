// Deno-specific facts, kept out of the runtime-neutral modules. Nothing here imports a Deno-only
// module, so the file loads in Node as well (where isDeno() is false and nothing else is used).
//
// What differs in Deno 2.x (2.9.6 measured):
//   * node:inspector needs --allow-sys (Session.connect() throws NotCapable without it), and an
//     in-thread Session answers asynchronously (Node answers before post() returns).
//   * process.hrtime() counts from the process's time origin, while V8 stamps CPU profile samples
//     with the system's monotonic clock; the offset between the two is measured once from a
//     short inspector profile with two marker functions (calibrateClock).
//   * The V8 profiler addon (C++ against Node's V8) cannot load; Node-API addons can (--allow-ffi).

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
