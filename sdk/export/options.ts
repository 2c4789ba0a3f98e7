// Options every push exporter takes for its sending machinery, and their defaults.
import type { BackoffOptions } from './backoff.js';
import type { QueueBounds } from './queue.js';
import type { Transport } from './transport.js';
import type { ErrorReporter } from './types.js';

export interface SendingOptions {
  /** Queue bounds. Default 64 items / 32 MiB. */
  queue?: Partial<QueueBounds>;
  /** Per-request timeout, ms. Default 15000. */
  timeoutMs?: number;
  /** Backoff between retries. Default 1000 ms doubling up to 60000 ms, jittered. */
  backoff?: Partial<BackoffOptions>;
  /** How bytes are sent. Default: fetch. (createExporterFromEnv picks nodeTransport under Node.) */
  transport?: Transport;
  /** Where problems are reported (one line each, redacted). Default: stderr. */
  onError?: ErrorReporter;
  /** Jitter source (tests). */
  random?: () => number;
}

export const DEFAULT_QUEUE: QueueBounds = { maxItems: 64, maxBytes: 32 * 1024 * 1024 };
export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 60_000 };

export function resolveSending(o: SendingOptions): { bounds: QueueBounds; timeoutMs: number; backoff: BackoffOptions } {
  const bounds = { ...DEFAULT_QUEUE, ...o.queue };
  const backoff = { ...DEFAULT_BACKOFF, ...o.backoff };
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const bad = (what: string, v: number, min: number): never => { throw new Error(`${what} must be an integer >= ${min} (got ${v})`); };
  if (!Number.isSafeInteger(bounds.maxItems) || bounds.maxItems < 1) bad('queue.maxItems', bounds.maxItems, 1);
  if (!Number.isSafeInteger(bounds.maxBytes) || bounds.maxBytes < 1) bad('queue.maxBytes', bounds.maxBytes, 1);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) bad('timeoutMs', timeoutMs, 1);
  if (!Number.isSafeInteger(backoff.initialMs) || backoff.initialMs < 1) bad('backoff.initialMs', backoff.initialMs, 1);
  if (!Number.isSafeInteger(backoff.maxMs) || backoff.maxMs < backoff.initialMs) bad('backoff.maxMs', backoff.maxMs, backoff.initialMs);
  return { bounds, timeoutMs, backoff };
}
