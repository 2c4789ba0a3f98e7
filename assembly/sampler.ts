// Byte-weighted allocation sampling with exponentially distributed intervals (mean =
// CFG_SAMPLE_MEAN bytes): every byte has the same chance of being the one that triggers a
// sample, so big allocations are sampled proportionally more often and an allocation of size
// s is sampled with probability 1 - exp(-s/mean); hosts scale by its inverse. A seeded
// xorshift64* generator keeps runs reproducible in tests and independent across processes.
import { CFG_SAMPLE_MEAN, CFG_SEED_LO, CFG_SEED_HI, LC_PID, SMP_RNG, SMP_UNTIL, SMP_SEEDED, HDR, hget, hset, hgetf, hsetf } from "./layout";
import { mix32 } from "./hash";

function nextU64(): u64 {
  let x = load<u64>(HDR + SMP_RNG);
  x ^= x >>> 12; x ^= x << 25; x ^= x >>> 27;
  store<u64>(HDR + SMP_RNG, x);
  return x * 0x2545f4914f6cdd1d;
}

/** Uniform in (0, 1]. */
function nextUnit(): f64 { return (<f64>(nextU64() >>> 11) + 1) * (1.0 / 9007199254740992.0); }

export function samplerReseed(): void {
  const lo = <u64>hget(CFG_SEED_LO);
  const hi = <u64>mix32(hget(CFG_SEED_HI) ^ hget(LC_PID));
  let s = (hi << 32) | lo;
  if (s == 0) s = 0x9e3779b97f4a7c15;
  store<u64>(HDR + SMP_RNG, s);
  hset(SMP_SEEDED, 1);
  hsetf(SMP_UNTIL, nextInterval());
}

export function nextInterval(): f64 {
  const mean = hgetf(CFG_SAMPLE_MEAN);
  return -Math.log(nextUnit()) * mean;
}

/** 1 when an allocation of `size` bytes is to be sampled. */
export function samplerSample(size: f64): i32 {
  if (hget(SMP_SEEDED) == 0) samplerReseed();
  const mean = hgetf(CFG_SAMPLE_MEAN);
  if (mean <= 1) return 1;
  let until = hgetf(SMP_UNTIL) - size;
  if (until > 0) { hsetf(SMP_UNTIL, until); return 0; }
  // Several intervals may fit in one large allocation; it is still one sample.
  while (until <= 0) until += nextInterval();
  hsetf(SMP_UNTIL, until);
  return 1;
}
