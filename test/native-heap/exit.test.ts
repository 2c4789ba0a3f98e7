// What a process held when it ended: the exit mark (main's return, exit(), Node's 'exit' event)
// comes before the teardown frees, so the final profile's inuse_* is what the program held, not
// what was left after its atexit handlers or runtime teardown; a process killed by a signal
// shows its last state. The profile that follows the end carries the pid and an `exit` label;
// peak_* shows the period's high-water mark, temporary_* the allocations freed at once.
import t from 'tap';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { NativeHeapAggregator, targetEnv } from '../../sdk/native-heap/index.js';
import { buildFixture, ensurePreload, exitOf, here, tempDir, waitLine } from './helpers.js';

const MiB = 1024 * 1024;

/** Per-type totals of the samples of `pid` whose stack has a frame named like `fn`, and that pid's exit label. */
function totals(gz: Uint8Array, pid: number, fn: RegExp): { v: Record<string, number>; exit: string | undefined } {
  const p = Profile.decode(gunzipSync(gz));
  const st = (i: number | bigint) => p.stringTable.strings[Number(i)];
  const types = p.sampleType.map((x) => st(x.type));
  const fnName = new Map(p.function.map((f) => [Number(f.id), st(f.name)]));
  const locFns = new Map(p.location.map((l) => [Number(l.id), l.line.map((ln) => fnName.get(Number(ln.functionId)) ?? '')]));
  const v: Record<string, number> = Object.fromEntries(types.map((x) => [x, 0]));
  let exit: string | undefined;
  for (const s of p.sample) {
    const labels = new Map(s.label.map((l) => [st(l.key), st(l.str)]));
    if (labels.get('pid') !== String(pid)) continue;
    exit = labels.get('exit') ?? exit;
    if (!s.locationId.some((id) => (locFns.get(Number(id)) ?? []).some((n) => fn.test(n)))) continue;
    types.forEach((x, i) => { v[x] += Number(s.value[i]); });
  }
  return { v, exit };
}

const lib = ensurePreload();
if (typeof lib !== 'string') t.skip(lib.skip);
else {
  const exe = buildFixture('spike');
  const near = (got: number, want: number, tol: number) => Math.abs(got - want) <= want * tol;

  for (const [mode, reason] of [['return', 'exit code 0'], ['exit', 'exit code 3'], ['hang', 'signal SIGKILL']] as const) {
    t.test(`C program, ${mode}: in use at exit before its teardown, peak, temporaries`, async (t) => {
      const dir = tempDir(`exit-${mode}`);
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      const agg = await NativeHeapAggregator.start({ dir, drainMs: 20, periodMs: 0, warn: () => {} });
      t.teardown(() => agg.stop({ snapshot: false }));
      const child = spawn(exe, [mode], { env: { ...process.env, ...targetEnv(dir, process.env, 8192) }, stdio: ["pipe", "pipe", "inherit"] });
      const pid = child.pid ?? 0;
      await waitLine(child, /^ready$/);
      agg.drain(); // symbols while the process lives
      if (mode === 'hang') child.kill('SIGKILL'); else child.stdin?.write('go\n');
      const ended = await exitOf(child);
      agg.noteExit(pid, ended.code, ended.signal);
      const gz = agg.writeProfile();
      const steady = totals(gz, pid, /^f_steady$/), spike = totals(gz, pid, /^f_spike$/), temp = totals(gz, pid, /^f_temp$/);
      t.equal(steady.exit, reason, `labelled exit=${reason}`);
      t.ok(near(steady.v.inuse_space, 4 * MiB, 0.1), `f_steady in use at exit ${(steady.v.inuse_space / MiB).toFixed(2)} MiB ≈ 4 (its atexit frees came after the mark)`);
      t.ok(spike.v.inuse_space < 0.5 * MiB, `f_spike freed: ${(spike.v.inuse_space / MiB).toFixed(2)} MiB`);
      t.ok(spike.v.peak_inuse_space >= 48 * MiB, `f_spike at the peak: ${(spike.v.peak_inuse_space / MiB).toFixed(1)} MiB (64 allocated)`);
      t.ok(near(steady.v.peak_inuse_space, 4 * MiB, 0.1), `f_steady at the peak: ${(steady.v.peak_inuse_space / MiB).toFixed(2)} MiB`);
      t.ok(near(spike.v.alloc_space, 64 * MiB, 0.1), `f_spike allocated ${(spike.v.alloc_space / MiB).toFixed(1)} MiB`);
      t.ok(near(temp.v.temporary_space, 16 * MiB, 0.2), `f_temp temporary ${(temp.v.temporary_space / MiB).toFixed(1)} MiB of 16`);
      t.ok(spike.v.temporary_space < 1 * MiB && steady.v.temporary_space === 0, 'held or batch-freed blocks are not temporary');
      t.notOk(agg.ownerReports().some((r) => r.pid === pid), 'the owner is reaped after its final profile');
      const next = totals(agg.writeProfile(), pid, /./);
      t.equal(next.v.inuse_space, 0, 'and does not appear again');
    });
  }

  t.test('Node: Buffers held at exit are in use in the final profile, though Node frees them in its teardown', async (t) => {
    const dir = tempDir('exit-node');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const agg = await NativeHeapAggregator.start({ dir, drainMs: 20, periodMs: 0, warn: () => {} });
    t.teardown(() => agg.stop({ snapshot: false }));
    const base = { ...process.env, NODE_OPTIONS: '' }; // not the test runner's loaders
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--expose-gc', join(here, 'fixtures', 'spike-node.cjs')], { env: { ...base, ...targetEnv(dir, base, 65536) }, stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = child.pid ?? 0;
    await waitLine(child, /^ready$/);
    const d0 = Date.now();
    agg.drain();
    t.comment(`drain ${Date.now() - d0} ms, ${agg.stats.lineRuns} addr2line runs`);
    t.same(await exitOf(child), { code: 0, signal: null });
    t.comment(`node ran ${Date.now() - t0} ms; ${agg.stats.lineRuns} addr2line runs, ${agg.stats.lineMs} ms`);
    const { v, exit } = totals(agg.writeProfile(), pid, /ArrayBufferAllocator/);
    t.equal(exit, 'exit code 0');
    t.ok(v.inuse_space > 3.5 * MiB && v.inuse_space < 5 * MiB, `Buffers in use at exit: ${(v.inuse_space / MiB).toFixed(2)} MiB (4 held)`);
    t.ok(v.peak_inuse_space >= 48 * MiB, `at the peak: ${(v.peak_inuse_space / MiB).toFixed(1)} MiB (64 + 4)`);
  });
}
