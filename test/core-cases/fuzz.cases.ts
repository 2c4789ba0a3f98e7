// Fuzzing the snapshot decoder: random and mutated inputs (with and without a repaired
// checksum, so the structural checks are reached too) must give a clean CoreError and an
// untouched core, or a complete restore when the mutation happens to be valid.
import { Core, CoreError } from '../../sdk/core.js';
import type { CoreCase } from './harness.js';
import { newCore, rng, liveDigest, stackOf } from './util.js';
import { buildFixtureState, fixChecksum } from './snapshot-util.js';

function mutate(r: () => number, good: Uint8Array): Uint8Array {
  const b = Array.from(good);
  const edits = 1 + Math.floor(r() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * b.length);
    switch (Math.floor(r() * 6)) {
      case 0: b[at] ^= 1 << Math.floor(r() * 8); break;
      case 1: b[at] = Math.floor(r() * 256); break;
      case 2: b.splice(at, 1 + Math.floor(r() * 8)); break;
      case 3: b.splice(at, 0, ...Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 256))); break;
      case 4: b.length = Math.floor(r() * b.length); break;
      default: { const v = [0, 0xff, 0x7f, 0x80][Math.floor(r() * 4)]; for (let k = 0; k < 4 && at + k < b.length; k++) b[at + k] = v; }
    }
  }
  return new Uint8Array(b);
}

export const cases: CoreCase[] = [
  {
    name: 'fuzz: the snapshot decoder returns a clean error and leaves the core untouched on every bad input',
    run(t, ctx) {
      const src = newCore(ctx);
      buildFixtureState(src);
      for (let i = 0; i < 40; i++) src.trackAlloc(20 + (i % 3), i * 32, i + 1, stackOf(src, [`fz${i % 6}`, 'main']));
      const good = src.encodeSnapshot().bytes;
      const target: Core = newCore(ctx);
      target.trackAlloc(99, 0x1234, 77, stackOf(target, ['resident']));
      const baseline = liveDigest(target);
      const envN = Number(ctx.env('WASMPROF_FUZZ_ITERATIONS') ?? '');
      const n = Number.isInteger(envN) && envN > 0 ? envN : ctx.stress ? 100_000 : 3_000;
      const r = rng(2024);
      let rejected = 0, accepted = 0;
      const problems: string[] = [];
      for (let i = 0; i < n && problems.length < 5; i++) {
        let input: Uint8Array;
        const mode = i % 4;
        if (mode === 0) input = new Uint8Array(Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256)));
        else if (mode === 1) input = mutate(r, good);
        else input = fixChecksum(target, mutate(r, good));
        if (mode === 0 && input.length >= 4 && r() < 0.5) input.set([0x57, 0x50, 0x53, 0x4e]);
        try {
          const restoredCount = target.restoreSnapshot(input);
          accepted++;
          // A valid (mutated) snapshot was applied completely: undo it to keep the baseline.
          if (target.liveMismatch() !== 0) problems.push(`input ${i}: inconsistent after restore`);
          void restoredCount;
          for (const o of target.tables().owners()) if (o.owner !== 99) target.clearOwner(o.owner);
        } catch (err) {
          rejected++;
          if (!(err instanceof CoreError)) problems.push(`input ${i}: ${String(err)}`);
          else if (!/^wasmprof core: restoreSnapshot: /.test(err.message)) problems.push(`input ${i}: unclear message ${err.message}`);
        }
        if (i % 97 === 0 || problems.length) {
          const now = liveDigest(target) as { entries: unknown; owners: unknown };
          const base = baseline as { entries: unknown; owners: unknown };
          if (JSON.stringify(now.entries) !== JSON.stringify(base.entries)) problems.push(`input ${i}: live map changed`);
        }
      }
      t.deepEqual(problems, [], `no crash, no unclear error, no partial restore over ${n} inputs`);
      t.ok(rejected > n * 0.5, `${rejected} rejected, ${accepted} accepted`);
      t.equal(target.liveMismatch(), 0);
      t.equal(target.restoreSnapshot(good), 45, 'still restores a good snapshot');
    },
  },
];
