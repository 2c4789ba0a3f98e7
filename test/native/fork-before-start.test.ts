// A fork before anything was started: the handlers must be no-ops for the bridge's state
// (they only count, and the child records its pid and generation), nothing may break, and
// the counters must stay consistent. Runs in its own process (tap runs each file in one), so
// the addon is freshly loaded here and nothing has used it.
import t from 'tap';
import { execFile } from 'node:child_process';
import { forkBridge } from '../../sdk/runtime/fork-bridge.js';
import { buildTestAddon, describeFailures } from './fixtures/test-addon.js';

const runTrue = () =>
  new Promise<number | null>((ok) => execFile('/bin/true', { timeout: 10_000 }, (err) => ok(err ? ((err as { code?: number }).code ?? -1) : 0)));

t.test('fork before anything was started', async (t) => {
  // Build (or fetch) the test addon before loading the bridge: node-gyp spawns processes.
  const build = await buildTestAddon();
  if (!build.addon) return t.fail(`test addon not built: ${build.reason}`);
  const addon = build.addon;
  const loaded = forkBridge();
  if (!loaded.bridge) return t.fail(`bridge not built: ${loaded.reason}`);
  const bridge = loaded.bridge;
  addon.attach(bridge.path); // reads the bridge's C table; starts nothing

  const fresh = bridge.state();
  t.equal(fresh.active, false, 'nothing started yet');
  t.equal(fresh.registered, true);
  t.equal(fresh.prepared, fresh.parentResumes, 'no fork in flight');
  t.equal(fresh.childResets, 0);
  t.equal(fresh.forkGeneration, 0);

  // A spawn (real fork() in Node on Linux) before anything was started.
  t.equal(await runTrue(), 0, 'spawn works');
  const afterSpawn = bridge.state();
  t.equal(afterSpawn.prepared - fresh.prepared, 1, 'prepare counted');
  t.equal(afterSpawn.parentResumes - fresh.parentResumes, 1, 'parent counted');
  t.equal(afterSpawn.active, false, 'the handlers started nothing');
  t.equal(addon.state().threadRunning, false);
  t.equal(addon.state().wasRunningAtFork, false);

  // Forks from C: each child checks that the child handler reset nothing (childResets
  // unchanged because nothing was active), that its state is usable, and (every child here)
  // that a grandchild forked before using anything sees the same no-op behaviour.
  const r = addon.forkChildren(50, { deadlineMs: 10_000, nestedEvery: 1, threadInChild: true });
  t.same(describeFailures(addon, r), [], 'every child check passed');
  t.equal(r.ok, 50, 'every child exited 0');
  t.equal(r.timeouts + r.signaled + r.forkErrors, 0, 'no hang, crash or fork error');
  const afterForks = bridge.state();
  t.equal(afterForks.prepared - afterSpawn.prepared, 50);
  t.equal(afterForks.parentResumes - afterSpawn.parentResumes, 50);
  t.equal(afterForks.childResets, 0, 'the child handler never runs in the parent');
  t.equal(afterForks.forkGeneration, 0, 'the parent is not a child');
  t.equal(afterForks.active, false, 'the children used the bridge; the parent still has started nothing');
  const testState = addon.state();
  t.equal(testState.ringDropped + testState.poolExhausted + testState.staleReleases, 0, 'no counter moved in the parent');
  t.equal(addon.ringDrain().count, 0, 'nothing from the children leaked into the parent');

  // Now start something: the next children must see a reset (childResets + 1), which the
  // child checks against the parent's `active` flag.
  addon.ringPush(5);
  t.equal(bridge.state().active, true);
  const r2 = addon.forkChildren(10, { deadlineMs: 10_000, nestedEvery: 2 });
  t.same(describeFailures(addon, r2), [], 'children of a started parent reset their state');
  t.equal(r2.ok, 10);
  t.equal(addon.ringDrain().count, 5, "the parent's own events are untouched");
});
