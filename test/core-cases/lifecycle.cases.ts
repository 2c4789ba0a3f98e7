// DESIGN §2 reset and lifecycle behaviours (the fork protocol as the core implements it).
import { SamplerState } from '../../sdk/core.js';
import type { CoreCase } from './harness.js';
import { newCore, stackOf, stackNames, now } from './util.js';
import type { Core } from '../../sdk/core.js';

function fill(c: Core, n: number): void {
  const s = stackOf(c, ['fill']);
  const raw = c.raw;
  for (let i = 0; i < n; i++) raw.liveAlloc(1, i * 16, 0, 16, s, 0);
  for (let i = 0; i < Math.min(n, 50_000); i++) raw.stackPush(s, 0);
}

/** Median time of one reset, over repeated fill+reset rounds (the fill is not timed). */
function resetTime(c: Core, n: number, rounds: number): number {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    fill(c, n);
    const reps = 200;
    const t0 = now();
    for (let i = 0; i < reps; i++) c.reset();
    times.push((now() - t0) / reps);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export const cases: CoreCase[] = [
  {
    name: 'core.wasm imports nothing, and repeated readouts never disturb its state',
    run(t, ctx) {
      t.deepEqual(WebAssembly.Module.imports(ctx.module), [], 'release build: empty import section');
      t.deepEqual(WebAssembly.Module.imports(ctx.debugModule).map((i) => `${i.module}.${i.name}`), ['env.checkpoint'], 'debug build: only the hook');
      const c = newCore(ctx);
      const s = stackOf(c, ['x']);
      c.trackAlloc(1, 8, 8, s);
      // A runtime allocator sharing memory with the arena once overwrote the header here.
      for (let i = 0; i < 20_000; i++) c.raw.tablesView();
      t.equal(c.stats().frameCache.capacity, 16384, 'configuration intact');
      t.deepEqual(c.tables().owners(), [{ owner: 1, count: 1, bytes: 8 }]);
    },
  },
  {
    name: 'reset: empties every structure and takes the same time for 1e3 and 1e6 entries',
    run(t, ctx) {
      const c = newCore(ctx, { maxMemoryBytes: 0 });
      fill(c, 1000);
      c.reset();
      const s = c.stats();
      t.deepEqual([s.live.entries, s.dictionary.stacks, s.dictionary.frames, s.frameCache.entries, s.period.samples], [0, 0, 0, 0, 0]);
      const small = resetTime(c, 1_000, 3);
      const large = resetTime(c, 1_000_000, 3);
      // The reset itself writes a fixed 1.2 KiB header block; allow a generous factor for noise.
      t.ok(large < small * 10 + 0.01, `reset ${small.toFixed(5)} ms at 1e3 vs ${large.toFixed(5)} ms at 1e6 entries`);
    },
  },
  {
    name: 'lifecycle: a fork before the profiler ever started makes all three handlers no-ops',
    run(t, ctx) {
      const c = newCore(ctx);
      const s = stackOf(c, ['kept']);
      c.trackAlloc(1, 0x10, 5, s);
      c.prefork();
      t.equal(c.postforkParent(), false);
      t.equal(c.postforkChild(999, 1), false);
      t.equal(c.pid, 100, 'pid untouched');
      t.equal(c.stats().live.entries, 1, 'nothing reset');
      t.equal(c.stats().resets, 0);
    },
  },
  {
    name: 'lifecycle: prefork records whether sampling ran and changes nothing else; the parent resumes exactly',
    run(t, ctx) {
      const c = newCore(ctx);
      t.equal(c.startSampling(), true);
      t.equal(c.startSampling(), false, 'never a second sampler');
      const s = stackOf(c, ['p']);
      c.addSample(0, s, 0, 1);
      c.prefork();
      t.equal(c.wasRunningAtFork, true);
      t.equal(c.samplerState, SamplerState.running, 'prefork stops nothing (it waits on nothing)');
      t.equal(c.postforkParent(), true, 'still sampling');
      t.equal(c.samplerStarts, 1, 'no second start');
      t.equal(c.tables().samples().length, 1, 'parent data intact');
      // was-running is taken at each prefork, not inferred from state an earlier one changed.
      c.stopSampling();
      c.prefork();
      t.equal(c.wasRunningAtFork, false);
      t.equal(c.postforkParent(), false, 'stays stopped');
      t.equal(c.samplerStarts, 1);
    },
  },
  {
    name: 'lifecycle: postforkChild resets in O(1), takes the pid, drops the error, registers one thread, resumes if it ran',
    run(t, ctx) {
      const c = newCore(ctx);
      c.registerThread(11); c.registerThread(12); c.registerThread(13);
      c.startSampling();
      const s = stackOf(c, ['parent_secret_frame']);
      c.addSample(0, s, c.internLabels({ user: 'parent' }), 1);
      c.trackAlloc(1, 0x10, 64, s);
      t.throws(() => c.addSample(0, 999, 0, 1), /unknown handle/);
      t.notEqual(c.lastError, 0, 'an error is recorded');
      c.prefork();
      t.equal(c.postforkChild(4242, 77), true, 'sampling resumes in the child');
      t.equal(c.pid, 4242);
      t.equal(c.lastError, 0, 'inherited error dropped');
      t.deepEqual(c.threads(), [77], 'only the current thread');
      const st = c.stats();
      t.deepEqual([st.live.entries, st.dictionary.strings, st.dictionary.frames, st.dictionary.stacks, st.period.samples, st.frameCache.entries], [0, 0, 0, 0, 0, 0]);
      // The child works normally and its output holds nothing interned in the parent.
      const cs = stackOf(c, ['child_frame']);
      c.addSample(0, cs, 0, 1);
      const tb = c.tables();
      const names = Array.from({ length: tb.counts.strings }, (_, i) => tb.string(i));
      t.ok(!names.includes('parent_secret_frame') && !names.includes('parent'), 'no parent strings');
      t.deepEqual(stackNames(c, cs), ['child_frame']);
      t.equal(c.samplerStarts, 2, 'one start in the child');
    },
  },
  {
    name: 'lifecycle: the child stays stopped when sampling was off, when children are not profiled, or after an error',
    run(t, ctx) {
      const off = newCore(ctx);
      off.startSampling(); off.stopSampling();
      off.prefork();
      t.equal(off.postforkChild(2, 2), false);
      t.equal(off.samplerState, SamplerState.stopped);

      const noKids = newCore(ctx, { profileChildren: false });
      noKids.startSampling();
      noKids.prefork();
      t.equal(noKids.postforkChild(3, 3), false);
      t.equal(noKids.samplerState, SamplerState.stopped);
      t.equal(noKids.postforkParent(), false, 'a stray parent call after the child reset is harmless');

      const failed = newCore(ctx);
      failed.startSampling();
      failed.failSampling(5);
      failed.prefork();
      t.equal(failed.postforkChild(4, 4), false, 'stopped on error stays stopped');
      t.equal(failed.lastError, 0, 'but the error itself is not inherited');
    },
  },
  {
    name: 'lifecycle: a capture begun before a fork is void in the child',
    run(t, ctx) {
      const c = newCore(ctx);
      c.startSampling();
      const cap = c.beginCapture();
      cap?.push(1, 0, () => ({ name: 'parent', file: '', mapping: '', line: 0, column: 0 }));
      c.prefork();
      c.postforkChild(5, 5);
      t.throws(() => cap?.commit(0, 0, 1), /unknown handle/, 'the buffer handle belongs to the parent state');
      t.equal(c.tables().samples().length, 0);
    },
  },
];
