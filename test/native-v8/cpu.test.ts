// Native CpuSource on the main thread: a CPU-burn fixture with two hot functions sharing the time
// 2:1 is attributed 2:1 by self samples, at the fixture's own (0-based) line numbers, and the
// period's thread CPU time matches a CPU-bound period.
import t from 'tap';
import { pathToFileURL } from 'node:url';
import { BURN_PATH, bridgeOrThrow, burnFixture, fixtureLine, selfSamples, shapeProblems } from './fixtures/profile-helpers.js';

const fx = burnFixture();

t.test('hotA:hotB self samples 2:1, right lines, thread CPU ≈ wall', async (t) => {
  const bridge = bridgeOrThrow();
  const cpu = bridge.cpu();
  t.equal(cpu.kind, 'native');
  // (Code that was already hot before start() is covered by prewarmed.test.ts.)
  await cpu.start(1000);
  fx.burn(50); // compile and warm the fixture before the measured period
  await cpu.rotate(); // drop the start-up period
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  fx.burn(1500);
  const wallMicros = (performance.now() - wall0) * 1000;
  const proc = process.cpuUsage(cpu0);
  const p = await cpu.stop();

  t.same(shapeProblems(p), [], 'DevTools shape: ids, children, samples, hitCounts consistent');
  const self = selfSamples(p);
  const a = self.get('hotA') ?? 0;
  const b = self.get('hotB') ?? 0;
  const ratio = a / Math.max(1, b);
  t.comment(`samples: ${p.samples.length} in ${(wallMicros / 1000).toFixed(0)} ms; hotA ${a}, hotB ${b}, ratio ${ratio.toFixed(2)} (expected 2)`);
  t.ok(p.samples.length > 300, `enough samples at 1 ms (${p.samples.length})`);
  t.ok((a + b) / p.samples.length > 0.8, `the hot functions hold most self samples (${a + b}/${p.samples.length})`);
  t.ok(ratio > 1.4 && ratio < 2.6, `hotA/hotB = ${ratio.toFixed(2)}, within 2.0 ± 0.6`);

  const url = pathToFileURL(BURN_PATH).href;
  for (const name of ['hotA', 'hotB', 'burn']) {
    const node = p.nodes.find((n) => n.callFrame.functionName === name);
    if (!node) {
      t.fail(`no node for ${name}`);
      continue;
    }
    t.equal(node.callFrame.lineNumber, fixtureLine(name), `${name}: 0-based line ${fixtureLine(name)}`);
    t.equal(node.callFrame.url, url, `${name}: file URL, as the inspector reports it`);
    t.match(node.callFrame.scriptId, /^[1-9]\d*$/, `${name}: scriptId is a numeric string`);
  }
  const nameOf = new Map(p.nodes.map((n) => [n.id, n.callFrame.functionName]));
  const burnNodes = p.nodes.filter((n) => n.callFrame.functionName === 'burn');
  t.ok(burnNodes.some((n) => n.children?.some((c) => nameOf.get(c) === 'hotA')), 'hotA is a child of burn');

  const threadCpu = p.threadCpuMicros ?? NaN;
  const procCpu = proc.user + proc.system;
  const periodWall = p.endTime - p.startTime;
  t.comment(`period: wall ${(periodWall / 1000).toFixed(0)} ms, thread CPU ${(threadCpu / 1000).toFixed(0)} ms (${((100 * threadCpu) / periodWall).toFixed(0)}% of wall); process CPU over the burn ${(procCpu / 1000).toFixed(0)} ms`);
  t.ok(threadCpu > 0.5 * periodWall, 'thread CPU > 50% of the wall time of a CPU-bound period');
  t.ok(threadCpu <= periodWall * 1.02 + 2000, 'thread CPU cannot exceed wall time');
  // Independent of machine load: the burn runs on this thread only, so the process's CPU time
  // over the burn is this thread's plus small change (sampler thread, GC helpers).
  t.ok(threadCpu > 0.8 * procCpu && threadCpu < procCpu * 1.1 + 20_000, 'thread CPU ≈ process CPU of the burn');
});

t.test('restart after stop(): same attribution and lines, 0.5 ms interval, timings reported', async (t) => {
  const bridge = bridgeOrThrow();
  const cpu = bridge.cpu();
  await cpu.start(500);
  fx.burn(200);
  const p1 = await cpu.rotate();
  const timings = cpu.lastTimings();
  fx.burn(200);
  const p2 = await cpu.stop();
  t.same(shapeProblems(p1), []);
  t.same(shapeProblems(p2), []);
  for (const p of [p1, p2]) {
    const node = p.nodes.find((n) => n.callFrame.functionName === 'hotB');
    t.equal(node?.callFrame.lineNumber, fixtureLine('hotB'));
  }
  t.ok(p1.samples.length > 100 && p2.samples.length > 100, `0.5 ms interval: ${p1.samples.length} and ${p2.samples.length} samples in 200 ms`);
  t.ok(timings.flattenMicros > 0 && timings.shapeMicros > 0, 'rotation timings');
  t.comment(`rotation timings (µs): ${JSON.stringify(timings)}`);
});
