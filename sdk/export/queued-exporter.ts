// What every queue-backed exporter does the same way: refuse a malformed batch (counted, never
// thrown), hand a good one to the subclass to enqueue, and delegate flush/close/stats to its
// Sender. Subclasses only say how a batch becomes queued items.
import { batchProblem } from './batch.js';
import type { Sender } from './sender.js';
import type { Exporter, ExporterStats, ProfileBatch } from './types.js';
import { uploadSync } from './upload-sync.js';

export abstract class QueuedExporter<Item> implements Exporter {
  protected abstract readonly sender: Sender<Item>;

  /** Enqueues a batch that passed validation; calls sender.countAccepted() once it is sure. */
  protected abstract enqueueBatch(batch: ProfileBatch): void;

  export(batch: ProfileBatch): void {
    try {
      const problem = batchProblem(batch);
      if (problem) { this.sender.countInvalid(problem); return; }
      this.enqueueBatch(batch);
    } catch (err) {
      this.sender.countInvalid(String(err));
    }
  }

  flush(timeoutMs: number): Promise<void> { return this.sender.flush(timeoutMs); }
  close(timeoutMs: number): Promise<void> { return this.sender.close(timeoutMs); }
  closeSync(timeoutMs: number): void { this.sender.closeSync(timeoutMs, uploadSync); }
  stats(): ExporterStats { return this.sender.stats(); }
  takeDropComment(): string | undefined { return this.sender.takeDropComment(); }
}
