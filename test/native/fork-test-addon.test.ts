// The test addon's native state from JavaScript: an event ring, a scratch pool and a busy
// thread, stamped with the bridge's epoch (the forks that check it from C are in
// fork-loop.test.ts and fork-before-start.test.ts). These moved here with the code from the
// production bridge, which only counts forks (loader.test.ts).
import t from 'tap';
import { forkBridge } from '../../sdk/runtime/fork-bridge.js';
import { buildTestAddon } from './fixtures/test-addon.js';

t.test('the test addon attaches to the bridge and its ring, pool and thread work from JS', async (t) => {
  const r = forkBridge();
  if (!r.bridge) return t.fail(`addon not built: ${r.reason} (run node native-bridge/build.mjs)`);
  const build = await buildTestAddon();
  if (!build.addon) return t.fail(`test addon not built: ${build.reason}`);
  const addon = build.addon;
  t.throws(() => addon.ringPush(1), /attach\(bridge\.path\) first/, 'nothing works before attach');
  t.throws(() => addon.attach('/nonexistent/wasmprof_fork.node'), /not loaded in this process/, 'only a bridge that is loaded');
  t.equal(addon.attach(r.bridge.path), 2, "finds the loaded bridge's C table (version 2)");
  t.equal(addon.ringCapacity, 1024);
  // ring and pool from JS
  t.equal(addon.ringPush(10, 100), 10);
  t.same(addon.ringDrain(), { count: 10, sum: 100 * 10 + 45 });
  t.equal(r.bridge.state().active, true, "using the addon's state marks the bridge active (the next child counts a reset)");
  t.equal(addon.ringPush(addon.ringCapacity + 5), addon.ringCapacity, 'capacity is a hard bound');
  t.equal(addon.state().ringDropped, 5, 'overflow is counted, not silent');
  t.equal(addon.ringDrain(1_000_000).count, addon.ringCapacity);
  const slots = Array.from({ length: addon.poolSlots }, () => addon.poolAcquire());
  t.same(new Set(slots).size, addon.poolSlots, 'distinct slots');
  t.equal(addon.poolAcquire(), -1, 'exhausted');
  t.equal(addon.state().poolExhausted, 1);
  for (const s of slots) t.equal(addon.poolRelease(s), true);
  t.equal(addon.poolRelease(slots[0]), false, 'double release refused');
  t.equal(addon.startBusyThread(), true);
  t.equal(addon.startBusyThread(), false, 'only one busy thread');
  t.equal(addon.state().threadRunning, true);
  await new Promise((ok) => setTimeout(ok, 20));
  t.ok(addon.stopBusyThread() > 0, 'it did work');
  t.equal(addon.stopBusyThread(), -1, 'already stopped');
});
