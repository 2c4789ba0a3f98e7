// Checking what export() is handed, without trusting it: export() must never throw, so a bad
// batch is reported and ignored rather than failing later inside an upload.
import type { ProfileBatch } from './types.js';

const TYPE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** undefined when the batch is usable; otherwise why not. */
export function batchProblem(batch: unknown): string | undefined {
  if (typeof batch !== 'object' || batch === null) return 'not an object';
  const b = batch as Partial<ProfileBatch>;
  if (!(b.start instanceof Date) || Number.isNaN(b.start.getTime())) return 'start is not a valid Date';
  if (!(b.end instanceof Date) || Number.isNaN(b.end.getTime())) return 'end is not a valid Date';
  if (b.end.getTime() < b.start.getTime()) return 'end is before start';
  if (!Array.isArray(b.profiles) || b.profiles.length === 0) return 'profiles is empty';
  const seen = new Set<string>();
  for (const p of b.profiles) {
    if (typeof p !== 'object' || p === null) return 'a profile is not an object';
    if (typeof p.type !== 'string' || !TYPE.test(p.type)) return `profile type ${JSON.stringify(p.type)} is not a lower-case name ([a-z0-9_-], up to 64)`;
    if (seen.has(p.type)) return `profile type ${p.type} appears twice`;
    seen.add(p.type);
    if (!(p.pprof instanceof Uint8Array) || p.pprof.byteLength === 0) return `profile ${p.type} has no pprof bytes`;
  }
  if (b.labels !== undefined && (typeof b.labels !== 'object' || b.labels === null)) return 'labels is not an object';
  if (b.seq !== undefined && (!Number.isSafeInteger(b.seq) || b.seq < 0)) return 'seq is not a non-negative integer';
  return undefined;
}

export function batchBytes(batch: ProfileBatch): number {
  let n = 0;
  for (const p of batch.profiles) n += p.pprof.byteLength;
  return n;
}

/** Unix seconds: the start rounded down, the end rounded up, so the range covers the period. */
export function unixRange(batch: ProfileBatch): { from: number; until: number } {
  const from = Math.floor(batch.start.getTime() / 1000);
  const until = Math.max(from, Math.ceil(batch.end.getTime() / 1000));
  return { from, until };
}
