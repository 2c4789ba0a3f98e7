// The sending machinery every push exporter shares: a bounded queue, one upload at a time in
// order, a timeout per attempt (AbortController), retries with jittered exponential backoff on
// connection errors, timeouts, 408, 429 and 5xx (honouring Retry-After), no retry on other 4xx,
// and flush()/close() that wait at most their timeout. All timers are unref'd. Nothing here
// throws into the caller; problems are reported once per kind through the reporter, redacted.
import { backoffDelay, parseRetryAfter, type BackoffOptions } from './backoff.js';
import { BoundedQueue, type QueueBounds, type QueueEntry } from './queue.js';
import type { Redactor } from './redact.js';
import { setUnrefTimeout, sleep } from './timers.js';
import { describeNetworkError, type HttpResponse } from './transport.js';
import type { ErrorReporter, ExporterStats } from './types.js';
import { OnceReporter } from '../runtime/report.js';
import type { PreparedRequest } from './upload-sync.js';

export type AttemptResult =
  | { kind: 'ok' }
  /** Try again later; afterMs is the server's Retry-After. */
  | { kind: 'retry'; reason: string; afterMs?: number }
  /** Never retry this item; `key` groups identical refusals so each is reported once. */
  | { kind: 'reject'; reason: string; key: string };

export interface SenderOptions<T> {
  /** 'pyroscope' | 'datadog' | … (for messages and stats). */
  kind: string;
  bounds: QueueBounds;
  /** Per-attempt timeout, ms. */
  timeoutMs: number;
  backoff: BackoffOptions;
  /** Performs one attempt. May throw (a network error): that is retried. */
  attempt: (item: T, signal: AbortSignal) => Promise<AttemptResult>;
  /** The item's HTTP request, for closeSync() (the same one attempt() sends). */
  request?: (item: T) => PreparedRequest;
  redactor: Redactor;
  report: ErrorReporter;
  /** Random source for jitter (tests pass a fixed one). */
  random?: () => number;
}

/** Maps an HTTP response to an attempt result: 2xx ok; 408/429/5xx retry (with Retry-After);
 *  other statuses refused for good, with the start of the body in the reason. */
export async function classifyResponse(res: HttpResponse, what: string): Promise<AttemptResult> {
  const s = res.status;
  if (s >= 200 && s < 300) {
    res.snippet().catch(() => undefined); // drain
    return { kind: 'ok' };
  }
  const body = (await res.snippet().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 300);
  const reason = `${what} answered HTTP ${s}${body ? `: ${body}` : ''}`;
  if (s === 408 || s === 429 || s >= 500) return { kind: 'retry', reason, afterMs: parseRetryAfter(res.header('retry-after')) };
  return { kind: 'reject', reason, key: `http-${s}` };
}

export class Sender<T> {
  private readonly queue: BoundedQueue<T>;
  private readonly o: SenderOptions<T>;
  private readonly counters = { batchesAccepted: 0, invalid: 0, delivered: 0, deliveredBytes: 0, retries: 0, timeouts: 0, rejected: 0 };
  private lastError: string | undefined;
  private running = false;
  private scheduled = false;
  private closed = false;
  private stopped = false;
  private consecutiveFailures = 0;
  private nextAttemptAt = 0;
  private wake = new AbortController();
  private inflight: AbortController | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly problems: OnceReporter;

  constructor(options: SenderOptions<T>) {
    this.o = options;
    this.queue = new BoundedQueue<T>(options.bounds);
    this.problems = new OnceReporter((line) => this.o.report(line));
  }

  /** Queues one item. Never throws, never waits. */
  enqueue(value: T, bytes: number, profiles = 1): void {
    if (this.closed) {
      this.queue.countDrop({ profiles, bytes });
      this.reportOnce('closed', `export() after close(): ${profiles} profile(s) dropped`);
      return;
    }
    const dropped = this.queue.push(value, bytes, profiles);
    if (dropped.length > 0) {
      const d = this.queue.dropped;
      this.reportOnce('dropped', `queue full (max ${this.o.bounds.maxItems} items / ${this.o.bounds.maxBytes} bytes): dropping the oldest profiles; ${d.profiles} dropped so far (counted in stats().dropped and in the next profile's comments)`);
    }
    this.pump();
  }

  countAccepted(): void { this.counters.batchesAccepted++; }

  countInvalid(reason: string): void {
    this.counters.invalid++;
    this.reportOnce(`invalid:${reason}`, `export() ignored a malformed batch: ${reason}`);
  }

  stats(): ExporterStats {
    return {
      kind: this.o.kind,
      ...this.counters,
      dropped: this.queue.dropped.profiles,
      droppedBytes: this.queue.dropped.bytes,
      queued: this.queue.length,
      queuedBytes: this.queue.bytes,
      lastError: this.lastError,
    };
  }

  takeDropComment(): string | undefined {
    const d = this.queue.takeUnreported();
    if (!d) return undefined;
    return `wasmprof ${this.o.kind} exporter dropped ${d.profiles} profile(s) (${d.bytes} bytes) since the last report: queue bound (max ${this.o.bounds.maxItems} items / ${this.o.bounds.maxBytes} bytes) or exporter closed`;
  }

  async flush(timeoutMs: number): Promise<void> {
    if (this.isIdle()) return;
    this.nextAttemptAt = 0; // a flush tries now rather than waiting out the backoff
    this.wake.abort();
    this.pump();
    await this.waitIdle(timeoutMs);
  }

  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    await this.flush(timeoutMs);
    this.drop(this.stopSending(), (n) => `closed after ${Math.max(0, timeoutMs)} ms with ${n} profile(s) unsent (dropped)`);
    this.resolveIdle();
  }

  /**
   * Closes from a process 'exit' handler: what is queued is sent by `send` (blocking, at most
   * timeoutMs; see upload-sync.ts) and whatever did not get a 2xx is dropped and counted.
   */
  closeSync(timeoutMs: number, send: (requests: PreparedRequest[], timeoutMs: number) => number[]): void {
    this.closed = true;
    const left = this.stopSending();
    this.resolveIdle();
    if (left.length === 0) return;
    let statuses: number[] = [];
    if (this.o.request) {
      try { statuses = send(left.map((e) => this.o.request!(e.value)), timeoutMs); } catch { /* counted as unsent below */ }
    }
    const lost = left.filter((e, i) => {
      const status = statuses[i] ?? 0;
      if (status < 200 || status >= 300) return true;
      this.counters.delivered++;
      this.counters.deliveredBytes += e.bytes;
      return false;
    });
    this.drop(lost, (n) => `exiting: ${n} profile(s) not delivered within ${Math.max(0, timeoutMs)} ms (dropped)`);
  }

  /** Ends sending for good (both close paths): nothing in flight, nothing waiting; returns what was queued. */
  private stopSending(): Array<QueueEntry<T>> {
    this.stopped = true;
    this.inflight?.abort();
    this.wake.abort();
    return this.queue.clear();
  }

  /** Counts entries that will never be delivered as dropped, and says so once. */
  private drop(entries: Array<QueueEntry<T>>, message: (profiles: number) => string): void {
    if (entries.length === 0) return;
    let profiles = 0;
    for (const e of entries) { this.queue.countDrop(e); profiles += e.profiles; }
    this.reportOnce('close-left', message(profiles));
  }

  private isIdle(): boolean { return this.queue.isEmpty && !this.running && !this.scheduled; }

  private waitIdle(timeoutMs: number): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => {
      let done = false;
      const finish = (): void => { if (!done) { done = true; clearTimeout(t); resolve(); } };
      const t = setUnrefTimeout(finish, timeoutMs);
      this.idleWaiters.push(finish);
    });
  }

  private resolveIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** Reports a problem once per key (redacted), without counting anything. */
  reportOnce(key: string, message: string): void {
    this.problems.once(key, this.o.redactor.redact(`wasmprof: ${this.o.kind} exporter: ${message}`));
  }

  /** Starts the send loop on a microtask, so that export() returns before any body is built. */
  private pump(): void {
    if (this.running || this.stopped || this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.run();
    });
  }

  private run(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.loop().catch((err: unknown) => {
      // Unreachable by design (loop catches everything); kept so that a bug cannot become an
      // unhandled rejection in the application.
      this.lastError = this.o.redactor.redact(String(err));
    }).finally(() => {
      this.running = false;
      if (this.queue.isEmpty || this.stopped) this.resolveIdle();
      else if (!this.stopped) this.pump();
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped && !this.queue.isEmpty) {
      const wait = this.nextAttemptAt - Date.now();
      if (wait > 0) {
        if (this.wake.signal.aborted) this.wake = new AbortController();
        await sleep(wait, this.wake.signal);
        continue;
      }
      if (this.wake.signal.aborted) this.wake = new AbortController();
      const entry = this.queue.lease();
      if (!entry) break;
      const result = await this.attemptOnce(entry);
      if (this.stopped) { this.queue.settle(); break; }
      this.settle(entry, result);
    }
  }

  private async attemptOnce(entry: QueueEntry<T>): Promise<AttemptResult & { timedOut?: boolean }> {
    const controller = new AbortController();
    this.inflight = controller;
    let timedOut = false;
    const timer = setUnrefTimeout(() => { timedOut = true; controller.abort(); }, this.o.timeoutMs);
    try {
      const r = await this.o.attempt(entry.value, controller.signal);
      if (timedOut && r.kind !== 'ok') return { kind: 'retry', reason: `no answer within ${this.o.timeoutMs} ms (timeout)`, timedOut };
      return r;
    } catch (err) {
      if (timedOut) return { kind: 'retry', reason: `no answer within ${this.o.timeoutMs} ms (timeout)`, timedOut };
      return { kind: 'retry', reason: describeNetworkError(err) };
    } finally {
      clearTimeout(timer);
      this.inflight = undefined;
    }
  }

  private settle(entry: QueueEntry<T>, result: AttemptResult & { timedOut?: boolean }): void {
    if (result.kind === 'ok') {
      this.queue.settle();
      this.counters.delivered++;
      this.counters.deliveredBytes += entry.bytes;
      if (this.consecutiveFailures > 0 || this.lastError !== undefined) this.problems.rearm('outage');
      this.consecutiveFailures = 0;
      this.nextAttemptAt = 0;
      this.lastError = undefined;
      return;
    }
    const reason = this.o.redactor.redact(result.reason);
    this.lastError = reason;
    if (result.kind === 'reject') {
      this.queue.settle();
      this.counters.rejected++;
      this.consecutiveFailures = 0;
      this.nextAttemptAt = 0;
      this.reportOnce(`reject:${result.key}`, `${reason}; not retried (profiles refused by the server are dropped; further refusals like this one are counted in stats().rejected, not logged)`);
      return;
    }
    entry.attempts++;
    this.counters.retries++;
    if (result.timedOut) this.counters.timeouts++;
    this.consecutiveFailures++;
    const delay = Math.max(backoffDelay(this.consecutiveFailures, this.o.backoff, this.o.random), result.afterMs ?? 0);
    this.nextAttemptAt = Date.now() + delay;
    this.queue.unlease();
    this.reportOnce('outage', `${reason}; retrying with backoff (queued profiles are kept within the queue bounds; logged again only after a success)`);
  }
}
