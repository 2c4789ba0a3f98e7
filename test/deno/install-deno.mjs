// Deno comes from the npm package `deno`. It is not a devDependency: this registry serves only
// the linux-x64 build of its per-platform packages, and `npm ci` then refuses a lockfile that
// lacks the others. So it is installed on first use into a cache folder (registry only).
// `node test/deno/install-deno.mjs` installs it; ensureDeno() returns the path of its launcher.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DENO_VERSION = '2.9.6';
const root = fileURLToPath(new URL('../..', import.meta.url));
const cacheDir = join(root, 'node_modules/.cache/wasmprof/deno');

/** { deno } with the launcher (run it with node), or { error } saying why it is missing. */
export function ensureDeno() {
  const cached = join(cacheDir, 'node_modules/deno/bin.cjs');
  if (existsSync(cached)) return { deno: cached };
  try {
    return { deno: join(dirname(createRequire(import.meta.url).resolve('deno/package.json')), 'bin.cjs') };
  } catch { /* not a dependency: install it */ }
  mkdirSync(cacheDir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const inst = spawnSync(npm, ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', cacheDir, `deno@${DENO_VERSION}`], { encoding: 'utf8' });
  if (inst.status !== 0 || !existsSync(cached)) {
    return { error: `could not install deno@${DENO_VERSION} from the npm registry: ${(inst.stderr || '').trim().split('\n').pop()}` };
  }
  return { deno: cached };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = ensureDeno();
  if (r.error) { console.log(`deno: ${r.error}`); process.exit(1); }
}
