// Native fork loop: fork() from C on the main thread, over and over, while
//   - the test addon's busy thread mutates its ring and pool, stamped with the bridge's epoch
//     (so forks land mid-operation),
//   - a worker thread spins to keep the other core loaded,
//   - V8's CPU profiler samples this thread every millisecond (node:inspector).
// Every child checks the bridge and that state from C and must _exit(0) within its deadline; nothing may hang;
// afterwards the parent's profile must still be a profile with samples.
//
// CI size: 1,000 forks. WASMPROF_STRESS=1: 10,000.
import t from 'tap';
import { Session } from 'node:inspector/promises';
import { Worker } from 'node:worker_threads';
import { forkBridge } from '../../sdk/runtime/fork-bridge.js';
import { attachedTestAddon, describeFailures, type ForkResult } from './fixtures/test-addon.js';

const STRESS = process.env.WASMPROF_STRESS === '1';
const FORKS = STRESS ? 10_000 : 1_000;
const BATCH = 25;
const CHILD_DEADLINE_MS = 10_000;
t.setTimeout(STRESS ? 600_000 : 120_000);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string };
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

function startCpuHog(): { stop: () => Promise<void> } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const w = new Worker(
    `const { workerData } = require('node:worker_threads');
     const flag = workerData;
     let x = 0;
     while (Atomics.load(flag, 0) === 0) { for (let i = 0; i < 100000; i++) x = (x * 31 + i) | 0; }`,
    { eval: true, workerData: flag },
  );
  return {
    stop: async () => {
      Atomics.store(flag, 0, 1);
      await new Promise<void>((ok) => w.once('exit', () => ok()));
    },
  };
}

// Named so that the profile can be searched for it.
function parentBusyWork(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) x = (x + i * i) % 1000003;
  return x;
}

t.test(`${FORKS} forks from C while the bridge thread is busy and V8 samples at 1 ms`, async (t) => {
  const loaded = forkBridge();
  if (!loaded.bridge) return t.fail(`bridge not built: ${loaded.reason}`);
  const bridge = loaded.bridge;
  const build = await attachedTestAddon(bridge);
  if (typeof build === 'string') return t.fail(build);
  t.comment(`test addon ${build.cached ? 'cached' : 'built'} in ${build.ms.toFixed(0)} ms`);
  const addon = build.addon;

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');

  const hog = startCpuHog();
  t.equal(addon.startBusyThread(), true, 'busy thread started');
  addon.ringPush(100); // events in flight from JS too
  const before = bridge.state();

  const total: ForkResult = { forks: 0, ok: 0, failed: 0, timeouts: 0, signaled: 0, forkErrors: 0, failures: [], firstFailure: null, maxChildMs: 0, totalMs: 0 };
  const tally = new Map<number, number>();
  const t0 = performance.now();
  try {
    for (let done = 0; done < FORKS; done += BATCH) {
      const r = addon.forkChildren(Math.min(BATCH, FORKS - done), {
        deadlineMs: CHILD_DEADLINE_MS,
        nestedEvery: 10,
        threadInChild: true,
      });
      total.forks += r.forks;
      total.ok += r.ok;
      total.failed += r.failed;
      total.timeouts += r.timeouts;
      total.signaled += r.signaled;
      total.forkErrors += r.forkErrors;
      total.maxChildMs = Math.max(total.maxChildMs, r.maxChildMs);
      for (const [code, n] of r.failures) tally.set(code, (tally.get(code) ?? 0) + n);
      if (r.firstFailure && !total.firstFailure) total.firstFailure = { ...r.firstFailure, iteration: r.firstFailure.iteration + done };
      parentBusyWork(1);
      await new Promise((ok) => setImmediate(ok));
    }
  } finally {
    total.totalMs = performance.now() - t0;
    await hog.stop();
  }
  const ops = addon.stopBusyThread();
  const after = bridge.state();
  const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
  await session.post('Profiler.disable');
  session.disconnect();
  total.failures = [...tally.entries()];

  t.comment(
    `forks=${total.forks} ok=${total.ok} in ${(total.totalMs / 1000).toFixed(2)} s ` +
      `(${(total.totalMs / FORKS).toFixed(2)} ms/fork, slowest child ${total.maxChildMs.toFixed(1)} ms), busy-thread ops=${ops}`,
  );
  t.equal(total.forkErrors, 0, 'fork() never failed');
  t.equal(total.timeouts, 0, 'no child missed its deadline (no hang)');
  t.equal(total.signaled, 0, 'no child crashed');
  t.same(describeFailures(addon, total), [], 'every check passed in every child');
  t.equal(total.ok, FORKS, 'every child exited 0');
  t.same(total.firstFailure, null);

  t.ok(ops > 0, 'the bridge thread was busy during the loop');
  t.equal(after.prepared - before.prepared, FORKS, 'prepare handler ran once per fork');
  t.equal(after.parentResumes - before.parentResumes, FORKS, 'parent handler ran once per fork');
  t.equal(after.childResets, before.childResets, 'child handler never ran in the parent');
  t.equal(after.forkGeneration, before.forkGeneration, 'parent generation unchanged');
  t.equal(after.lastPid, process.pid);
  t.equal(addon.state().wasRunningAtFork, true);
  t.ok(addon.ringDrain(1_000_000).count >= 0, 'ring still usable in the parent');

  const samples = profile.samples ?? [];
  t.ok(samples.length > 50, `profile has samples (${samples.length})`);
  t.ok(profile.endTime > profile.startTime, 'profile time range is sane');
  t.ok((profile.timeDeltas ?? []).every((d) => d >= 0), 'time deltas are non-negative');
  const ids = new Set(profile.nodes.map((n) => n.id));
  t.ok(samples.every((id) => ids.has(id)), 'every sample points at a node');
  // parentBusyWork itself, or the loop it was inlined into (TurboFan may inline a 1 ms function).
  const sampled = new Set(samples);
  const parentJs = profile.nodes.filter((n) => (n.callFrame.functionName === 'parentBusyWork' || n.callFrame.url.endsWith('fork-loop.test.ts')) && sampled.has(n.id));
  t.ok(parentJs.length > 0, `parent JS frames were sampled during the loop (${parentJs.map((n) => n.callFrame.functionName || '(anonymous)').join(', ')})`);
});
