// Options of one core instance, their defaults and their validation.
import { ConfigError, configFail, parseInteger, type ConfigSubject } from '../config/index.js';

export interface CoreOptions {
  /** Frame cache capacity (keys kept). Default 16384. */
  frameCacheCapacity?: number;
  /** Idle scratch buffers kept by the pool. Default 4. */
  poolIdleMax?: number;
  /** Size of one scratch buffer in bytes (header included). Default 64 KiB. */
  bufferBytes?: number;
  /** Scratch buffers out at once (at most 32). Default 32. */
  maxBuffers?: number;
  /** Hard cap on the core's linear memory in bytes; 0 means the wasm32 limit. Default 256 MiB. */
  maxMemoryBytes?: number;
  /** Frames kept per captured stack (leaf side); 0 = unlimited. Default 1024. */
  maxStackDepth?: number;
  /** Whether a forked child resumes sampling when its parent was sampling. Default true. */
  profileChildren?: boolean;
  /** Process id recorded in the core (taken again after a fork). Default 0. */
  pid?: number;
  /** Seed of the allocation sampler's generator. Default: random. */
  seed?: number;
  /** Mean bytes between allocation samples. Default 524288 (512 KiB). */
  allocationSampleBytes?: number;
}

export type ResolvedCoreOptions = Required<CoreOptions>;

const WASM32_PAGES = 65536;

/** The core's wording, which callers match on: `wasmprof core: option maxBuffers must be an integer from 1 to 32 (got 99)`. */
function option(name: string): ConfigSubject {
  return { option: name, error: (p) => new ConfigError(p, `wasmprof core: option ${name} must be ${p.expected} (got ${String(p.value)})`) };
}

function int(name: string, v: unknown, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const expected = `an integer from ${min} to ${max}`;
  // Numbers only: the core is configured from code, never from text.
  if (typeof v !== 'number') configFail(option(name), v, { expected });
  return parseInteger(option(name), v, { min, max, expected });
}

export function resolveCoreOptions(o: CoreOptions = {}): ResolvedCoreOptions {
  if (o === null || typeof o !== 'object') throw new TypeError('wasmprof core: options must be an object');
  if (o.profileChildren !== undefined && typeof o.profileChildren !== 'boolean') {
    configFail(option('profileChildren'), o.profileChildren, { expected: 'a boolean' });
  }
  return {
    frameCacheCapacity: int('frameCacheCapacity', o.frameCacheCapacity, 16384, 1, 1 << 24),
    poolIdleMax: int('poolIdleMax', o.poolIdleMax, 4, 0, 32),
    bufferBytes: int('bufferBytes', o.bufferBytes, 64 * 1024, 256, 16 * 1024 * 1024),
    maxBuffers: int('maxBuffers', o.maxBuffers, 32, 1, 32),
    maxMemoryBytes: int('maxMemoryBytes', o.maxMemoryBytes, 256 * 1024 * 1024, 0, 4 * 1024 * 1024 * 1024),
    maxStackDepth: int('maxStackDepth', o.maxStackDepth, 1024, 0, 65536),
    profileChildren: o.profileChildren ?? true,
    pid: int('pid', o.pid, 0, 0, 0xffffffff),
    seed: int('seed', o.seed, Math.floor(Math.random() * 0x100000000), 0, Number.MAX_SAFE_INTEGER),
    allocationSampleBytes: int('allocationSampleBytes', o.allocationSampleBytes, 512 * 1024, 0, 2 ** 40),
  };
}

export function memoryPages(maxMemoryBytes: number): number {
  return maxMemoryBytes === 0 ? WASM32_PAGES : Math.max(1, Math.floor(maxMemoryBytes / 65536));
}
