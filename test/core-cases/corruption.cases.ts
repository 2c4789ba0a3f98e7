// DESIGN §2 "reset is safe on corrupted state": copy the core's memory in the middle of every
// kind of mutation (the debug build calls a hook between the individual stores), instantiate a
// "child" on the copy, postforkChild(), then use it normally. At every interruption point.
import { Core } from '../../sdk/core.js';
import { HDR, HDR_RESET, HOOK_LAST, LIVE_CHUNK_ENTRIES } from '../../sdk/core/layout.generated.js';
import type { CoreCase, Assert, CaseContext } from './harness.js';
import { frame, stackNames, rng, liveDigest } from './util.js';

const HOOK_NAMES = ['', 'frame cache move-to-front unlinked', 'frame cache relinked', 'frame cache eviction unchained', 'frame cache eviction slot reused',
  'table entries grown', 'table buckets half rebuilt', 'table insert', 'table remove', 'live insert', 'live remove',
  'string bytes copied', 'pool pop', 'sample half added', 'live chunk taken', 'live bucket half split', 'live chunk returned', 'sample table growing', 'live bulk load half linked'];
const OPTIONS = { frameCacheCapacity: 8, seed: 1, pid: 1 };

/** Exercises every mutation kind: cache hits/evictions, table growth, inserts and removals. */
function workload(c: Core): void {
  c.startSampling();
  const r = rng(5);
  for (let i = 0; i < 300; i++) {
    const key = Math.floor(r() * 24);
    if (c.lookupFrame(key, 0) < 0) c.storeFrame(key, 0, frame(`parent_fn_${key}`, key));
    const cap = c.beginCapture();
    cap?.push(key, 0, () => frame(`parent_fn_${key}`, key));
    cap?.push(100 + (i % 5), 0, () => frame(`parent_caller_${i % 5}`));
    const h = cap?.commit(0, 0, 1, 10) ?? 0;
    c.trackAlloc(i % 3, 0x1000 + (i % 40) * 8, 8 + i, h);
    if (i % 3 === 0) c.trackFree(i % 3, 0x1000 + ((i + 7) % 40) * 8);
  }
  // Live-table chunks taken and returned, twice (the second burst reuses the free list).
  const s = c.internStack([c.internFrame(frame('burst'))]);
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 5 * LIVE_CHUNK_ENTRIES; i++) c.raw.liveAlloc(7, i * 16, 0, 16, s, 0);
    for (let i = 0; i < 5 * LIVE_CHUNK_ENTRIES; i++) c.raw.liveFree(7, i * 16, 0);
  }
  // A snapshot restored into the emptied map: the bulk load appends, then links in passes.
  const snap = c.encodeSnapshot();
  for (const owner of [0, 1, 2]) c.clearOwner(owner);
  c.restoreSnapshot(snap.bytes);
}

function useChild(t: Assert, child: Core, label: string): void {
  t.equal(child.postforkChild(2000, 9), true, `${label}: child resumes sampling`);
  const st = child.stats();
  t.deepEqual([st.live.entries, st.dictionary.strings, st.frameCache.entries, st.period.samples, st.pool.out], [0, 0, 0, 0, 0], `${label}: child starts empty`);
  // Use every structure and check the answers.
  for (let k = 0; k < 30; k++) t.equal(child.lookupFrame(k, 0), -1, `${label}: no stale cache hit for ${k}`);
  const ids: number[] = [];
  for (let k = 0; k < 20; k++) ids.push(child.storeFrame(k, 0, frame(`child_${k}`)));
  t.equal(child.stats().frameCache.entries, 8, `${label}: cache bounded`);
  const cap = child.beginCapture();
  cap?.push(19, 0, () => frame('unused'));
  cap?.push(500, 0, () => frame('child_root'));
  const h = cap?.commit(0, 0, 3) ?? 0;
  t.deepEqual(stackNames(child, h), ['child_19', 'child_root'], `${label}: capture works`);
  for (let i = 0; i < 100; i++) child.trackAlloc(1, i * 16, 4, h);
  for (let i = 0; i < 50; i++) child.trackFree(1, i * 16);
  t.deepEqual(child.tables().owners(), [{ owner: 1, count: 50, bytes: 200 }], `${label}: live totals exact`);
  t.equal(child.liveMismatch(), 0);
  const snap = child.encodeSnapshot();
  const fresh = Core.instantiate(child.module, OPTIONS);
  fresh.restoreSnapshot(snap.bytes);
  t.deepEqual(liveDigest(fresh), liveDigest(child), `${label}: snapshot round trip`);
  const tb = child.tables();
  const names = Array.from({ length: tb.counts.strings }, (_, i) => tb.string(i));
  t.ok(names.every((n) => !n.startsWith('parent_')), `${label}: nothing interned in the parent appears`);
}

function forkAt(ctx: CaseContext, hookId: number, occurrence: number): Uint8Array | undefined {
  let seen = 0;
  let copy: Uint8Array | undefined;
  let parent: Core | undefined;
  parent = Core.instantiate(ctx.debugModule, OPTIONS, {
    onCheckpoint: (id) => {
      if (id === hookId && ++seen === occurrence && parent) {
        // Another thread forks here: its prepare handler runs, then the memory is duplicated
        // with this mutation half done.
        parent.raw.prefork();
        copy = parent.memoryCopy();
        parent.raw.postforkParent();
      }
    },
  });
  workload(parent);
  return copy;
}

export const cases: CoreCase[] = [
  {
    name: 'corruption: a child made from memory copied mid-mutation resets and works, at every interruption point',
    run(t, ctx) {
      t.equal(HOOK_NAMES.length, HOOK_LAST + 1, 'a name for every interruption point');
      for (let id = 1; id <= HOOK_LAST; id++) {
        for (const occurrence of [1, 7]) {
          const copy = forkAt(ctx, id, occurrence);
          t.ok(copy !== undefined, `hook ${id} (${HOOK_NAMES[id]}) reached ${occurrence}x by the workload`);
          if (!copy) continue;
          const child = Core.fromMemory(ctx.debugModule, copy, Core.instantiate(ctx.module, OPTIONS).options);
          useChild(t, child, `hook ${id} #${occurrence} (${HOOK_NAMES[id]})`);
        }
      }
    },
  },
  {
    name: 'corruption: postforkChild never reads old contents (everything past the configuration scrambled)',
    run(t, ctx) {
      const parent = Core.instantiate(ctx.module, OPTIONS);
      workload(parent);
      parent.prefork();
      const copy = parent.memoryCopy();
      const r = rng(11);
      // Scramble the resettable header block and the whole arena; keep the configuration words.
      for (let i = HDR + HDR_RESET; i < copy.length; i++) copy[i] = Math.floor(r() * 256);
      const child = Core.fromMemory(ctx.module, copy, parent.options);
      useChild(t, child, 'scrambled');
    },
  },
];
