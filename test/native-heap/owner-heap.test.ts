// The high-water mark without copying: OwnerHeap's peak_* equals the live state a brute-force
// reference copies at every new maximum, over random alloc/free/realloc sequences; the exit mark
// freezes inuse_* and peak_*; temporaries count only flagged frees of known blocks.
import t from 'tap';
import { OwnerHeap } from '../../sdk/native-heap/owner-heap.js';
import { sampleWeight, type StackValues } from '../../sdk/pprof/native-heap.js';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
}

const INTERVAL = 4096;
function byStack(live: Map<bigint, { stack: number; size: number }>): StackValues {
  const out: StackValues = new Map();
  for (const e of live.values()) {
    const [o, b] = sampleWeight(e.size, INTERVAL);
    const v = out.get(e.stack);
    if (v) { v[0] += o; v[1] += b; } else out.set(e.stack, [o, b]);
  }
  return out;
}
function same(t: Tap.Test, got: StackValues, want: StackValues, what: string): void {
  const keys = new Set([...got.keys(), ...want.keys()]);
  let worst = 0;
  for (const k of keys) worst = Math.max(worst, Math.abs((got.get(k)?.[1] ?? 0) - (want.get(k)?.[1] ?? 0)));
  t.ok(worst < 1e-3, `${what}: largest per-stack difference ${worst.toExponential(1)} bytes over ${keys.size} stacks`);
}

t.test('peak equals a copy taken at every new maximum', async (t) => {
  for (const seed of [1, 2, 3, 42]) {
    const r = rng(seed);
    const heap = new OwnerHeap(1, INTERVAL);
    const live = new Map<bigint, { stack: number; size: number }>();
    let peakBytes = -1;
    let peakCopy: StackValues = new Map();
    let next = 0x1000n;
    const total = () => [...byStack(live).values()].reduce((s, v) => s + v[1], 0);
    for (let i = 0; i < 4000; i++) {
      const x = r();
      const addrs = [...live.keys()];
      if (x < 0.5 || addrs.length === 0) {
        const a = next; next += 16n;
        const e = { stack: 1 + Math.floor(r() * 12), size: 1 + Math.floor(r() * 20000) };
        live.set(a, e); heap.alloc(a, e.size, e.stack, i);
      } else if (x < 0.9) {
        const a = addrs[Math.floor(r() * addrs.length)];
        live.delete(a); heap.free(a);
      } else {
        const a = addrs[Math.floor(r() * addrs.length)];
        const b = next; next += 16n;
        const e = { stack: 1 + Math.floor(r() * 12), size: 1 + Math.floor(r() * 20000) };
        live.delete(a); heap.free(a); live.set(b, e); heap.alloc(b, e.size, e.stack, i);
      }
      const now = total();
      if (now > peakBytes) { peakBytes = now; peakCopy = byStack(live); }
      if (i % 1000 === 999) {
        const p = heap.endPeriod();
        same(t, p.peak, peakCopy, `seed ${seed}, period ${(i + 1) / 1000}: peak`);
        same(t, p.inuse, byStack(live), `seed ${seed}, period ${(i + 1) / 1000}: inuse`);
        t.ok(Math.abs(p.peakBytes - peakBytes) < 1e-3, 'peak bytes');
        peakBytes = total(); peakCopy = byStack(live); // the next period starts from what is live
      }
    }
    t.ok(heap.peakStats.cleared <= 8000, `entries cleared at new maxima (${heap.peakStats.cleared}) bounded by the events (${8000})`);
  }
});

t.test('exit mark freezes in use and peak; temporaries', async (t) => {
  const heap = new OwnerHeap(7, 1); // interval 1: every block weighs exactly its size
  heap.alloc(0x10n, 100, 1, 0);
  heap.alloc(0x20n, 50, 2, 0);
  heap.free(0x20n, true);
  heap.free(0x999n, true); // unknown: ignored
  heap.alloc(0x30n, 10, 3, 0);
  heap.markExit({ why: 2, code: 0, timeMs: 1 });
  heap.free(0x10n); heap.free(0x30n); // teardown
  heap.alloc(0x40n, 1000, 4, 2); // teardown allocations are not part of the peak either
  const p = heap.endPeriod();
  t.same([...p.inuse], [[1, [1, 100]], [3, [1, 10]]], 'in use at the mark');
  t.same([...p.peak].sort((a, b) => a[0] - b[0]), [[1, [1, 100]], [2, [1, 50]]], 'peak: 150 bytes before the temporary free');
  t.same([...p.temporary], [[2, [1, 50]]], 'temporary: the flagged free of a known block');
  t.equal(p.allocs.get(1)?.[1], 100);
});
