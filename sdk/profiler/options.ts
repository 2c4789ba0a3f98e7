// Profiler options: what users pass to start(), the WASMPROF_* environment variables that set the
// same things, their defaults, and their validation. Precedence: an option given in code wins over
// the environment, which wins over the default. Every bad value fails start() with one
// WasmprofOptionError that names the option (and the variable it came from) and the accepted range.
import { DEFAULT_HIGH_WATER_BYTES } from '../core/recycle.js';

import { PROFILE_TYPES, type JsProfileType, type ProfileType } from '../pprof/profile-types.js';
import type { SourceChoice } from '../sources/types.js';

export { PROFILE_TYPES, type JsProfileType, type ProfileType, type SourceChoice };

export interface StaticLabels {
  service?: string;
  version?: string;
  env?: string;
}

export interface StartOptions {
  /** Profiles to take. Default `['wall', 'cpu']`. Env: `WASMPROF_PROFILES=wall,cpu,heap`.
   *  `native-heap` needs the process to run with the preload (`wasmprof record --profiles native-heap`). */
  profiles?: readonly ProfileType[] | string;
  /** CPU/wall sampling interval: milliseconds as a number, or a duration string (`'10ms'`, `'500us'`).
   *  Default 10 ms; from 100 µs to 1 s. Env: `WASMPROF_INTERVAL`. */
  interval?: number | string;
  /** Length of one profiling period: milliseconds, or a duration (`'60s'`, `'5m'`). Default 60 s;
   *  from 100 ms to 24 h, and at least 10 sampling intervals. Env: `WASMPROF_PERIOD`. */
  period?: number | string;
  /** Mean bytes between heap samples. Default 524288; from 1024 to 1 GiB. Env: `WASMPROF_HEAP_INTERVAL`
   *  (a number of bytes, or with a unit: `512KiB`, `1MiB`). */
  heapInterval?: number | string;
  /** Directory that receives `<type>-<pid>-<seq>.pb.gz` for every period. Env: `WASMPROF_OUTPUT_DIR`. */
  outputDir?: string;
  /** Resolve frames of transpiled code through source maps. Default true. Env: `WASMPROF_SOURCE_MAPS`. */
  sourceMaps?: boolean;
  /** Labels put on every sample. Env: `WASMPROF_SERVICE`, `WASMPROF_VERSION`, `WASMPROF_ENV`. */
  labels?: StaticLabels;
  /** Frame cache capacity (frames kept by key). Default 16384; from 16 to 16777216. Env: `WASMPROF_FRAME_CACHE`. */
  frameCacheCapacity?: number;
  /** Stack source. Default `'auto'`. Env: `WASMPROF_SOURCE`. */
  source?: SourceChoice;
  /** Core memory (bytes) above which the core is recycled between periods: a fresh instance
   *  gives back what a spike grew (WebAssembly memory never shrinks). Default 64 MiB; from
   *  4 MiB to 2 GiB (units KiB, MiB, GiB). Env: `WASMPROF_CORE_HIGH_WATER`. */
  coreHighWater?: number | string;
  /** Where WASMPROF_* variables are read from. Default `process.env`; pass `{}` to ignore the environment. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface ResolvedOptions {
  profiles: ProfileType[];
  intervalMicros: number;
  periodMillis: number;
  heapIntervalBytes: number;
  outputDir: string | undefined;
  sourceMaps: boolean;
  labels: Array<[string, string]>;
  frameCacheCapacity: number;
  source: SourceChoice;
  coreHighWaterBytes: number;
}

export const ENV = {
  profiles: 'WASMPROF_PROFILES',
  interval: 'WASMPROF_INTERVAL',
  period: 'WASMPROF_PERIOD',
  heapInterval: 'WASMPROF_HEAP_INTERVAL',
  outputDir: 'WASMPROF_OUTPUT_DIR',
  sourceMaps: 'WASMPROF_SOURCE_MAPS',
  service: 'WASMPROF_SERVICE',
  version: 'WASMPROF_VERSION',
  env: 'WASMPROF_ENV',
  frameCacheCapacity: 'WASMPROF_FRAME_CACHE',
  source: 'WASMPROF_SOURCE',
  coreHighWater: 'WASMPROF_CORE_HIGH_WATER',
} as const;

export const DEFAULTS = {
  profiles: ['wall', 'cpu'] as ProfileType[],
  intervalMicros: 10_000,
  periodMillis: 60_000,
  heapIntervalBytes: 524_288,
  sourceMaps: true,
  frameCacheCapacity: 16_384,
  source: 'auto' as SourceChoice,
  coreHighWaterBytes: DEFAULT_HIGH_WATER_BYTES,
};

export const LIMITS = {
  intervalMicros: { min: 100, max: 1_000_000 },
  periodMillis: { min: 100, max: 86_400_000 },
  heapIntervalBytes: { min: 1024, max: 1024 ** 3 },
  frameCacheCapacity: { min: 16, max: 1 << 24 },
  coreHighWaterBytes: { min: 4 * 1024 * 1024, max: 2 * 1024 ** 3 },
  labelLength: 200,
};

/** A bad option value. `option` is the option's name in code, `variable` the env variable when it came from there. */
export class WasmprofOptionError extends RangeError {
  override readonly name = 'WasmprofOptionError';
  constructor(readonly option: string, readonly variable: string | undefined, message: string) {
    super(message);
  }
}

interface Origin { option: string; variable?: string; value: unknown }

function fail(o: Origin, expected: string): never {
  const from = o.variable ? ` (from ${o.variable})` : '';
  const shown = typeof o.value === 'string' ? JSON.stringify(o.value) : String(o.value);
  throw new WasmprofOptionError(o.option, o.variable, `wasmprof: invalid ${o.option} ${shown}${from}: ${expected}`);
}

/** Picks the option from code, else from the environment (empty variables count as unset). */
function pick<T>(option: string, code: T | undefined, env: Readonly<Record<string, string | undefined>>, variable: string): Origin | undefined {
  if (code !== undefined) return { option, value: code };
  const v = env[variable];
  if (v === undefined || v.trim() === '') return undefined;
  return { option, variable, value: v.trim() };
}

const DURATION_UNITS: Record<string, number> = { us: 1, 'µs': 1, ms: 1000, s: 1_000_000, m: 60_000_000, h: 3_600_000_000 };

/** Parses a duration to microseconds: a number is milliseconds; a string is a number with an
 *  optional unit (us, µs, ms, s, m, h; none = ms). NaN when it is not one. */
export function parseDurationMicros(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v * 1000 : NaN;
  if (typeof v !== 'string') return NaN;
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(us|µs|ms|s|m|h)?$/i.exec(v.trim());
  if (!m) return NaN;
  const unit = (m[2] ?? 'ms').toLowerCase();
  return Number(m[1]) * DURATION_UNITS[unit];
}

function formatMicros(us: number): string {
  if (us >= 3_600_000_000 && us % 3_600_000_000 === 0) return `${us / 3_600_000_000}h`;
  if (us >= 1_000_000 && us % 1_000_000 === 0) return `${us / 1_000_000}s`;
  if (us >= 1000 && us % 1000 === 0) return `${us / 1000}ms`;
  return `${us}us`;
}

function duration(o: Origin, min: number, max: number, example: string): number {
  const us = parseDurationMicros(o.value);
  const range = `a duration from ${formatMicros(min)} to ${formatMicros(max)} (a number is milliseconds; units us, ms, s, m, h), e.g. ${example}`;
  if (!Number.isFinite(us)) fail(o, `expected ${range}`);
  if (us < min || us > max) fail(o, `out of range: expected ${range}`);
  return Math.round(us);
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

function bytes(o: Origin, min: number, max: number): number {
  let n = NaN;
  if (typeof o.value === 'number') n = o.value;
  else if (typeof o.value === 'string') {
    const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(o.value);
    const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
    if (m && unit !== undefined) n = Number(m[1]) * unit;
  }
  const range = `a whole number of bytes from ${min} to ${max} (units KiB, MiB, GiB accepted), e.g. ${min === 1024 ? '524288 or 512KiB' : '64MiB'}`;
  if (!Number.isFinite(n) || !Number.isInteger(n)) fail(o, `expected ${range}`);
  if (n < min || n > max) fail(o, `out of range: expected ${range}`);
  return n;
}

function integer(o: Origin, min: number, max: number): number {
  const n = typeof o.value === 'number' ? o.value : typeof o.value === 'string' && /^\d+$/.test(o.value) ? Number(o.value) : NaN;
  if (!Number.isInteger(n)) fail(o, `expected a whole number from ${min} to ${max}`);
  if (n < min || n > max) fail(o, `out of range: expected a whole number from ${min} to ${max}`);
  return n;
}

function boolean(o: Origin): boolean {
  if (typeof o.value === 'boolean') return o.value;
  if (typeof o.value === 'string') {
    const s = o.value.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s)) return true;
    if (['0', 'false', 'no', 'off'].includes(s)) return false;
  }
  return fail(o, 'expected true or false (or 1/0, yes/no, on/off)');
}

function profiles(o: Origin): ProfileType[] {
  let items: unknown[];
  if (typeof o.value === 'string') items = o.value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  else if (Array.isArray(o.value)) items = o.value;
  else return fail(o, `expected a list of ${PROFILE_TYPES.join(', ')} (e.g. "wall,cpu,heap")`);
  if (items.length === 0) fail(o, `expected at least one of ${PROFILE_TYPES.join(', ')}`);
  const out: ProfileType[] = [];
  for (const it of items) {
    if (typeof it !== 'string' || !(PROFILE_TYPES as readonly string[]).includes(it)) {
      fail(o, `unknown profile type ${JSON.stringify(it)}; accepted: ${PROFILE_TYPES.join(', ')}`);
    }
    if (out.includes(it as ProfileType)) fail(o, `profile type "${it}" is listed twice`);
    out.push(it as ProfileType);
  }
  return out;
}

function label(o: Origin): string {
  if (typeof o.value !== 'string') return fail(o, 'expected a string');
  if (o.value === '' || o.value.length > LIMITS.labelLength || /[\u0000-\u001f\u007f]/.test(o.value)) {
    fail(o, `expected 1 to ${LIMITS.labelLength} characters without control characters`);
  }
  return o.value;
}

const KNOWN_KEYS = ['profiles', 'interval', 'period', 'heapInterval', 'outputDir', 'sourceMaps', 'labels', 'frameCacheCapacity', 'source', 'coreHighWater', 'env'];

/** process.env, or an empty environment where reading it is not allowed (Deno without --allow-env):
 *  the WASMPROF_* variables then simply do not apply. */
export function processEnv(): Readonly<Record<string, string | undefined>> {
  try {
    if (typeof process === 'undefined') return {};
    const env = process.env;
    void env.WASMPROF_PROFILES; // Deno checks the permission on access, not on the object
    return env;
  } catch {
    return {};
  }
}

/** Validates and completes options. `extraKeys` are further option names the caller handles itself. */
export function resolveOptions(options: StartOptions = {}, extraKeys: readonly string[] = []): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new WasmprofOptionError('options', undefined, 'wasmprof: start() options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.includes(key) && !extraKeys.includes(key)) {
      throw new WasmprofOptionError(key, undefined, `wasmprof: unknown option "${key}"; accepted: ${[...KNOWN_KEYS, ...extraKeys].join(', ')}`);
    }
  }
  const env = options.env ?? processEnv();
  if (env === null || typeof env !== 'object') throw new WasmprofOptionError('env', undefined, 'wasmprof: invalid env: expected an object of strings');

  const p = pick('profiles', options.profiles, env, ENV.profiles);
  const iv = pick('interval', options.interval, env, ENV.interval);
  const pe = pick('period', options.period, env, ENV.period);
  const hi = pick('heapInterval', options.heapInterval, env, ENV.heapInterval);
  const od = pick('outputDir', options.outputDir, env, ENV.outputDir);
  const sm = pick('sourceMaps', options.sourceMaps, env, ENV.sourceMaps);
  const fc = pick('frameCacheCapacity', options.frameCacheCapacity, env, ENV.frameCacheCapacity);
  const src = pick('source', options.source, env, ENV.source);
  const hw = pick('coreHighWater', options.coreHighWater, env, ENV.coreHighWater);

  const intervalMicros = iv ? duration(iv, LIMITS.intervalMicros.min, LIMITS.intervalMicros.max, '10ms') : DEFAULTS.intervalMicros;
  const periodMicros = pe ? duration(pe, LIMITS.periodMillis.min * 1000, LIMITS.periodMillis.max * 1000, '60s') : DEFAULTS.periodMillis * 1000;
  if (periodMicros < intervalMicros * 10) {
    fail(pe ?? { option: 'period', value: formatMicros(periodMicros) },
      `must be at least 10 sampling intervals (interval is ${formatMicros(intervalMicros)}, so at least ${formatMicros(intervalMicros * 10)})`);
  }
  let outputDir: string | undefined;
  if (od) {
    if (typeof od.value !== 'string' || od.value === '' || od.value.includes('\u0000')) fail(od, 'expected a directory path');
    outputDir = od.value;
  }
  let source = DEFAULTS.source;
  if (src) {
    if (src.value !== 'auto' && src.value !== 'native' && src.value !== 'inspector') fail(src, 'expected auto, native or inspector');
    source = src.value;
  }
  const labels: Array<[string, string]> = [];
  const given = options.labels;
  if (given !== undefined && (given === null || typeof given !== 'object')) {
    throw new WasmprofOptionError('labels', undefined, 'wasmprof: invalid labels: expected an object like { service, version, env }');
  }
  for (const key of ['service', 'version', 'env'] as const) {
    const o = pick(`labels.${key}`, given?.[key], env, ENV[key]);
    if (o) labels.push([key, label(o)]);
  }
  if (given) {
    for (const key of Object.keys(given)) {
      if (key !== 'service' && key !== 'version' && key !== 'env') {
        throw new WasmprofOptionError('labels', undefined, `wasmprof: invalid labels: unknown key "${key}"; static labels are service, version and env (use runWithLabels for others)`);
      }
    }
  }
  return {
    profiles: p ? profiles(p) : [...DEFAULTS.profiles],
    intervalMicros,
    periodMillis: periodMicros / 1000,
    heapIntervalBytes: hi ? bytes(hi, LIMITS.heapIntervalBytes.min, LIMITS.heapIntervalBytes.max) : DEFAULTS.heapIntervalBytes,
    outputDir,
    sourceMaps: sm ? boolean(sm) : DEFAULTS.sourceMaps,
    labels,
    frameCacheCapacity: fc ? integer(fc, LIMITS.frameCacheCapacity.min, LIMITS.frameCacheCapacity.max) : DEFAULTS.frameCacheCapacity,
    source,
    coreHighWaterBytes: hw ? bytes(hw, LIMITS.coreHighWaterBytes.min, LIMITS.coreHighWaterBytes.max) : DEFAULTS.coreHighWaterBytes,
  };
}
