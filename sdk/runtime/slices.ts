// Cooperative time slicing: the work that ends a period (feeding the core, building pprof) runs as
// generators that yield when their slice has used its time budget; the profiler resumes them in
// the next turn of the event loop (sdk/profiler/period-run.ts) or straight away (runNow, and the
// synchronous exit path). That
// keeps every stall of the application's event loop short whatever the size of the period.
import { monotonicMs } from './node.js';

export class TimeSlicer {
  private start = monotonicMs();
  private calls = 0;
  /** Time spent inside slices, and the longest slice, since the last clearStats(). */
  busyMs = 0;
  maxSliceMs = 0;

  /** @param budgetMs time one slice may take; Infinity never yields. */
  constructor(readonly budgetMs = 2) {}

  /** True when the slice has used its budget (the clock is read every 8th call). */
  due(): boolean {
    if ((++this.calls & 7) !== 0 || this.budgetMs === Infinity) return false;
    return monotonicMs() - this.start >= this.budgetMs;
  }

  /** A new slice starts (after a yield). */
  restart(): void {
    this.start = monotonicMs();
    this.calls = 0;
  }

  /** The slice that started at restart() ended. */
  ended(): void {
    const ms = monotonicMs() - this.start;
    this.busyMs += ms;
    if (ms > this.maxSliceMs) this.maxSliceMs = ms;
  }

  clearStats(): void {
    this.busyMs = 0;
    this.maxSliceMs = 0;
  }
}

/** A time-sliced computation: yields at slice boundaries; whatever a runner sends back is ignored. */
export type Steps<T> = Generator<void, T, unknown>;

/** Runs steps to the end now. */
export function runNow<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
