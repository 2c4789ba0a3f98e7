// The live-snapshot byte budget: default 4 MiB, hard ceiling 20 MiB, overridable by
// WASMPROF_LIVE_SNAPSHOT_MAX_BYTES (clamped to the ceiling; 0 means the ceiling).

export const SNAPSHOT_DEFAULT_BYTES = 4 * 1024 * 1024;
export const SNAPSHOT_CEILING_BYTES = 20 * 1024 * 1024;
export const SNAPSHOT_BUDGET_ENV = 'WASMPROF_LIVE_SNAPSHOT_MAX_BYTES';

/** Budget from the environment variable's value (undefined or empty = default). */
export function snapshotBudgetFromEnv(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return SNAPSHOT_DEFAULT_BYTES;
  const text = value.trim();
  if (!/^\d+$/.test(text)) {
    throw new RangeError(`${SNAPSHOT_BUDGET_ENV} must be a whole number of bytes (0 = the ${SNAPSHOT_CEILING_BYTES}-byte ceiling), got "${value}"`);
  }
  const n = Number(text);
  if (n === 0 || n > SNAPSHOT_CEILING_BYTES) return SNAPSHOT_CEILING_BYTES;
  return n;
}

/** Budget from an explicit option (clamped like the variable). */
export function snapshotBudget(option: number | undefined, env: string | undefined): number {
  if (option === undefined) return snapshotBudgetFromEnv(env);
  if (!Number.isInteger(option) || option < 0) {
    throw new RangeError(`snapshot budget must be a whole number of bytes >= 0 (0 = the ceiling), got ${String(option)}`);
  }
  return option === 0 || option > SNAPSHOT_CEILING_BYTES ? SNAPSHOT_CEILING_BYTES : option;
}

/** Reads an environment variable in Node, Deno (with or without --allow-env) and browsers. */
export function readEnv(name: string): string | undefined {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> }; Deno?: { env?: { get(n: string): string | undefined } } };
  try {
    if (g.process?.env) return g.process.env[name];
    if (g.Deno?.env) return g.Deno.env.get(name);
  } catch {
    // No permission to read the environment: behave as if unset.
  }
  return undefined;
}
