// How one addon or the preload library is compiled: shared by build.mjs (from source, against
// the Node that runs it, at install) and prebuild.mjs (every supported release, at pack time).
// Builds never download anything: node-gyp is pointed at a Node prefix that has include/node.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = dirname(fileURLToPath(import.meta.url));

/** Output file of each Node addon inside its build folder. */
export const ADDON_OUTPUT = { v8: 'build/Release/wasmprof_v8.node', fork: 'build/Release/wasmprof_fork.node' };

export function nodeGypScript() {
  // npm hands its bundled node-gyp to lifecycle scripts; else our devDependency.
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

/** The first line a user can act on: the compiler's first error, not gyp's command line. */
export function firstErrorLine(log) {
  const lines = log.split('\n').map((l) => l.trim()).filter(Boolean);
  const compiler = lines.find((l) => /:\d+(:\d+)?: (fatal )?error: /.test(l) || /^(fatal )?error: /.test(l));
  if (compiler) return compiler;
  return lines.find((l) => /error/i.test(l) && !/^gyp (ERR!|info)/.test(l)) ?? lines.find((l) => /^gyp ERR!/.test(l));
}

/**
 * Compiles addon `name` (native-bridge/<name>/binding.gyp) against the Node at `prefix`, run
 * with that Node's own binary. `inPlace` builds in native-bridge/<name>/build; otherwise in a
 * temporary copy (so several releases can build at once) whose output is copied to `outFile`.
 * Resolves to { ok, reason?, log? }.
 */
export function compileAddon(name, { prefix, nodeExec = process.execPath, outFile, inPlace = false }) {
  const src = join(here, name);
  if (!existsSync(join(src, 'binding.gyp'))) return Promise.resolve({ ok: false, reason: `no binding.gyp in ${src}` });
  const gyp = nodeGypScript();
  if (!gyp) return Promise.resolve({ ok: false, reason: 'node-gyp not found (npm normally provides it to install scripts)' });
  if (!existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return Promise.resolve({ ok: false, reason: `Node headers not found under ${prefix}/include/node` });
  const dir = inPlace ? src : mkdtempSync(join(tmpdir(), `wasmprof-${name}-`));
  if (!inPlace) cpSync(src, dir, { recursive: true, filter: (p) => !p.includes(`${name}/build`) });
  return new Promise((resolve) => {
    {
      const child = spawn(nodeExec, [gyp, 'rebuild', `--nodedir=${prefix}`, '--loglevel=error'], {
        cwd: dir,
        env: { ...process.env, npm_config_nodedir: prefix },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      child.stdout.on('data', (d) => { log += d; });
      child.stderr.on('data', (d) => { log += d; });
      child.on('error', (err) => finish({ ok: false, reason: err.message }));
      child.on('close', (code) => {
        if (code !== 0) return finish({ ok: false, reason: firstErrorLine(log) ?? `node-gyp exited ${code}`, log });
        if (outFile) {
          mkdirSync(dirname(outFile), { recursive: true });
          cpSync(join(dir, ADDON_OUTPUT[name]), outFile);
        }
        finish({ ok: true });
      });
    }
    function finish(result) {
      if (!inPlace) rmSync(dir, { recursive: true, force: true });
      resolve(result);
    }
  });
}

/** The LD_PRELOAD heap hooks: plain C, no Node dependency, one build for every release. */
export function compilePreload(outDir) {
  const dir = join(here, 'heap');
  if (!existsSync(join(dir, 'Makefile'))) return { ok: false, reason: 'no Makefile in native-bridge/heap' };
  const r = spawnSync('make', ['-s', '-B', '-C', dir, `OUT=${outDir}`], { encoding: 'utf8' });
  if (r.error) return { ok: false, reason: `make: ${r.error.message}` };
  const log = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) return { ok: false, reason: firstErrorLine(log) ?? `make exited ${r.status}`, log };
  return { ok: true };
}
