// Turns bytes (or a path) into a ProfileModel whatever the container: gzip or not, pprof or V8
// JSON. Every way this can fail with user input ends in a ViewInputError naming the file.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ViewInputError } from './errors.js';
import { loadCpuProfile, looksLikeJson } from './load-cpuprofile.js';
import { loadPprof } from './load-pprof.js';
import type { ProfileModel } from './model.js';
import { messageOf } from '../runtime/report.js';

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Parses profile bytes; `name` is how the profile is called in messages and in the viewer. */
export function parseProfile(bytes: Uint8Array, name: string): ProfileModel {
  try {
    if (bytes.length === 0) throw new ViewInputError('the file is empty');
    let raw = bytes;
    if (isGzip(bytes)) {
      try {
        raw = gunzipSync(bytes);
      } catch (err) {
        const why = messageOf(err);
        throw new ViewInputError(`truncated or corrupt gzip data (${why})`);
      }
      if (raw.length === 0) throw new ViewInputError('the gzip data holds an empty file');
    }
    return looksLikeJson(raw) ? loadCpuProfile(raw, name) : loadPprof(raw, name);
  } catch (err) {
    if (err instanceof ViewInputError) throw new ViewInputError(`${name}: ${err.message}`);
    throw err;
  }
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory, not a profile',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

export async function readProfileFile(path: string): Promise<ProfileModel> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new ViewInputError(`cannot read ${path}: ${READ_ERRORS[code] ?? messageOf(err)}`);
  }
  const model = parseProfile(bytes, path);
  model.name = basename(path);
  return model;
}
