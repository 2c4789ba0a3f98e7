// In-process mode: a Node service launched with the preload drains its own ring.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { targetEnv } from '../../sdk/native-heap/index.js';
import { ensurePreload, here, repo, tempDir } from './helpers.js';

const lib = ensurePreload();
if (typeof lib !== 'string') t.skip(lib.skip);
else if (!existsSync(join(repo, 'dist', 'sdk', 'native-heap', 'in-process.js'))) t.skip('dist/ is not built (npm run build:ts)');
else {
  t.test('startNativeHeap() in a preloaded Node process sees its own 32 MiB', async (t) => {
    const dir = tempDir('inproc');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const r = spawnSync(process.execPath, ['--expose-gc', join(here, 'fixtures', 'in-process.mjs')], {
      env: { ...process.env, ...targetEnv(dir, process.env, 65536) }, encoding: 'utf8', timeout: 60_000,
    });
    t.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout) as { base: number; withHeld: number; after: number; bufBase: number; bufHeld: number; bufAfter: number; warnings: string[] };
    const MiB = 1 << 20;
    const f = (x: number) => (x / MiB).toFixed(1);
    t.comment(`whole process inuse_space: ${f(res.base)} → ${f(res.withHeld)} → ${f(res.after)} MiB (includes V8 heap pages and the aggregator itself)`);
    t.ok(Math.abs(res.bufHeld - res.bufBase - 32 * MiB) < 0.15 * 32 * MiB, `Buffer memory held: +${f(res.bufHeld - res.bufBase)} MiB`);
    t.ok(res.bufAfter - res.bufBase < 4 * MiB, `after GC: ${f(res.bufAfter - res.bufBase)} MiB`);
    t.same(res.warnings, []);
  });
}
