// Module hooks for the test suites and benches: TypeScript compiled by esbuild (transpile only —
// the type check is `npm run build:ts`), and `./x.js` specifiers resolved to `./x.ts` as tsc
// does. Per process this costs a fraction of ts-node's start-up (~0.3 s instead of ~3 s here),
// which matters once the suite runs on four Node releases. Registered by ts-loader.mjs: as
// synchronous in-thread hooks where Node has module.registerHooks (22.15+), else through
// module.register (Node 20).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

const TS = /\.(ts|mts)$/;

function isRelative(specifier) {
  return specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');
}

function compile(url) {
  const file = fileURLToPath(url);
  return transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'es2022', sourcemap: 'inline', sourcefile: file }).code;
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
