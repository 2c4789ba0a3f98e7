// Between-period upkeep: a process that finds itself a fork child with its parent's state resets
// the core through the fork protocol (once), and fork counts reach the profile comments.
import t from 'tap';
import { Core } from '../../sdk/core.js';
import { CoreUpkeep } from '../../sdk/profiler/core-upkeep.js';
import type { ForkEvents, ForkWatch } from '../../sdk/runtime/fork-bridge.js';

function scriptedWatch(events: ForkEvents[]): ForkWatch {
  let i = 0;
  return { check: () => events[Math.min(i++, events.length - 1)] };
}

t.test('a fork child holding its parent state: the core is reset for the child, once', async (t) => {
  const core = await Core.create({ pid: 100 });
  core.startSampling();
  core.internStack([core.internFrame({ name: 'parent_secret', file: 'p.js', mapping: '', line: 1, column: 1 })]);
  const watch = scriptedWatch([
    { forks: 0, inChild: false, source: 'atfork' }, // read by the constructor
    { forks: 3, inChild: false, source: 'atfork' },
    { forks: 1, inChild: true, source: 'atfork' },
    { forks: 0, inChild: true, source: 'atfork' },
  ]);
  const upkeep = new CoreUpkeep(core, 64 * 1024 * 1024, undefined, watch);
  t.equal(upkeep.checkFork(100, 1), false, 'parent: nothing to do');
  t.equal(upkeep.checkFork(200, 7), true, 'child detected');
  t.equal(upkeep.core.pid, 200, 'the core took the child pid');
  t.equal(upkeep.core.stats().dictionary.frames, 0, 'nothing interned in the parent is left');
  t.same(upkeep.core.threads(), [7]);
  t.equal(upkeep.core.samplerState, 1, 'sampling resumes in the child (it ran at the fork)');
  t.equal(upkeep.checkFork(200, 7), false, 'reset only once');
  const comments = upkeep.takeComments();
  t.ok(comments.includes('wasmprof forks: 4 since the last period (detected by atfork)'), comments.join(' | '));
  t.ok(upkeep.takeComments().includes('wasmprof forks: 0 since the last period (detected by atfork)'), 'counts are taken once');
});

t.test('past the high-water mark the core is recycled and the next comments say so', async (t) => {
  const core = await Core.create({ maxMemoryBytes: 0 });
  const s = core.internStack([core.internFrame({ name: 'x', file: '', mapping: '', line: 0, column: 0 })]);
  for (let i = 0; i < 200_000; i++) core.trackAlloc(1, i * 16, 8, s);
  const upkeep = new CoreUpkeep(core, 4 * 1024 * 1024, undefined, scriptedWatch([{ forks: 0, inChild: false, source: 'pid' }]));
  t.ok(core.memoryBytes > 4 * 1024 * 1024);
  upkeep.betweenPeriods();
  t.equal(upkeep.recycles, 1);
  t.not(upkeep.core, core, 'a fresh instance');
  t.same(upkeep.core.tables().owners(), [{ owner: 1, count: 200_000, bytes: 1_600_000 }], 'live map carried over');
  t.ok(upkeep.takeComments().some((c) => c.startsWith('wasmprof core recycled: ') && c.includes('200000 live allocations carried over')));
});
