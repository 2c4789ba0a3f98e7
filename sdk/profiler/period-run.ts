// Runs the one period pipeline (period.ts) either in time slices on the event loop or all at once.
//
// The pipeline is a generator written once. It yields
//   undefined — "my slice is used up": the async runner continues in a later turn of the loop,
//               the synchronous runner continues at once;
//   an Op     — work that has a non-blocking form and a blocking form (reading source maps,
//               gzip): the async runner awaits `op.async()`, the synchronous runner calls
//               `op.sync()`. An Op without a blocking form (a Deno source) cannot run
//               synchronously; the profiler knows that up front (canStopSync).
// A process that is exiting ('exit' handler, process.exit()) takes over a run the async runner
// is in the middle of: runSync() finishes the same generator, answering the op it was waiting
// on with the blocking form, and the async runner, when it resumes, just returns the result.
import type { TimeSlicer } from '../runtime/slices.js';

export interface Op<T = unknown> {
  async(): Promise<T>;
  /** Undefined when there is no blocking form. */
  sync: (() => T) | undefined;
}

export type PeriodSteps<T> = Generator<Op | void, T, unknown>;

export class PeriodRun<T> {
  private result: T | undefined;
  /** Which runner finished the pipeline (and so delivers its result). */
  finishedBy: 'async' | 'sync' | undefined;
  private waitingOn: Op | undefined;

  constructor(private readonly steps: PeriodSteps<T>, private readonly slicer: TimeSlicer) {}

  get done(): boolean { return this.finishedBy !== undefined; }

  async runAsync(): Promise<T> {
    let input: unknown;
    for (;;) {
      if (this.done) return this.result as T;
      this.slicer.restart();
      const step = this.steps.next(input);
      this.slicer.ended();
      input = undefined;
      if (step.done) return this.finish(step.value, 'async');
      const op = step.value;
      if (op === undefined) {
        await new Promise<void>((resume) => setImmediate(resume));
        continue;
      }
      this.waitingOn = op;
      try {
        input = await op.async();
      } finally {
        this.waitingOn = undefined;
      }
    }
  }

  runSync(): T {
    if (this.done) return this.result as T;
    const pending = this.waitingOn;
    this.waitingOn = undefined;
    let input = pending ? blocking(pending) : undefined;
    this.slicer.restart();
    try {
      for (;;) {
        const step = this.steps.next(input);
        if (step.done) return this.finish(step.value, 'sync');
        input = step.value === undefined ? undefined : blocking(step.value);
      }
    } finally {
      this.slicer.ended();
    }
  }

  private finish(value: T, by: 'async' | 'sync'): T {
    this.result = value;
    this.finishedBy = by;
    return value;
  }
}

function blocking(op: Op): unknown {
  if (!op.sync) throw new Error('wasmprof: this step cannot run synchronously (an asynchronous source); stop() the profiler and await it');
  return op.sync();
}
