// Between periods the profiler recycles its core past the high-water mark (WebAssembly memory
// never shrinks; a fresh instance gives a spike's memory back) and says so in the next profile.
import t from 'tap';
import { start } from '../../sdk/index.js';
import { decode } from './helpers.js';

t.test('a spike of unique frames past the high-water mark recycles the core; profiles stay valid', async (t) => {
  const profiler = await start({ profiles: ['wall'], interval: '1ms', period: '1h', coreHighWater: '4MiB', sourceMaps: false, env: {} });
  t.teardown(() => profiler.stop().catch(() => undefined));
  // Thousands of distinct functions with long names: the dictionary grows past 4 MiB.
  const spike = (n: number): number => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const name = `generated_function_with_a_long_name_${i}_${'x'.repeat(6000)}`;
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      const f = new Function(`return function ${name}(k) { let s = 0; for (let j = 0; j < 100000; j++) s += j * k; return s; }`)() as (k: number) => number;
      acc += f(i);
    }
    return acc;
  };
  const impl = profiler as unknown as { upkeepStats: { recycles: number; coreMemoryBytes: number } };
  let recycledAt = -1;
  for (let round = 0; round < 6 && recycledAt < 0; round++) {
    spike(1500);
    const r = await profiler.collect();
    t.ok(r.wall && decode(r.wall).samples.length >= 0, `period ${round} decodes`);
    if (impl.upkeepStats.recycles > 0) recycledAt = round;
  }
  t.ok(recycledAt >= 0, `recycled after round ${recycledAt}`);
  t.ok(impl.upkeepStats.coreMemoryBytes < 4 * 1024 * 1024, `core memory back under the mark: ${impl.upkeepStats.coreMemoryBytes}`);
  // The next period carries the report, and still attributes samples.
  const burn = (ms: number): number => { const end = Date.now() + ms; let x = 0; while (Date.now() < end) x++; return x; };
  burn(150);
  const next = await profiler.collect();
  const d = decode(next.wall!);
  t.ok(d.comments.some((c) => c.startsWith('wasmprof core recycled:')), 'recycle reported in the next profile');
  t.ok(d.samples.length > 0, 'samples after the recycle');
});

t.test('coreHighWater is validated', async (t) => {
  await t.rejects(start({ coreHighWater: '1KiB', env: {} }), /invalid coreHighWater "1KiB".*from 4194304 to 2147483648/);
  await t.rejects(start({ env: { WASMPROF_CORE_HIGH_WATER: 'lots' } }), /invalid coreHighWater "lots" \(from WASMPROF_CORE_HIGH_WATER\)/);
});
