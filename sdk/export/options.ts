// Options every push exporter takes for its sending machinery, and their defaults.
import { configFail, parseInteger } from '../config/index.js';
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
  // Numbers only: these come from code, in the unit their names say (strings are the environment's, see config.ts).
  const check = (what: string, v: unknown, min: number): void => {
    const expected = `an integer of at least ${min}`;
    if (typeof v !== 'number') configFail(what, v, { expected });
    parseInteger(what, v, { min, max: Number.MAX_SAFE_INTEGER, expected });
  };
  check('queue.maxItems', bounds.maxItems, 1);
  check('queue.maxBytes', bounds.maxBytes, 1);
  check('timeoutMs', timeoutMs, 1);
  check('backoff.initialMs', backoff.initialMs, 1);
  check('backoff.maxMs', backoff.maxMs, backoff.initialMs);
  return { bounds, timeoutMs, backoff };
}
