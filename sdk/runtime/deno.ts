// Deno-specific facts, kept out of the runtime-neutral modules. Nothing here imports a Deno-only
// module, so the file loads in Node as well (where isDeno() is false and nothing else is used).
//
// What differs in Deno 2.x (2.9.6 measured):
//   * node:inspector needs --allow-sys (Session.connect() throws NotCapable without it), and an
//     in-thread Session answers asynchronously (Node answers before post() returns).
//   * process.hrtime() counts from the process's time origin, while V8 stamps CPU profile samples
//     with the system's monotonic clock; the offset between the two is measured once from a
//     short inspector profile (calibrateClock) instead of being read off process.hrtime.
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

/**
 * Measures the offset between performance.now() and V8's profiler clock: the start time V8 gives
 * a profile lies between the performance.now() readings taken around Profiler.start. `post` is an
 * asynchronous inspector call. The error is at most half the round trip of Profiler.start (well
 * under a millisecond here); only label attribution near a context switch depends on it.
 */
export async function calibrateClock(post: (method: string, params?: Record<string, unknown>) => Promise<unknown>): Promise<number> {
  await post('Profiler.enable');
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const a = performance.now();
    await post('Profiler.start');
    const b = performance.now();
    const { profile } = (await post('Profiler.stop')) as { profile: { startTime: number } };
    if (b - a < best) {
      best = b - a;
      // V8 takes startTime during the start call; take the middle of the window.
      clockOffsetMicros = profile.startTime - ((a + b) / 2) * 1000;
    }
  }
  await post('Profiler.disable');
  return clockOffsetMicros!;
}
