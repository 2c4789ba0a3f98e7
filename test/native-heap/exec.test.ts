// Exec'd descendants that inherit LD_PRELOAD are owners too: a shell execs the API fixture under
// the same pid (its ring is replaced and the shell's allocations dropped). Owners are reaped
// (ring file deleted) when they exit.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NativeHeapAggregator, targetEnv } from '../../sdk/native-heap/index.js';
import { buildFixture, ensurePreload, exitOf, sleep, tempDir, waitLine } from './helpers.js';

const lib = ensurePreload();
if (typeof lib !== 'string') t.skip(lib.skip);
else {
  t.test('exec keeps the pid and replaces the owner; exit reaps', async (t) => {
    const exe = buildFixture('alloc');
    const dir = tempDir('exec');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const agg = await NativeHeapAggregator.start({ dir, drainMs: 20, periodMs: 0, warn: () => {} });
    t.teardown(() => agg.stop({ snapshot: false }));
    const env = { ...process.env, ...targetEnv(dir, process.env, 4096) };
    // The shell allocates (and is sampled at this interval) before it execs the fixture.
    const child = spawn('/bin/sh', ['-c', `x=$(seq 1 2000); exec ${exe}`], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    const pid = child.pid ?? 0;
    await waitLine(child, /^ready$/);
    const by = agg.inuseByFunction(pid);
    t.ok(Math.abs((by.get('f_malloc') ?? 0) - 4 * 1024 * 1024) < 0.15 * 4 * 1024 * 1024, `the exec'd image is owner ${pid}`);
    t.notOk([...by.keys()].some((k) => /^(main|xmalloc|evalstring)$/.test(k) && !by.has('f_malloc')), 'nothing of the shell left');
    t.comment(`rings replaced: ${agg.stats.ringsReplaced}`);
    child.stdin?.write('free\n');
    await waitLine(child, /^freed$/);
    child.stdin?.write('exit\n');
    t.same(await exitOf(child), { code: 0, signal: null });
    await sleep(50);
    agg.check();
    t.notOk(agg.check().some((r) => r.pid === pid), 'the exited owner was reaped');
    t.notOk(existsSync(join(dir, `heap-${pid}.ring`)), 'and its ring file deleted');
  });
}
