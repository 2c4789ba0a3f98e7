// A pprof Profile → the gzipped bytes every consumer expects (`.pb.gz`). Two forms of the same
// thing because Node offers both: off the event loop for periods, blocking for an exiting process.
import { promisify } from 'node:util';
import { gzip as gzipCb, gzipSync } from 'node:zlib';
import type { Profile } from 'pprof-format';

const gzip = promisify(gzipCb);

/** Encodes (yielding to the event loop between sections) and gzips on the thread pool. */
export async function encodeGzip(profile: Profile): Promise<Uint8Array> {
  return new Uint8Array(await gzip(await profile.encodeAsync()));
}

export function encodeGzipSync(profile: Profile): Uint8Array {
  return new Uint8Array(gzipSync(profile.encode()));
}
