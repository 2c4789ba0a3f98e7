// Instance recycling (issue: fork/recycle): memory given back after a spike, live state exact
// across a recycle, what the budget cleared reported.
import { RecyclingCore, recycleCore } from '../../sdk/core.js';
import type { CoreCase } from './harness.js';
import { newCore, stackOf, liveDigest, stackNames } from './util.js';

export const cases: CoreCase[] = [
  {
    name: 'recycle: after a spike of tracked allocations is freed, a recycle brings core memory back near baseline',
    run(t, ctx) {
      const core = newCore(ctx, { maxMemoryBytes: 0 });
      const host = new RecyclingCore(core, { highWaterBytes: 8 * 1024 * 1024 });
      const s = stackOf(core, ['steady']);
      for (let i = 0; i < 100; i++) core.trackAlloc(1, 0x1000 + i * 16, 32, s);
      const baseline = core.memoryBytes;
      t.equal(host.maybeRecycle(), undefined, 'below the high-water mark: nothing happens');
      const spike = ctx.stress ? 1_000_000 : 300_000;
      for (let i = 0; i < spike; i++) core.trackAlloc(2, 0x10_0000_0000 + i * 64, 100, s);
      const peak = core.memoryBytes;
      t.ok(peak > 4 * baseline, `memory grew with the spike (${baseline} -> ${peak})`);
      core.clearOwner(2);
      t.equal(core.memoryBytes, peak, 'freeing gives nothing back: wasm memory never shrinks');
      const report = host.maybeRecycle();
      t.ok(report, 'recycled past the high-water mark');
      t.notEqual(host.core, core, 'a new instance');
      t.ok(host.core.memoryBytes <= Math.max(2 * baseline, 2 * 1024 * 1024), `memory back near baseline: ${host.core.memoryBytes} (baseline ${baseline}, peak ${peak})`);
      t.equal(report?.restoredEntries, 100);
      t.deepEqual(host.core.tables().owners(), [{ owner: 1, count: 100, bytes: 3200 }]);
      t.deepEqual(host.takeReports().length, 1);
      t.deepEqual(host.takeReports().length, 0, 'reports are taken once');
    },
  },
  {
    name: 'recycle: allocations live across a recycle keep exact totals, counts, stacks and sampler state',
    run(t, ctx) {
      const core = newCore(ctx);
      core.startSampling();
      core.registerThread(5);
      for (let i = 0; i < 2000; i++) core.trackAlloc(1 + (i % 3), 0x4000 + i * 8, 1 + (i % 97), stackOf(core, [`f${i % 13}`, `g${i % 7}`, 'main']), i);
      for (let i = 0; i < 2000; i += 5) core.trackFree(1 + (i % 3), 0x4000 + i * 8);
      const before = liveDigest(core);
      const { core: fresh, report } = recycleCore(core);
      t.deepEqual(liveDigest(fresh), { ...(before as object), conflicts: 0, unmatched: 0 }, 'same entries, stacks, owners and totals');
      t.equal(report.clearedAddresses, 0);
      t.equal(fresh.samplerState, 1, 'still sampling');
      t.deepEqual(fresh.threads(), [5]);
      t.equal(fresh.stats().frameCache.entries, 0, 'the frame cache starts cold');
      // Samples still in the period refuse a recycle: they would be lost.
      const s = stackOf(fresh, ['x']);
      fresh.addSample(0, s, 0, 1);
      t.throws(() => recycleCore(fresh), /recycle only between periods/);
    },
  },
  {
    name: 'recycle: over the snapshot budget, stacks are cleared and the report says exactly what',
    run(t, ctx) {
      const core = newCore(ctx);
      for (let i = 0; i < 300; i++) core.trackAlloc(1, i * 16, 10 + i, stackOf(core, [`unique_stack_${i}_${'z'.repeat(30)}`]));
      const host = new RecyclingCore(core, { highWaterBytes: 1024 * 1024, snapshotBudget: 6000 });
      const report = host.recycleNow();
      t.ok(report.droppedStacks > 0 && report.clearedAddresses > 0, `cleared ${report.clearedAddresses} addresses`);
      t.ok(report.snapshotBytes <= 6000);
      const fresh = host.core;
      t.deepEqual(fresh.tables().owners(), core.tables().owners(), 'owner totals exact');
      const cleared = fresh.tables().liveEntries().filter((e) => stackNames(fresh, e.stack)[0] === '[live-alloc cleared]');
      t.equal(cleared.length, report.clearedAddresses);
      t.throws(() => new RecyclingCore(core, { highWaterBytes: 5 }), /highWaterBytes must be an integer of at least 1048576/);
    },
  },
];
