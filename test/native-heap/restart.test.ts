// Aggregator restart under allocation load: the outgoing aggregator leaves a snapshot, events
// wait in the ring meanwhile, the incoming one restores and drains. Per-owner totals equal a
// restart-free replay of every event, the target's tracked count agrees, no mismatch warning.
// A corrupted snapshot is consumed, rejected with a warning, and the new aggregator starts empty.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Core } from '../../sdk/core.js';
import { NativeHeapAggregator, SNAPSHOT_FILE, targetEnv, type RingEvent } from '../../sdk/native-heap/index.js';
import { buildFixture, ensurePreload, exitOf, sleep, tempDir, waitLine } from './helpers.js';

const lib = ensurePreload();
if (typeof lib !== 'string') t.skip(lib.skip);
else {
  t.test('restart under load: exact totals, then a corrupted snapshot', async (t) => {
    const exe = buildFixture('churn');
    const dir = tempDir('restart');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const log: Array<[number, RingEvent]> = [];
    const onEvents = (pid: number, evs: readonly RingEvent[]) => { for (const e of evs) log.push([pid, e]); };
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    const a = await NativeHeapAggregator.start({ dir, drainMs: 20, periodMs: 0, warn, onEvents });
    const child = spawn(exe, [], { env: { ...process.env, ...targetEnv(dir, process.env, 4096), WASMPROF_NATIVE_HEAP_RING_SLOTS: '131072' }, stdio: ['pipe', 'pipe', 'inherit'] });
    const pid = child.pid ?? 0;
    await waitLine(child, /^ready$/);
    await sleep(300);
    const stopped = a.stop();
    t.ok(stopped.snapshotBytes > 0 && existsSync(join(dir, SNAPSHOT_FILE)), `snapshot written (${stopped.snapshotBytes} bytes)`);
    t.equal(stopped.clearedAddresses, 0, 'within budget');
    await sleep(300); // the target keeps allocating: its events wait in the ring

    const beforeB = log.length;
    const b = await NativeHeapAggregator.start({ dir, drainMs: 0, periodMs: 0, warn, onEvents });
    const waited = b.drain();
    t.ok(waited > 0, `${waited} events waited in the ring during the restart (${beforeB} before it)`);
    t.ok(b.stats.restoredEntries > 0, `restored ${b.stats.restoredEntries} entries`);
    t.notOk(existsSync(join(dir, SNAPSHOT_FILE)), 'the snapshot was consumed');
    for (let i = 0; i < 15; i++) { await sleep(20); b.drain(); }
    child.stdin?.write('stop\n');
    await waitLine(child, /^stopped$/);
    b.check();
    b.check();
    const [rep] = b.check().filter((r) => r.pid === pid);
    t.equal(rep.dropped, 0, 'no events dropped');
    t.equal(rep.mismatch, 0, 'tracked count agrees');
    t.equal(rep.entries, rep.targetTracked, `live map ${rep.entries} = target's count ${rep.targetTracked}`);

    // Restart-free reference: every event, replayed into one fresh core.
    const ref = await Core.create();
    const frame = ref.internFrame({ name: 'x', file: '', mapping: '', line: 0, column: 0 });
    const stack = ref.internStack([frame]);
    for (const [owner, e] of log) ref.liveEvent(e.kind as 1, owner, e.oldAddress, e.address, e.size, e.kind === 2 || e.kind === 6 || e.kind === 9 ? 0 : stack);
    const want = ref.tables().owners().find((o) => o.owner === pid);
    const got = b.core.tables().owners().find((o) => o.owner === pid);
    t.ok(want && got, 'owner present in both');
    t.same({ count: got?.count, bytes: got?.bytes }, { count: want?.count, bytes: want?.bytes }, `per-owner totals exact (${got?.count} allocations, ${got?.bytes} bytes)`);
    const retained = b.inuseByFunction(pid).get('f_retain') ?? 0;
    t.ok(Math.abs(retained - 4 * 1024 * 1024) < 0.2 * 4 * 1024 * 1024, `f_retain survived the restart: ${Math.round(retained)}`);
    t.same(warnings, [], 'no warnings (no mismatch)');

    // Corrupted snapshot: consumed, rejected with a warning, the new aggregator starts empty.
    b.stop();
    const path = join(dir, SNAPSHOT_FILE);
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(path, bytes);
    const c = await NativeHeapAggregator.start({ dir, drainMs: 0, periodMs: 0, warn });
    t.equal(c.stats.snapshotRejected, 1);
    t.equal(c.core.stats().live.entries, 0, 'starts empty');
    t.notOk(existsSync(path), 'the malformed snapshot was consumed too');
    t.match(warnings.join('\n'), /rejected the snapshot.*starting empty/);
    c.stop({ snapshot: false });
    // Garbage that is not a snapshot at all.
    writeFileSync(path, 'not a snapshot');
    const warnings2: string[] = [];
    const d = await NativeHeapAggregator.start({ dir, drainMs: 0, periodMs: 0, warn: (m) => warnings2.push(m) });
    t.equal(d.stats.snapshotRejected, 1);
    t.equal(d.core.stats().live.entries, 0);
    t.equal(warnings2.length, 1);
    d.stop({ snapshot: false });
    child.stdin?.write('exit\n');
    t.same(await exitOf(child), { code: 0, signal: null });
  });
}
