// `node --require wasmprof/register.cjs`: loads the CommonJS preload's bundle (dist/register.cjs)
// through a V8 code cache. A profiled short-lived process runs most of wasmprof's code exactly
// once — start, then the last period at exit — so compiling it (the bundle's parse, then each
// function's lazy compile, much of it in the exit path) was a fixed share of its CPU; with the
// cache V8 deserializes what an earlier process compiled (docs/performance.md has the numbers).
//
// The cache is written once per Node release, bundle build and command-line options: at the exit of the first
// process that finds none (or finds one V8 rejects: another V8 or other V8 flags), after the
// profiler's own exit work, so that the exit path is in it. Its name carries the bundle's build
// id (scripts/bundle.mjs writes it into the bundle's first line): V8 itself only checks the
// source's length. Where: WASMPROF_CODE_CACHE (a directory, or `off`), by default
// $XDG_CACHE_HOME/wasmprof/code-cache or ~/.cache/wasmprof/code-cache, which keeps the newest
// 16 caches (old builds and releases go). A directory that is not
// this user's own, or that others may write to, is not used: a cache is code the process runs.
// Any failure (no home, read-only, a full disk) only means compiling as without a cache.
import { createRequire } from 'node:module';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { constants as vmConstants, Script } from 'node:vm';
import { envSetting, processEnv, type Env } from './config/index.js';

const BUILD_ID = /^\/\/ wasmprof-build ([0-9a-f]{16})\n/;

/** The cache directory to use, created if missing; undefined when there is none to use. */
function cacheDir(env: Env): string | undefined {
  const setting = envSetting(env, 'WASMPROF_CODE_CACHE');
  if (setting === 'off') return undefined;
  const home = envSetting(env, 'HOME');
  const base = envSetting(env, 'XDG_CACHE_HOME') ?? (home !== undefined ? join(home, '.cache') : undefined);
  const dir = setting ?? (base !== undefined && isAbsolute(base) ? join(base, 'wasmprof', 'code-cache') : undefined);
  if (dir === undefined || !isAbsolute(dir)) return undefined;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const uid = process.getuid?.();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/**
 * The command line's options, hashed (FNV-1a): V8 rejects a cache made under other V8 flags
 * (--max-old-space-size, --stack-size, …), so processes started two ways keep a cache each
 * instead of replacing each other's at every exit.
 */
function flagsKey(env: Env): string {
  const text = `${process.execArgv.join('\0')}\u0001${envSetting(env, 'NODE_OPTIONS') ?? ''}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Caches kept in a directory: each is ~300 KB, and every wasmprof build, Node release and
 *  command line makes its own, so the oldest go when a new one is written. */
const KEEP = 16;

function writeAtomically(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // another process won, or nowhere to write: the next start compiles again
    return;
  }
  try {
    const dir = dirname(file);
    const caches = readdirSync(dir).filter((f) => f.startsWith('preload-') && f.endsWith('.bin'))
      .map((f) => ({ path: join(dir, f), at: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.at - a.at);
    for (const old of caches.slice(KEEP)) rmSync(old.path, { force: true });
  } catch {
    // another process is pruning too
  }
}

export interface LoadedPreload {
  /** The bundle's module.exports. */
  exports: unknown;
  /** Writes the cache at this process's exit if there was none or V8 rejected it; call it
   *  once the bundle's own exit listeners are in (listeners run in the order they came). */
  saveCacheAtExit(): void;
}

/** Runs the bundle at `bundlePath` as a CommonJS module, with the code cache when there is one. */
export function loadPreload(bundlePath: string): LoadedPreload {
  const source = readFileSync(bundlePath, 'utf8');
  const id = BUILD_ID.exec(source)?.[1];
  const env = processEnv();
  const dir = id === undefined ? undefined : cacheDir(env);
  const file = dir === undefined ? undefined : join(dir, `preload-${process.version}-${process.arch}-${id}-${flagsKey(env)}.bin`);
  let cachedData: Buffer | undefined;
  if (file !== undefined) {
    try { cachedData = readFileSync(file); } catch { /* none yet */ }
  }
  // The wrapper Node's CommonJS loader uses, on the bundle's first line (its build-id comment).
  // import() inside the bundle goes to Node's own loader, as it does for a required file.
  const importModuleDynamically = vmConstants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundlePath, cachedData, ...(importModuleDynamically ? { importModuleDynamically } : {}) });
  const mod = { exports: {} };
  const run = script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void;
  run(mod.exports, createRequire(bundlePath), mod, bundlePath, dirname(bundlePath));
  const wanted = file !== undefined && (cachedData === undefined || script.cachedDataRejected === true);
  return {
    exports: mod.exports,
    saveCacheAtExit: () => { if (wanted) process.once('exit', () => writeAtomically(file, script.createCachedData())); },
  };
}
