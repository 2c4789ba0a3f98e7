// A Node process under the preload: 64 MiB of Buffer.allocUnsafeSlow shows in the native-heap
// profile's inuse_space for its pid and goes away after release + GC. Then a spawn storm with
// the preload active (every spawn is a real fork whose child runs the hooks before exec): all
// spawns succeed, the exec'd children are their own owners and are reaped when they exit.
import t from 'tap';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { Profile } from 'pprof-format';
import { NativeHeapAggregator, targetEnv } from '../../sdk/native-heap/index.js';
import { ensurePreload, exitOf, here, sleep, tempDir, waitLine } from './helpers.js';

const lib = ensurePreload();
if (typeof lib !== 'string') t.skip(lib.skip);
else {
  const MiB = 1024 * 1024;
  const inuseOf = (gz: Uint8Array, pid: number): number => {
    const p = Profile.decode(gunzipSync(gz));
    const st = (i: number | bigint) => p.stringTable.strings[Number(i)];
    const idx = p.sampleType.findIndex((v) => st(v.type) === 'inuse_space');
    let sum = 0;
    for (const s of p.sample) if (s.label.some((l) => st(l.key) === 'pid' && st(l.str) === String(pid))) sum += Number(s.value[idx]);
    return sum;
  };

  t.test('64 MiB of Buffers in inuse_space, gone after release; spawn storm', async (t) => {
    const dir = tempDir('node');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const warnings: string[] = [];
    const agg = await NativeHeapAggregator.start({ dir, drainMs: 20, periodMs: 0, warn: (m) => warnings.push(m) });
    t.teardown(() => agg.stop({ snapshot: false }));
    // Default interval (512 KiB): 1 MiB buffers are sampled with p = 1 - e^-2 and weighted.
    const child = spawn(process.execPath, ['--expose-gc', join(here, 'fixtures', 'buffers.cjs')], {
      env: { ...process.env, ...targetEnv(dir, process.env) }, stdio: ['pipe', 'pipe', 'inherit'],
    });
    const pid = child.pid ?? 0;
    await waitLine(child, /^ready$/);
    await sleep(100);
    const base = inuseOf(agg.writeProfile(), pid);
    child.stdin?.write('hold\n');
    await waitLine(child, /^held$/);
    await sleep(100);
    const held = inuseOf(agg.writeProfile(), pid);
    t.ok(Math.abs(held - base - 64 * MiB) < 0.25 * 64 * MiB, `held: ${((held - base) / MiB).toFixed(1)} MiB above the baseline (${(base / MiB).toFixed(1)} MiB) ≈ 64`);
    child.stdin?.write('release\n');
    await waitLine(child, /^released$/);
    await sleep(100);
    const after = inuseOf(agg.writeProfile(), pid);
    t.ok(after - base < 8 * MiB, `after release + GC: ${((after - base) / MiB).toFixed(1)} MiB above the baseline`);

    const N = 200;
    const t0 = Date.now();
    child.stdin?.write(`storm ${N}\n`);
    const line = await waitLine(child, /^storm \d+ \d+$/, 60000);
    t.equal(line, `storm ${N} ${N}`, `all ${N} spawns exited 0 with the preload active (${Date.now() - t0} ms)`);
    await sleep(100);
    agg.check();
    const reports = agg.check();
    t.ok(reports.some((r) => r.pid === pid), 'the Node process is still an owner');
    // Rings are created at a process's first sampled event: /bin/true (and the forked child
    // before exec) allocate far less than the 512 KiB mean interval, so they usually have none.
    t.comment(`${agg.stats.ringsOpened} ring(s) seen, ${agg.stats.ownersReaped} exited owner(s) reaped`);
    t.ok(agg.check().every((r) => r.pid === pid), 'no owner left behind but the Node process');
    t.equal(reports.find((r) => r.pid === pid)?.mismatch, 0, 'no mismatch');
    child.stdin?.write('exit\n');
    t.same(await exitOf(child), { code: 0, signal: null });
    t.same(warnings, []);
  });
}
