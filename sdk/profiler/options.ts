// Profiler options: what users pass to start(), the WASMPROF_* environment variables that set the
// same things, their defaults, and their validation. Precedence: an option given in code wins over
// the environment, which wins over the default. Every bad value fails start() with one
// WasmprofOptionError that names the option (and the variable it came from) and the accepted range.
import {
  ConfigError, configFail, describeConfigProblem, durationMicros, formatDuration, parseBoolean, parseBytes, parseChoice,
  parseDuration, parseInteger, parseList, parseText, processEnv as configProcessEnv, type ConfigProblem, type ConfigSubject, type Env,
} from '../config/index.js';
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
   *  (a number of bytes, or with a unit: `512KiB`, `1MiB`; KiB/MiB/GiB are 1024-based, KB/MB/GB 1000-based). */
  heapInterval?: number | string;
  /** Heap profiles also carry alloc_objects/alloc_space: what was allocated in the period,
   *  collected objects included. Needs the native bridge on Node 26 or later (elsewhere one line
   *  says why and heap profiles stay in-use only); costs V8 memory for the collected samples,
   *  bounded by restarting its sampler (docs/configuration.md, "Allocations"). Default false.
   *  Env: `WASMPROF_HEAP_ALLOCATIONS`. */
  heapAllocations?: boolean;
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
   *  4 MiB to 2 GiB (units KiB, MiB, GiB; KB, MB, GB are 1000-based). Env: `WASMPROF_CORE_HIGH_WATER`. */
  coreHighWater?: number | string;
  /** Where WASMPROF_* variables are read from. Default `process.env`; pass `{}` to ignore the environment. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface ResolvedOptions {
  profiles: ProfileType[];
  intervalMicros: number;
  periodMillis: number;
  heapIntervalBytes: number;
  heapAllocations: boolean;
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
  heapAllocations: 'WASMPROF_HEAP_ALLOCATIONS',
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
  heapAllocations: false,
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

/** A bad option value. `option` is the option's name in code, `variable` the env variable when it
 *  came from there. A ConfigError (and so a RangeError) like every configuration error. */
export class WasmprofOptionError extends ConfigError {
  override readonly name = 'WasmprofOptionError';
  override readonly option: string;
  constructor(option: string, variable: string | undefined, message: string, problem?: ConfigProblem) {
    super({ ...problem, option, variable }, message);
    this.option = option;
  }
}

interface Origin { option: string; variable?: string; value: unknown }

function subject(o: Origin): ConfigSubject {
  return { option: o.option, variable: o.variable, error: (p) => new WasmprofOptionError(o.option, o.variable, describeConfigProblem(p), p) };
}

/** Fails with a reason of the profiler's own (checks no shared parser makes). */
function fail(o: Origin, reason: string): never {
  return configFail(subject(o), o.value, { reason });
}

/** Picks the option from code, else from the environment (empty variables count as unset). */
function pick<T>(option: string, code: T | undefined, env: Env, variable: string): Origin | undefined {
  if (code !== undefined) return { option, value: code };
  const v = env[variable];
  if (v === undefined || v.trim() === '') return undefined;
  return { option, variable, value: v.trim() };
}

/** Parses a duration to microseconds: a number is milliseconds; a string is a number with an
 *  optional unit (us, µs, ms, s, m, h; none = ms). NaN when it is not one. */
export function parseDurationMicros(v: unknown): number {
  return durationMicros(v, 'ms');
}

function duration(o: Origin, min: number, max: number, example: string): number {
  return parseDuration(subject(o), o.value, { min, max, unit: 'us', bare: 'ms', example });
}

function bytes(o: Origin, min: number, max: number): number {
  return parseBytes(subject(o), o.value, { min, max, example: min === 1024 ? '524288 or 512KiB' : '64MiB' });
}

const KNOWN_KEYS = ['profiles', 'interval', 'period', 'heapInterval', 'heapAllocations', 'outputDir', 'sourceMaps', 'labels', 'frameCacheCapacity', 'source', 'coreHighWater', 'env'];

/** process.env, or an empty environment where reading it is not allowed (Deno without --allow-env):
 *  the WASMPROF_* variables then simply do not apply. */
export function processEnv(): Readonly<Record<string, string | undefined>> {
  return configProcessEnv();
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
  const ha = pick('heapAllocations', options.heapAllocations, env, ENV.heapAllocations);
  const od = pick('outputDir', options.outputDir, env, ENV.outputDir);
  const sm = pick('sourceMaps', options.sourceMaps, env, ENV.sourceMaps);
  const fc = pick('frameCacheCapacity', options.frameCacheCapacity, env, ENV.frameCacheCapacity);
  const src = pick('source', options.source, env, ENV.source);
  const hw = pick('coreHighWater', options.coreHighWater, env, ENV.coreHighWater);

  const intervalMicros = iv ? duration(iv, LIMITS.intervalMicros.min, LIMITS.intervalMicros.max, '10ms') : DEFAULTS.intervalMicros;
  const periodMicros = pe ? duration(pe, LIMITS.periodMillis.min * 1000, LIMITS.periodMillis.max * 1000, '60s') : DEFAULTS.periodMillis * 1000;
  if (periodMicros < intervalMicros * 10) {
    fail(pe ?? { option: 'period', value: formatDuration(periodMicros) },
      `must be at least 10 sampling intervals (interval is ${formatDuration(intervalMicros)}, so at least ${formatDuration(intervalMicros * 10)})`);
  }
  let outputDir: string | undefined;
  if (od) {
    if (typeof od.value !== 'string' || od.value === '' || od.value.includes('\u0000')) fail(od, 'expected a directory path');
    outputDir = od.value;
  }
  const source = src ? parseChoice(subject(src), src.value, { values: ['auto', 'native', 'inspector'] as const }) : DEFAULTS.source;
  const labels: Array<[string, string]> = [];
  const given = options.labels;
  if (given !== undefined && (given === null || typeof given !== 'object')) {
    throw new WasmprofOptionError('labels', undefined, 'wasmprof: invalid labels: expected an object like { service, version, env }');
  }
  for (const key of ['service', 'version', 'env'] as const) {
    const o = pick(`labels.${key}`, given?.[key], env, ENV[key]);
    if (o) labels.push([key, parseText(subject(o), o.value, { max: LIMITS.labelLength })]);
  }
  if (given) {
    for (const key of Object.keys(given)) {
      if (key !== 'service' && key !== 'version' && key !== 'env') {
        throw new WasmprofOptionError('labels', undefined, `wasmprof: invalid labels: unknown key "${key}"; static labels are service, version and env (use runWithLabels for others)`);
      }
    }
  }
  return {
    profiles: p ? parseList(subject(p), p.value, { values: PROFILE_TYPES, item: 'profile type', example: 'wall,cpu,heap' }) : [...DEFAULTS.profiles],
    intervalMicros,
    periodMillis: periodMicros / 1000,
    heapIntervalBytes: hi ? bytes(hi, LIMITS.heapIntervalBytes.min, LIMITS.heapIntervalBytes.max) : DEFAULTS.heapIntervalBytes,
    heapAllocations: ha ? parseBoolean(subject(ha), ha.value) : DEFAULTS.heapAllocations,
    outputDir,
    sourceMaps: sm ? parseBoolean(subject(sm), sm.value) : DEFAULTS.sourceMaps,
    labels,
    frameCacheCapacity: fc ? parseInteger(subject(fc), fc.value, LIMITS.frameCacheCapacity) : DEFAULTS.frameCacheCapacity,
    source,
    coreHighWaterBytes: hw ? bytes(hw, LIMITS.coreHighWaterBytes.min, LIMITS.coreHighWaterBytes.max) : DEFAULTS.coreHighWaterBytes,
  };
}
