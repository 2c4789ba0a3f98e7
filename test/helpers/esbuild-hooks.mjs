// Module hooks for the test suites and benches: TypeScript compiled by esbuild (transpile only —
// the type check is `npm run build:ts`), and `./x.js` specifiers resolved to `./x.ts` as tsc
// does. Per process this costs a fraction of ts-node's start-up (~0.3 s instead of ~3 s here),
// which matters once the suite runs on four Node releases. Registered by ts-loader.mjs: as
// synchronous in-thread hooks where Node has module.registerHooks (22.15+), else through
// module.register (Node 20).
//
// Compiled output is kept in node_modules/.cache/wasmprof/ts, keyed by a hash of the source, its
// path and esbuild's version: the suite starts a few thousand processes that each load the same
// ~130 files, and esbuild (a service process of its own) is then only started for a file that
// changed.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TS = /\.(ts|mts)$/;
const require = createRequire(import.meta.url);
const ESBUILD_VERSION = require('esbuild/package.json').version;
const CACHE = fileURLToPath(new URL('../../node_modules/.cache/wasmprof/ts/', import.meta.url));
let transformSync;

function isRelative(specifier) {
  return specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');
}

function compile(url) {
  const file = fileURLToPath(url);
  const source = readFileSync(file, 'utf8');
  const cached = join(CACHE, `${createHash('sha1').update(`${ESBUILD_VERSION}\0${file}\0${source}`).digest('hex')}.js`);
  try { return readFileSync(cached, 'utf8'); } catch { /* not compiled yet */ }
  transformSync ??= require('esbuild').transformSync;
  const code = transformSync(source, { loader: 'ts', format: 'esm', target: 'es2022', sourcemap: 'inline', sourcefile: file }).code;
  try {
    mkdirSync(CACHE, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, cached);
  } catch { /* a read-only checkout: compile again next time */ }
  return code;
}

export function resolveSync(specifier, context, next) {
  try {
    return next(specifier, context);
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && isRelative(specifier) && specifier.endsWith('.js')) return next(`${specifier.slice(0, -3)}.ts`, context);
    throw err;
  }
}

export function loadSync(url, context, next) {
  if (!url.startsWith('file:') || !TS.test(url)) return next(url, context);
  return { format: 'module', source: compile(url), shortCircuit: true };
}

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && isRelative(specifier) && specifier.endsWith('.js')) return next(`${specifier.slice(0, -3)}.ts`, context);
    throw err;
  }
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !TS.test(url)) return next(url, context);
  return { format: 'module', source: compile(url), shortCircuit: true };
}
