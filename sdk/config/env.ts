// The one reader of the process environment. Runtime-neutral (no node: imports): sdk/core uses
// it and runs in browsers too.
//   * Node (and Bun): process.env itself, so later changes are seen.
//   * Deno: a variable is read only when the env permission grants it, asked with querySync
//     (which never prompts) before Deno.env.get (which would prompt on a terminal, or throw
//     without one). Without --allow-env the WASMPROF_* variables simply do not apply;
//     --allow-env=WASMPROF_* grants them one by one, so each read is checked on its own.
//     Checked on every read, not once: Deno.permissions.request() can grant it later.
//   * Browsers and other hosts: an empty environment.

export type Env = Readonly<Record<string, string | undefined>>;

interface DenoEnvApi {
  env?: { get(name: string): string | undefined; toObject?(): Record<string, string> };
  permissions?: { querySync?(descriptor: { name: 'env'; variable?: string }): { state: string } };
}

interface NodeProcess { env?: Record<string, string | undefined> }

function denoApi(): DenoEnvApi | undefined {
  return (globalThis as { Deno?: DenoEnvApi }).Deno;
}

/** true/false when Deno can tell; undefined on a Deno without querySync (then: try, and catch). */
function denoGranted(d: DenoEnvApi, variable?: string): boolean | undefined {
  const p = d.permissions;
  if (typeof p?.querySync !== 'function') return undefined;
  try {
    return p.querySync(variable === undefined ? { name: 'env' } : { name: 'env', variable }).state === 'granted';
  } catch {
    return false;
  }
}

function denoGet(d: DenoEnvApi, name: string): string | undefined {
  if (denoGranted(d, name) === false) return undefined;
  try { return d.env?.get(name); } catch { return undefined; }
}

/** Deno's environment as a read-only view that checks the permission of each variable read. */
function denoEnv(d: DenoEnvApi): Env {
  const names = (): string[] => {
    if (denoGranted(d) !== true) return [];
    try { return Object.keys(d.env?.toObject?.() ?? {}); } catch { return []; }
  };
  return new Proxy({} as Record<string, string | undefined>, {
    get: (_t, name) => (typeof name === 'string' ? denoGet(d, name) : undefined),
    has: (_t, name) => typeof name === 'string' && denoGet(d, name) !== undefined,
    ownKeys: () => names(),
    getOwnPropertyDescriptor: (_t, name) => {
      const value = typeof name === 'string' ? denoGet(d, name) : undefined;
      return value === undefined ? undefined : { value, enumerable: true, configurable: true, writable: false };
    },
    set: () => false,
    deleteProperty: () => false,
  });
}

const EMPTY: Env = Object.freeze({});

/** The environment of this process (see the top of this file for what each runtime gives). */
export function processEnv(): Env {
  const d = denoApi();
  if (d !== undefined) return denoEnv(d);
  try {
    return (globalThis as { process?: NodeProcess }).process?.env ?? EMPTY;
  } catch {
    return EMPTY;
  }
}

/** One variable of this process's environment, undefined when unset or not readable. */
export function readEnv(name: string): string | undefined {
  const d = denoApi();
  if (d !== undefined) return denoGet(d, name);
  try {
    return (globalThis as { process?: NodeProcess }).process?.env?.[name];
  } catch {
    return undefined;
  }
}

/** A variable's value, trimmed; undefined when unset or blank (an empty variable counts as unset). */
export function envSetting(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const s = v.trim();
  return s === '' ? undefined : s;
}
