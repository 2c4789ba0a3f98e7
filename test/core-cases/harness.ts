// The contract between the core's test cases and the runners that execute them (tap in Node,
// a page in headless Chromium, `deno test`). Cases are written once against this small
// interface and never import a runner or a runtime module.

export interface Assert {
  ok(value: unknown, message?: string): void;
  equal<T>(actual: T, expected: T, message?: string): void;
  notEqual<T>(actual: T, expected: T, message?: string): void;
  /** Structural equality of plain data (arrays, objects, primitives, bigint). */
  deepEqual(actual: unknown, expected: unknown, message?: string): void;
  /** fn must throw; if `match` is given the error message must match it. Returns the error. */
  throws(fn: () => unknown, match?: RegExp, message?: string): unknown;
}

export interface CaseContext {
  /** Release build of core.wasm. */
  module: WebAssembly.Module;
  /** Debug build with interruption hooks (env.checkpoint). */
  debugModule: WebAssembly.Module;
  /** Bytes of a file in test/fixtures. */
  fixture(name: string): Uint8Array;
  /** Larger sizes for stress/fuzz cases (WASMPROF_STRESS=1 in Node). */
  stress: boolean;
  /** Reads an environment variable where the runner has one (undefined in browsers). */
  env(name: string): string | undefined;
  /** Sets an environment variable for the duration of fn, where the runner can; false if not. */
  withEnv?(name: string, value: string | undefined, fn: () => void): boolean;
}

export interface CoreCase {
  name: string;
  run(t: Assert, ctx: CaseContext): void | Promise<void>;
}

/** Plain structural equality, shared by the runners that have no deep-equal of their own. */
export function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  const ka = Object.keys(a as object), kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A standalone Assert that throws on the first failure and counts assertions. */
export function throwingAssert(): Assert & { count: number } {
  const fail = (message: string | undefined, detail: string): never => {
    throw new Error(`${message ?? 'assertion failed'}: ${detail}`);
  };
  const show = (v: unknown) => {
    try { return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)); } catch { return String(v); }
  };
  const a = {
    count: 0,
    ok(v: unknown, m?: string) { a.count++; if (!v) fail(m, `expected truthy, got ${show(v)}`); },
    equal<T>(x: T, y: T, m?: string) { a.count++; if (!Object.is(x, y)) fail(m, `expected ${show(y)}, got ${show(x)}`); },
    notEqual<T>(x: T, y: T, m?: string) { a.count++; if (Object.is(x, y)) fail(m, `expected anything but ${show(y)}`); },
    deepEqual(x: unknown, y: unknown, m?: string) { a.count++; if (!sameData(x, y)) fail(m, `expected ${show(y)}, got ${show(x)}`); },
    throws(fn: () => unknown, match?: RegExp, m?: string) {
      a.count++;
      try { fn(); } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        if (match && !match.test(msg)) fail(m, `error "${msg}" does not match ${match}`);
        return err;
      }
      return fail(m, 'expected an exception');
    },
  };
  return a;
}
