// Where the native binaries live, which one fits this process, and why none may fit: shared by
// the addon loaders, the heap preload lookup and `wasmprof doctor`.
//
// Two places, tried in this order:
//   native-bridge/<addon>/build/...   a build from source (native-bridge/build.mjs: a clone's
//                                     `npm ci`, or `npm rebuild wasmprof` with scripts allowed),
//                                     used only when build/status.json says it was built for this
//                                     ABI, so a stale build is never dlopen()ed
//   prebuilds/<platform>/...          shipped in the npm package (native-bridge/prebuild.mjs):
//                                     wasmprof_v8.abi<N>.node per NODE_MODULE_VERSION,
//                                     wasmprof_fork.node (Node-API), libwasmprof_heap.so
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneLine } from './report.js';

export type BinaryName = 'v8' | 'fork' | 'heap';

export interface BinaryCandidate {
  path: string;
  origin: 'source build' | 'prebuild' | 'given path';
}

const SOURCE_BUILD: Record<BinaryName, string> = {
  v8: 'native-bridge/v8/build/Release/wasmprof_v8.node',
  fork: 'native-bridge/fork/build/Release/wasmprof_fork.node',
  heap: 'native-bridge/heap/build/libwasmprof_heap.so',
};
export const BUILD_STATUS_RELATIVE_PATH = 'native-bridge/build/status.json';

/** The package root: the nearest ancestor of this module that holds native-bridge/ (sdk/runtime/
 *  in the source tree, dist/sdk/runtime/ once compiled). */
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


/** `linux-x64-glibc`, `linux-x64-musl`, `darwin-arm64`, ...: the folder under prebuilds/. */
let tag: string | undefined;

export function platformTag(): string {
  tag ??= detectPlatformTag();
  return tag;
}

function detectPlatformTag(): string {
  const base = `${process.platform}-${process.arch}`;
  if (process.platform !== 'linux') return base;
  // One stat instead of process.report (which costs milliseconds at start-up).
  const musl = existsSync('/lib/ld-musl-x86_64.so.1') || existsSync('/lib/ld-musl-aarch64.so.1');
  return `${base}-${musl ? 'musl' : 'glibc'}`;
}

/** The NODE_MODULE_VERSION of this process (the V8 bridge must match it exactly). */
export function nodeAbi(): string {
  return process.versions.modules;
}

export function prebuildFile(name: BinaryName, abi: string = nodeAbi()): string {
  if (name === 'v8') return `wasmprof_v8.abi${abi}.node`;
  return name === 'fork' ? 'wasmprof_fork.node' : 'libwasmprof_heap.so';
}

export function prebuildDir(root: string = packageRoot(), tag: string = platformTag()): string {
  return join(root, 'prebuilds', tag);
}

interface BuildStatusEntry {
  addon: string;
  ok: boolean;
  reason?: string;
  abi?: string;
}

/** What native-bridge/build.mjs recorded for one addon, if it ran. */
export function buildStatus(statusPath: string, addon: string): BuildStatusEntry | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(statusPath, 'utf8'));
    if (!Array.isArray(parsed)) return undefined;
    for (const entry of parsed as unknown[]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const e = entry as Record<string, unknown>;
      if (e.addon !== addon || typeof e.ok !== 'boolean') continue;
      return {
        addon,
        ok: e.ok,
        reason: typeof e.reason === 'string' ? e.reason : undefined,
        abi: typeof e.abi === 'string' || typeof e.abi === 'number' ? String(e.abi) : undefined,
      };
    }
  } catch {
    // no status file: the build never ran
  }
  return undefined;
}

/** The reason native-bridge/build.mjs recorded for an addon that did not build, if any. */
export function buildFailureReason(statusPath: string, addon: string): string | undefined {
  const s = buildStatus(statusPath, addon);
  return s && !s.ok ? s.reason : undefined;
}

/** Existing files that may hold `name` for this process, best first. */
export function binaryCandidates(name: BinaryName, root: string = packageRoot()): BinaryCandidate[] {
  const out: BinaryCandidate[] = [];
  const source = join(root, SOURCE_BUILD[name]);
  if (existsSync(source)) {
    const status = buildStatus(join(root, BUILD_STATUS_RELATIVE_PATH), name);
    // The V8 bridge only loads into the ABI it was compiled for; a build from before a Node
    // upgrade is skipped instead of failing in dlopen.
    const stale = name === 'v8' && status?.abi !== undefined && status.abi !== nodeAbi();
    if (!stale) out.push({ path: source, origin: 'source build' });
  }
  const pre = join(prebuildDir(root), prebuildFile(name));
  if (existsSync(pre)) out.push({ path: pre, origin: 'prebuild' });
  return out;
}

/** The ABIs this package has V8-bridge prebuilds for, on this platform (from its manifest). */
export function prebuiltAbis(root: string = packageRoot()): { node: string; abi: string }[] {
  try {
    const m = JSON.parse(readFileSync(join(prebuildDir(root), 'manifest.json'), 'utf8')) as { v8?: { node?: unknown; abi?: unknown }[] };
    // The files present, not only the ones listed: a package missing one must not claim it.
    return (m.v8 ?? []).filter((e) => existsSync(join(prebuildDir(root), prebuildFile('v8', String(e.abi)))))
      .map((e) => ({ node: String(e.node), abi: String(e.abi) }));
  } catch {
    return [];
  }
}

/** Why a binary is unavailable and what the user runs to fix it (each one line). */
export interface Unavailable {
  why: string;
  fix: string;
}

/** `why; <consequence>; fix: fix` — the one warning line's shape everywhere. */
export function explain(u: Unavailable, consequence: string): string {
  return oneLine(`${u.why}; ${consequence}; fix: ${u.fix}`);
}

/**
 * Why no binary of `name` fits this process, and how to fix it.
 * `what` names the binary for the user ("V8 profiler addon").
 */
export function missingBinary(name: BinaryName, what: string, root: string = packageRoot()): Unavailable {
  const tag = platformTag();
  const abis = prebuiltAbis(root);
  const forThis = name === 'v8' ? `Node ${process.version} (ABI ${nodeAbi()}) on ${tag}` : tag;
  const shipped =
    name === 'v8'
      ? abis.length > 0
        ? `this wasmprof has prebuilds for ${abis.map((a) => `Node ${a.node.split('.')[0]} (ABI ${a.abi})`).join(', ')}${existsSync(prebuildDir(root)) ? '' : ` on ${tag} only`}`
        : `this wasmprof has no prebuilds for ${tag}`
      : existsSync(prebuildDir(root))
        ? 'its prebuild is missing from this package'
        : `this wasmprof has no prebuilds for ${tag}`;
  const status = buildStatus(join(root, BUILD_STATUS_RELATIVE_PATH), name);
  const source =
    status && !status.ok
      ? `its build from source failed: ${status.reason ?? 'no reason recorded'}`
      : status && status.ok && name === 'v8' && status.abi !== undefined && status.abi !== nodeAbi()
        ? `the build from source is for ABI ${status.abi} (run again after a Node upgrade)`
        : 'it was not built from source (npm did not run wasmprof\'s install script: install scripts are off by default in npm 11, or --ignore-scripts)';
  const newer = name === 'v8' && abis.length > 0 && abis.every((a) => Number(a.abi) < Number(nodeAbi()));
  const fix =
    (status && !status.ok ? 'fix that error, then ' : newer ? `upgrade wasmprof to a release with prebuilds for Node ${process.versions.node.split('.')[0]}, or ` : '') +
    'build it from source: `npm install-scripts approve wasmprof && npm rebuild wasmprof` (needs python3, make and a C++ compiler; in a clone of wasmprof: `npm run build:native`)';
  return { why: oneLine(`no ${what} for ${forThis}: ${shipped}, and ${source}`), fix };
}
