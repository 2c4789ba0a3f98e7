// Builds the native bridge addons from source, offline, against the headers of the Node
// that runs this script. Never fails the install: a missing compiler or header set only
// means the SDK falls back to node:inspector, which it announces in one warning line.
//
// Each addon lives in its own folder with its own binding.gyp so that one failing to
// build (say, the V8 part on an unusual Node build) does not take the others down.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ADDONS = ['fork', 'v8'];

function nodeGypCommand() {
  // npm hands its bundled node-gyp to lifecycle scripts; fall back to our devDependency.
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

function nodeHeadersDir() {
  // Headers ship with the installed Node at <prefix>/include/node; pointing node-gyp at the
  // prefix stops it from trying to download them (there may be no network).
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

function build(addon) {
  const dir = join(here, addon);
  if (!existsSync(join(dir, 'binding.gyp'))) return { addon, ok: false, reason: 'no binding.gyp' };
  const gyp = nodeGypCommand();
  if (!gyp) return { addon, ok: false, reason: 'node-gyp not found' };
  const nodedir = nodeHeadersDir();
  if (!nodedir) return { addon, ok: false, reason: `Node headers not found under ${dirname(dirname(process.execPath))}/include/node` };
  const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, '--loglevel=error'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, npm_config_nodedir: nodedir },
  });
  if (r.status !== 0) {
    const last = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').filter((l) => /error/i.test(l)).slice(-1)[0] ?? `exit ${r.status}`;
    return { addon, ok: false, reason: last.trim(), log: `${r.stdout}\n${r.stderr}` };
  }
  return { addon, ok: true };
}

// Not a Node addon: the LD_PRELOAD heap hooks (native-bridge/heap, plain C, own Makefile),
// built into native-bridge/heap/build/libwasmprof_heap.so.
function buildPreload(name) {
  const dir = join(here, name);
  if (!existsSync(join(dir, 'Makefile'))) return { addon: name, ok: false, reason: 'no Makefile' };
  const r = spawnSync('make', ['-s', '-C', dir], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return { addon: name, ok: false, reason: r.error ? r.error.message : `make exit ${r.status}`, log: `${r.stdout}\n${r.stderr}` };
  return { addon: name, ok: true };
}

const results = [...ADDONS.map(build), buildPreload('heap')];
mkdirSync(join(here, 'build'), { recursive: true });
// The SDK reads this to explain, in its one warning line, why an addon is missing.
writeFileSync(join(here, 'build', 'status.json'), JSON.stringify(results.map(({ log, ...r }) => r), null, 2) + '\n');
for (const r of results) {
  if (!r.ok) process.stderr.write(`wasmprof: native bridge "${r.addon}" not built (${r.reason}); the SDK will use its fallback\n`);
}
