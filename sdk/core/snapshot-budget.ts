// The live-snapshot byte budget: default 4 MiB, hard ceiling 20 MiB, overridable by
// WASMPROF_LIVE_SNAPSHOT_MAX_BYTES (clamped to the ceiling; 0 means the ceiling).
// The variable takes a plain number of bytes, no unit: it has always been read that way, and
// `10MB` being refused is part of its contract.
import { ConfigError, parseInteger, readEnv, type ConfigSubject } from '../config/index.js';

export { readEnv };

export const SNAPSHOT_DEFAULT_BYTES = 4 * 1024 * 1024;
export const SNAPSHOT_CEILING_BYTES = 20 * 1024 * 1024;
export const SNAPSHOT_BUDGET_ENV = 'WASMPROF_LIVE_SNAPSHOT_MAX_BYTES';

const EXPECTED = `a whole number of bytes (0 = the ${SNAPSHOT_CEILING_BYTES}-byte ceiling)`;

const clamp = (n: number): number => (n === 0 || n > SNAPSHOT_CEILING_BYTES ? SNAPSHOT_CEILING_BYTES : n);

/** Budget from the environment variable's value (undefined or empty = default). */
export function snapshotBudgetFromEnv(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return SNAPSHOT_DEFAULT_BYTES;
  const variable: ConfigSubject = {
    variable: SNAPSHOT_BUDGET_ENV,
    error: (p) => new ConfigError(p, `${SNAPSHOT_BUDGET_ENV} must be ${EXPECTED}, got "${value}"`),
  };
  // Any whole number past the ceiling means the ceiling, however many digits it has.
  if (/^\d{16,}$/.test(value.trim())) return SNAPSHOT_CEILING_BYTES;
  return clamp(parseInteger(variable, value, { min: 0, max: Number.MAX_SAFE_INTEGER, expected: EXPECTED }));
}

/** Budget from an explicit option (clamped like the variable). */
export function snapshotBudget(option: number | undefined, env: string | undefined): number {
  if (option === undefined) return snapshotBudgetFromEnv(env);
  const budget: ConfigSubject = {
    option: 'budget',
    error: (p) => new ConfigError(p, `snapshot budget must be a whole number of bytes >= 0 (0 = the ceiling), got ${String(option)}`),
  };
  if (typeof option === 'number' && Number.isInteger(option) && option > SNAPSHOT_CEILING_BYTES) return SNAPSHOT_CEILING_BYTES;
  // A number from code; a string here would be a caller's mistake, not text to parse.
  return clamp(parseInteger(budget, typeof option === 'number' ? option : NaN, { min: 0, max: Number.MAX_SAFE_INTEGER, expected: 'a whole number of bytes >= 0' }));
}
