// Profiling code that was already hot before the thread's profiler existed. V8 tells a new
// profiler about existing code by walking functions, which misses on-stack-replacement code:
// without the full GC that start() runs first (collectGarbageFirst, default), a hot loop
// compiled that way keeps having its samples attributed to its caller. Own process: the
// profiler is created once per thread.
import t from 'tap';
import { bridgeOrThrow, burnFixture, selfSamples } from './fixtures/profile-helpers.js';

t.test('hot before start(): still attributed to hotA and hotB', async (t) => {
  const fx = burnFixture();
  fx.burn(600); // long enough for V8 to optimize the loops (on-stack replacement)
  const cpu = bridgeOrThrow().cpu();
  const t0 = performance.now();
  await cpu.start(1000);
  t.comment(`first start() (full GC + eager code logging): ${(performance.now() - t0).toFixed(1)} ms`);
  fx.burn(600);
  const p = await cpu.stop();
  const self = selfSamples(p);
  const a = self.get('hotA') ?? 0;
  const b = self.get('hotB') ?? 0;
  t.comment(`hotA ${a}, hotB ${b}, burn ${self.get('burn') ?? 0} of ${p.samples.length} samples`);
  t.ok((a + b) / p.samples.length > 0.8, 'the hot functions hold their samples (not their caller)');
  t.ok(a / Math.max(1, b) > 1.4 && a / Math.max(1, b) < 2.6, 'in the right ratio');
});
