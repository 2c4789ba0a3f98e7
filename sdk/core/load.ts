import { messageOf } from '../runtime/report.js';
// Finding and compiling core.wasm in any runtime. Node and Deno read the file next to the
// package; browsers fetch it (or the caller passes the bytes). Compiling once and
// instantiating per core is what makes recycling an instance cheap (~18 µs measured).

export type CoreSource = WebAssembly.Module | BufferSource | URL | string;

const cache = new Map<string, Promise<WebAssembly.Module>>();

/** Candidate locations of a build file, for sdk/ sources run directly and for compiled dist/sdk/. */
function candidates(file: string): URL[] {
  return [new URL(`../../build/${file}`, import.meta.url), new URL(`../../../build/${file}`, import.meta.url)];
}

async function readUrl(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    // One small file, read synchronously: node:fs/promises would bring readline, os and more
    // into every process the ES module preload starts.
    const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
    const fs = (getBuiltin?.('node:fs') ?? await import('node:fs')) as typeof import('node:fs');
    return new Uint8Array(fs.readFileSync(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`wasmprof core: cannot fetch ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function firstReadable(file: string): Promise<Uint8Array> {
  const errors: string[] = [];
  for (const url of candidates(file)) {
    try {
      return await readUrl(url);
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      // Deno without --allow-read: say what is missing rather than "not found".
      if (name === 'NotCapable' || name === 'PermissionDenied') {
        throw new Error(`wasmprof core: reading ${file} needs read permission (Deno: --allow-read); ${messageOf(err)}`);
      }
      errors.push(`${url.href}: ${messageOf(err)}`);
    }
  }
  throw notFound(file, errors);
}

function notFound(file: string, tried: string[]): Error {
  return new Error(`wasmprof core: ${file} not found (run \`npm run build:core\`); tried ${tried.join('; ')}`);
}

const compiledNow = new Map<string, WebAssembly.Module>();

/**
 * compileCore for the default build, synchronously (Node only: reads the file and compiles on
 * this thread, ~5 ms). For a preload that must start before the main module runs.
 */
export function compileCoreNow(debug = false): WebAssembly.Module {
  const key = `default:${debug}`;
  let module = compiledNow.get(key);
  if (module) return module;
  const { readFileSync } = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  const file = debug ? 'core.debug.wasm' : 'core.wasm';
  const errors: string[] = [];
  for (const url of candidates(file)) {
    let bytes: Uint8Array;
    try { bytes = readFileSync(url); } catch (err) { errors.push(`${url.href}: ${messageOf(err)}`); continue; }
    module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    compiledNow.set(key, module);
    cache.set(key, Promise.resolve(module));
    return module;
  }
  throw notFound(file, errors);
}

/** Compiles the core. `debug` selects the build with interruption hooks (tests only). */
export function compileCore(source?: CoreSource, debug = false): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  if (source !== undefined && typeof source !== 'string' && !(source instanceof URL)) {
    return WebAssembly.compile(source);
  }
  const key = source === undefined ? `default:${debug}` : String(source);
  let p = cache.get(key);
  if (!p) {
    const file = debug ? 'core.debug.wasm' : 'core.wasm';
    p = (source === undefined ? firstReadable(file) : readUrl(new URL(String(source), import.meta.url)))
      .then((bytes) => WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>));
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}
