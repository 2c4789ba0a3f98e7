// Where the native addons live and why one may be missing: shared by the addon loaders.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest ancestor of this module that holds native-bridge/ (sdk/native/
 *  in the source tree, dist/sdk/native/ once compiled). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'native-bridge')) && existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** Collapses whitespace so a reason fits the SDK's single warning line. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** The reason native-bridge/build.mjs recorded for an addon that did not build, if any. */
export function buildFailureReason(statusPath: string, addon: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(statusPath, 'utf8'));
    if (!Array.isArray(parsed)) return undefined;
    for (const entry of parsed as unknown[]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const e = entry as { addon?: unknown; ok?: unknown; reason?: unknown };
      if (e.addon === addon && e.ok === false && typeof e.reason === 'string') return e.reason;
    }
  } catch {
    // no status file: the build never ran
  }
  return undefined;
}
