// Rotation: the next profile starts before the current one stops, so consecutive periods are
// contiguous (no lost samples, none counted twice), and rotate() stalls the event loop for
// about a millisecond — measured here for a small program and with the TypeScript compiler
// (thousands of functions) running.
import t, { type Test } from 'tap';
import { Session } from 'node:inspector';
import type { RawCpuProfile } from '../../sdk/sources/types.js';
import type { NativeCpuSource, V8Bridge } from '../../sdk/sources/v8-bridge.js';
import { bridgeOrThrow, burnFixture, percentile, sampleTimes, shapeProblems } from './fixtures/profile-helpers.js';
import { tsWorkload } from './fixtures/ts-workload.js';

const INTERVAL = 1000;

interface Rotation {
  wallMs: number;
  cpuMs: number;
  releaseMs: number;
  nodes: number;
  profile: RawCpuProfile;
}

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs `work` then rotates, `count` times; times each rotate() call (its synchronous part is
 *  all of it) and the deferred delete that follows it. */
async function rotations(bridge: V8Bridge, cpu: NativeCpuSource, count: number, work: () => void): Promise<Rotation[]> {
  const out: Rotation[] = [];
  for (let i = 0; i < count; i++) {
    work();
    const c0 = bridge.threadCpuMicros();
    const t0 = performance.now();
    const pending = cpu.rotate();
    const wallMs = performance.now() - t0;
    const cpuMs = (bridge.threadCpuMicros() - c0) / 1000;
    const profile = await pending;
    await immediate(); // lets the deferred delete of V8's copy run
    out.push({ wallMs, cpuMs, releaseMs: cpu.lastTimings().deleteMicros / 1000, nodes: profile.nodes.length, profile });
  }
  return out;
}

function checkContiguous(t: Test, periods: RawCpuProfile[]): void {
  const gaps: number[] = [];
  let intraMax = 0;
  for (const p of periods) {
    const ts = sampleTimes(p);
    for (let i = 1; i < ts.length; i++) intraMax = Math.max(intraMax, ts[i] - ts[i - 1]);
  }
  for (let k = 1; k < periods.length; k++) {
    const prev = sampleTimes(periods[k - 1]);
    const next = sampleTimes(periods[k]);
    gaps.push(next[0] - prev[prev.length - 1]);
  }
  t.comment(`gap between the last sample of a period and the first of the next (µs): ${gaps.map((g) => g.toFixed(0)).join(', ')}; largest gap inside a period: ${intraMax.toFixed(0)} µs`);
  // Nothing unprofiled: each period started before the previous one ended (a stop+start
  // leaves a hole as long as the restart, during which samples are lost).
  t.ok(
    periods.every((p, k) => k === 0 || p.startTime <= periods[k - 1].endTime),
    'each period starts before the previous one ends (no hole in time)',
  );
  t.ok(gaps.every((g) => g > 0), 'no sample is in two periods (timestamps strictly increase across the boundary)');
  // And a boundary looks like any other pair of consecutive samples. On a loaded machine the
  // sampler thread itself can be starved for tens of ms anywhere, hence the loose bound.
  const bound = Math.max(20 * INTERVAL, 3 * intraMax);
  t.ok(gaps.every((g) => g <= bound), `boundary gaps within ${(bound / 1000).toFixed(1)} ms (a few intervals, or no worse than inside a period)`);
}

function report(t: Test, label: string, rs: Rotation[]): void {
  const wall = rs.map((r) => r.wallMs);
  const cpu = rs.map((r) => r.cpuMs);
  const release = rs.map((r) => r.releaseMs);
  const nodes = rs.map((r) => r.nodes);
  const f = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(' ');
  t.comment(`${label}: nodes per period ${nodes.join(' ')}`);
  t.comment(`${label}: rotate() stall ms (wall) ${f(wall)} -> max ${Math.max(...wall).toFixed(2)}, median ${percentile(wall, 50).toFixed(2)}`);
  t.comment(`${label}: rotate() thread CPU ms ${f(cpu)}; deferred delete ms ${f(release)} (a separate, later stall)`);
}

t.test('larger program (TypeScript compiler running): 5 rotations', async (t) => {
  const ts = tsWorkload();
  const bridge = bridgeOrThrow();
  const cpu = bridge.cpu();
  const t0 = performance.now();
  await cpu.start(INTERVAL);
  t.comment(`first start() with the TypeScript compiler loaded: ${(performance.now() - t0).toFixed(1)} ms (creates the profiler: eager logging of all existing code)`);
  ts.run(600); // warm up, and the start-up period
  await cpu.rotate();
  const rs = await rotations(bridge, cpu, 5, () => ts.run(300));
  ts.run(100);
  const last = await cpu.stop();
  const periods = [...rs.map((r) => r.profile), last];
  for (const [i, p] of periods.entries()) {
    t.same(shapeProblems(p), [], `period ${i}: DevTools shape`);
    t.ok(p.samples.length > 10, `period ${i} has samples (${p.samples.length})`);
  }
  checkContiguous(t, periods);
  report(t, 'TypeScript compiler', rs);
  t.ok(rs.every((r) => r.nodes > 500), 'periods with many nodes');

  // For scale, the fallback's rotation (node:inspector stop + start) on the same workload.
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): void =>
    session.post(method, params, (err) => {
      if (err) throw err;
    });
  post('Profiler.enable');
  post('Profiler.setSamplingInterval', { interval: INTERVAL });
  post('Profiler.start');
  const inspectorMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    ts.run(300);
    const t1 = performance.now();
    post('Profiler.stop');
    post('Profiler.start');
    inspectorMs.push(performance.now() - t1);
  }
  post('Profiler.stop');
  session.disconnect();
  t.comment(`node:inspector stop+start on the same workload, ms: ${inspectorMs.map((x) => x.toFixed(1)).join(' ')}`);
  // Against the fallback's rotation in the same process, not a fixed number of ms: a loaded
  // machine slows both alike (a CI run saw a 6.4 ms median next to 317 ms for the inspector).
  const inspectorMin = Math.min(...inspectorMs);
  t.ok(percentile(rs.map((r) => r.cpuMs), 50) < inspectorMin / 10, `median rotate() work under a tenth of node:inspector's stop+start (${(inspectorMin / 10).toFixed(1)} ms)`);
  t.ok(Math.max(...rs.map((r) => r.cpuMs)) < inspectorMin / 4, `no rotate() over a quarter of node:inspector's stop+start (${(inspectorMin / 4).toFixed(1)} ms)`);
});

t.test('small program: 5 rotations, contiguous periods, short stalls', async (t) => {
  const fx = burnFixture();
  const bridge = bridgeOrThrow();
  const cpu = bridge.cpu();
  await cpu.start(INTERVAL);
  fx.burn(200);
  await cpu.rotate(); // the start-up period
  const rs = await rotations(bridge, cpu, 5, () => fx.burn(250));
  fx.burn(100);
  const last = await cpu.stop();
  const periods = [...rs.map((r) => r.profile), last];
  for (const [i, p] of periods.entries()) {
    t.same(shapeProblems(p), [], `period ${i}: DevTools shape`);
    t.ok(p.samples.length > 10, `period ${i} has samples (${p.samples.length})`);
  }
  checkContiguous(t, periods);
  report(t, 'small program', rs);
  // Asserted on the thread's CPU time: wall time adds whatever preemption a loaded machine
  // inflicts (printed above).
  t.ok(percentile(rs.map((r) => r.cpuMs), 50) < 5, 'median rotate() work under 5 ms');
  t.ok(Math.max(...rs.map((r) => r.cpuMs)) < 25, 'no rotate() over 25 ms of work');
});

t.test('200 rapid rotations at a 50 µs interval: no sample twice, every period well-formed', async (t) => {
  // At this rate a sample now and then lands in the few µs where two profiles are recording
  // (the next one started, the last one not yet stopped); the newer period drops it.
  const fx = burnFixture();
  const cpu = bridgeOrThrow().cpu();
  await cpu.start(50);
  let dropped = 0;
  let duplicates = 0;
  let malformed = 0;
  let samples = 0;
  let prevLast = -Infinity;
  for (let i = 0; i < 200; i++) {
    fx.hotA(2);
    const p = await cpu.rotate();
    dropped += cpu.lastTimings().droppedOverlap;
    const ts = sampleTimes(p);
    if (ts.length > 0) {
      if (ts[0] <= prevLast) duplicates++;
      prevLast = ts[ts.length - 1];
    }
    samples += ts.length;
    if (shapeProblems(p).length > 0) malformed++;
  }
  await cpu.stop();
  t.comment(`${samples} samples in 200 periods; ${dropped} overlap samples dropped from the newer period`);
  t.equal(duplicates, 0, 'no period starts with a sample the previous one had');
  t.equal(malformed, 0, 'hitCounts match the kept samples in every period');
});
