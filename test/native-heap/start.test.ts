// start({ profiles: ['native-heap'] }) in a Node service launched with the preload: the period
// results carry a native-heap profile drained in-process (beside wall), and a start() without
// the preload fails with a message that says how to get it.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { targetEnv } from '../../sdk/native-heap/index.js';
import { start } from '../../sdk/index.js';
import { ensurePreload, here, repo, tempDir } from './helpers.js';

const lib = ensurePreload();
if (typeof lib !== 'string') t.skip(lib.skip);
else if (!existsSync(join(repo, 'dist', 'sdk', 'index.js'))) t.skip('dist/ is not built (npm run build:ts)');
else {
  t.test('start() with native-heap in a preloaded process reports Buffer memory per period', async (t) => {
    const dir = tempDir('start');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const r = spawnSync(process.execPath, ['--expose-gc', join(here, 'fixtures', 'start-native-heap.mjs')], {
      env: { ...process.env, ...targetEnv(dir, process.env, 65536) }, encoding: 'utf8', timeout: 60_000,
    });
    t.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout) as { base: { arrayBuffers: number; types: string[] }; withHeld: { arrayBuffers: number }; hasWall: boolean; lastHasNative: boolean };
    const MiB = 1 << 20;
    for (const type of ['inuse_space', 'inuse_objects', 'alloc_space']) t.ok(res.base.types.includes(type), `sample type ${type}`);
    // Counted on stacks through Node's ArrayBuffer allocator: the whole process's native memory
    // also moves with V8's heap pages, which grew by up to 124 MiB in some runs under tap.
    const grew = res.withHeld.arrayBuffers - res.base.arrayBuffers;
    t.ok(grew > 40 * MiB && grew < 60 * MiB, `in use through the ArrayBuffer allocator grew by ${(grew / MiB).toFixed(1)} MiB for 48 MiB of Buffers`);
    t.ok(res.hasWall, 'the wall profile comes with it');
    t.ok(res.lastHasNative, 'stop() returns the last native-heap profile');
  });
}

t.test('native-heap without the preload: start() refuses with a clear message', async (t) => {
  await t.rejects(start({ profiles: ['native-heap'], env: {} }), /no ring directory: launch the process with the preload/);
});
