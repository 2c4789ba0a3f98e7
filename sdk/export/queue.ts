// A bounded FIFO of pending uploads. Bounds are on the number of items and on their total bytes;
// when a new item does not fit, the oldest items are dropped first (the newest data is the most
// useful, and the profile that reports the drop is a new one). The item being sent right now is
// "leased" and is never dropped under it; it counts against the bounds all the same.
// Every drop is counted, and the counts since the last report can be taken for a pprof comment.

export interface QueueBounds {
  /** Most items held (queued + leased). At least 1. */
  maxItems: number;
  /** Most bytes held (queued + leased). An item larger than this on its own is refused. */
  maxBytes: number;
}

export interface QueueEntry<T> {
  readonly value: T;
  readonly bytes: number;
  /** Profiles the item carries (a Datadog item carries a whole batch). */
  readonly profiles: number;
  /** Failed attempts so far. */
  attempts: number;
}

export interface DropCounts {
  items: number;
  profiles: number;
  bytes: number;
}

export class BoundedQueue<T> {
  private readonly items: Array<QueueEntry<T>> = [];
  private leased: QueueEntry<T> | undefined;
  private totalBytes = 0;
  readonly dropped: DropCounts = { items: 0, profiles: 0, bytes: 0 };
  private unreported: DropCounts = { items: 0, profiles: 0, bytes: 0 };

  constructor(readonly bounds: QueueBounds) {
    if (!(bounds.maxItems >= 1) || !(bounds.maxBytes >= 1)) throw new RangeError('queue bounds must be at least 1');
  }

  /** Items held, the leased one included. */
  get length(): number { return this.items.length + (this.leased ? 1 : 0); }
  get bytes(): number { return this.totalBytes; }
  get isEmpty(): boolean { return this.length === 0; }

  /** Adds an item, dropping the oldest unleased items until it fits. Returns the dropped entries
   *  (the new item itself when it can never fit). */
  push(value: T, bytes: number, profiles = 1): Array<QueueEntry<T>> {
    const entry: QueueEntry<T> = { value, bytes, profiles, attempts: 0 };
    if (bytes > this.bounds.maxBytes) {
      this.countDrop(entry);
      return [entry];
    }
    const out: Array<QueueEntry<T>> = [];
    while (this.items.length > 0 && (this.length + 1 > this.bounds.maxItems || this.totalBytes + bytes > this.bounds.maxBytes)) {
      const old = this.items.shift()!;
      this.totalBytes -= old.bytes;
      this.countDrop(old);
      out.push(old);
    }
    if (this.length + 1 > this.bounds.maxItems || this.totalBytes + bytes > this.bounds.maxBytes) {
      // Only the leased item is left and the new one does not fit beside it: refuse the new one.
      this.countDrop(entry);
      out.push(entry);
      return out;
    }
    this.items.push(entry);
    this.totalBytes += bytes;
    return out;
  }

  /** Takes the oldest item for sending; it stays counted until settle(). */
  lease(): QueueEntry<T> | undefined {
    if (this.leased || this.items.length === 0) return undefined;
    this.leased = this.items.shift();
    return this.leased;
  }

  get current(): QueueEntry<T> | undefined { return this.leased; }

  /** The leased item is done (delivered or given up): release its room. */
  settle(): void {
    if (!this.leased) return;
    this.totalBytes -= this.leased.bytes;
    this.leased = undefined;
  }

  /** The leased item failed and will be tried again: put it back at the head, where a later push
   *  may drop it if room is needed. */
  unlease(): void {
    if (!this.leased) return;
    this.items.unshift(this.leased);
    this.leased = undefined;
  }

  /** Removes everything (close() after its timeout); returns what was removed. */
  clear(): Array<QueueEntry<T>> {
    const out = this.items.splice(0);
    if (this.leased) out.unshift(this.leased);
    this.leased = undefined;
    this.totalBytes = 0;
    return out;
  }

  countDrop(entry: { profiles: number; bytes: number }): void {
    for (const c of [this.dropped, this.unreported]) {
      c.items++;
      c.profiles += entry.profiles;
      c.bytes += entry.bytes;
    }
  }

  /** Drops since the last call (and resets that count). */
  takeUnreported(): DropCounts | undefined {
    if (this.unreported.items === 0) return undefined;
    const u = this.unreported;
    this.unreported = { items: 0, profiles: 0, bytes: 0 };
    return u;
  }
}
