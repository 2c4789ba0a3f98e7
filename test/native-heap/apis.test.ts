// Each allocation API, from a known function, with a low sampling interval: per-function live
// bytes match, frees remove them, mremap is free-then-alloc, brk growth is absent, and the
// target's tracked count agrees with the live map.
import t from 'tap';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { NativeHeapAggregator, targetEnv } from '../../sdk/native-heap/index.js';
import { buildFixture, ensurePreload, exitOf, tempDir, waitLine } from './helpers.js';

const lib = ensurePreload();
if (typeof lib !== 'string') t.skip(lib.skip);
else {
  const TOTAL = 4 * 1024 * 1024;
  const near = (got: number | undefined, want: number, tol: number) => got !== undefined && Math.abs(got - want) <= want * tol;

  t.test('every API attributed to its function; frees remove it', async (t) => {
    const exe = buildFixture('alloc');
    const dir = tempDir('apis');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const warnings: string[] = [];
    const agg = await NativeHeapAggregator.start({ dir, drainMs: 20, periodMs: 0, warn: (m) => warnings.push(m) });
    t.teardown(() => agg.stop({ snapshot: false }));
    const child = spawn(exe, [], { env: { ...process.env, ...targetEnv(dir, process.env, 4096) }, stdio: ['pipe', 'pipe', 'inherit'] });
    await waitLine(child, /^ready$/);
    const pid = child.pid ?? 0;
    const by = agg.inuseByFunction(pid);
    const show = Object.fromEntries([...by].filter(([k]) => k.startsWith('f_')).map(([k, v]) => [k, Math.round(v)]));
    t.comment(JSON.stringify(show));
    // Sampled APIs (1 KiB chunks, ~1000 samples each at a 4 KiB mean): within 15 %.
    for (const f of ['f_malloc', 'f_calloc', 'f_realloc', 'f_posix_memalign', 'f_aligned_alloc', 'f_memalign']) {
      t.ok(near(by.get(f), TOTAL, 0.15), `${f}: ${Math.round(by.get(f) ?? 0)} ≈ ${TOTAL}`);
    }
    // Large mappings are always sampled at this interval: exact.
    for (const f of ['f_mmap', 'f_shm']) t.ok(near(by.get(f), TOTAL, 0.001), `${f}: ${by.get(f)} = ${TOTAL}`);
    // mremap: 1 MiB mapping grown to 4 MiB = free(1 MiB) then alloc(4 MiB): 4 MiB live, not 5.
    t.ok(near(by.get('f_mremap'), TOTAL, 0.001), `f_mremap: ${by.get('f_mremap')} = ${TOTAL}`);
    t.notOk(by.has('f_brk'), 'sbrk growth is not an allocation');
    t.ok((by.get('f_freed') ?? 0) < TOTAL * 0.02, `freed allocations are gone: ${by.get('f_freed') ?? 0}`);
    const [rep] = agg.check().filter((r) => r.pid === pid);
    agg.check();
    const [rep2] = agg.check().filter((r) => r.pid === pid);
    t.equal(rep2.mismatch, 0, `tracked count agrees (target ${rep2.targetTracked}, map ${rep2.entries})`);
    t.equal(rep2.entries, rep2.targetTracked);
    t.equal(rep.dropped, 0, 'no events dropped');

    // The profile: native-heap sample types, pid label, the functions.
    const prof = Profile.decode(gunzipSync(agg.writeProfile()));
    const st = (i: number | bigint) => prof.stringTable.strings[Number(i)];
    t.same(prof.sampleType.map((v) => st(v.type)), ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space', 'peak_inuse_objects', 'peak_inuse_space', 'temporary_objects', 'temporary_space']);
    let inuse = 0;
    for (const s of prof.sample) {
      const pidLabel = s.label.find((l) => st(l.key) === 'pid');
      if (pidLabel && st(pidLabel.str) === String(pid)) inuse += Number(s.value[3]);
    }
    t.ok(near(inuse, 9 * TOTAL, 0.1), `profile inuse_space for the pid ≈ 9 × 4 MiB + startup: ${inuse}`);

    child.stdin?.write('free\n');
    await waitLine(child, /^freed$/);
    const after = agg.inuseByFunction(pid);
    const left = [...after].filter(([k]) => k.startsWith('f_'));
    t.same(left, [], 'everything the fixture freed is gone');
    agg.check();
    const [rep3] = agg.check().filter((r) => r.pid === pid);
    t.equal(rep3.mismatch, 0);
    t.same(warnings, [], 'no warnings');
    child.stdin?.write('exit\n');
    t.same(await exitOf(child), { code: 0, signal: null });
  });
}
