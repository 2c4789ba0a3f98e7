// Retry pacing: exponential backoff with full jitter, capped, and the server's Retry-After when it
// asks for more time than our own schedule would wait.

export interface BackoffOptions {
  /** First delay in ms (before jitter). */
  initialMs: number;
  /** Largest delay in ms. */
  maxMs: number;
}

/** Delay before retry number `attempt` (1 = the first retry): uniformly random in
 *  [base/2, base] where base = min(max, initial * 2^(attempt-1)) — jittered, never zero. */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. undefined when absent or unreadable.
 *  Capped at `capMs` so that a hostile or broken server cannot park the exporter for days. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now(), capMs = 10 * 60_000): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.min(capMs, Math.round(Number(v) * 1000));
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(capMs, Math.max(0, at - now));
}
