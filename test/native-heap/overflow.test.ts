// A full ring drops and counts, never blocks: a 256-slot ring drained only every 25 ms under a
// churning thread. Lost frees leave stale entries, and the consistency check reports them
// (warning, OwnerReport.mismatch, profile comment). Garbage ring files are skipped quietly.
import t from 'tap';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { NativeHeapAggregator, targetEnv } from '../../sdk/native-heap/index.js';
import { buildFixture, ensurePreload, exitOf, sleep, tempDir, waitLine } from './helpers.js';

const lib = ensurePreload();
if (typeof lib !== 'string') t.skip(lib.skip);
else {
  t.test('overflowing ring: drops counted, mismatch reported', async (t) => {
    const exe = buildFixture('churn');
    const dir = tempDir('overflow');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'heap-999999999.ring'), 'garbage, not a ring');
    writeFileSync(join(dir, 'heap-999999998.ring'), Buffer.alloc(100));
    const warnings: string[] = [];
    const agg = await NativeHeapAggregator.start({ dir, drainMs: 25, periodMs: 0, warn: (m) => warnings.push(m) });
    t.teardown(() => agg.stop({ snapshot: false }));
    const child = spawn(exe, [], { env: { ...process.env, ...targetEnv(dir, process.env, 4096), WASMPROF_NATIVE_HEAP_RING_SLOTS: '256' }, stdio: ['pipe', 'pipe', 'inherit'] });
    const pid = child.pid ?? 0;
    await waitLine(child, /^ready$/);
    await sleep(400);
    child.stdin?.write('stop\n');
    await waitLine(child, /^stopped$/);
    agg.check();
    agg.check();
    const [rep] = agg.check().filter((r) => r.pid === pid);
    t.ok(rep.dropped > 100, `${rep.dropped} events dropped and counted (${rep.lostFrees} of them frees of tracked blocks)`);
    if (rep.lostFrees > 0) {
      t.not(rep.mismatch, 0, `mismatch reported: live map ${rep.entries}, target ${rep.targetTracked}`);
      t.match(warnings.join('\n'), new RegExp(`owner ${pid}: live map has \\d+ addresses, the target tracks \\d+`));
      const p = Profile.decode(gunzipSync(agg.writeProfile()));
      const comments = p.comment.map((i) => p.stringTable.strings[Number(i)]).join('\n');
      t.match(comments, new RegExp(`live-map mismatch: owner ${pid}`));
    } else {
      t.equal(rep.mismatch, 0, 'only allocations were dropped: nothing stale, no mismatch');
    }
    t.notOk(warnings.some((w) => /999999/.test(w)), 'garbage ring files are skipped quietly');
    child.stdin?.write('exit\n');
    t.same(await exitOf(child), { code: 0, signal: null }, 'the target never blocked');
  });
}
