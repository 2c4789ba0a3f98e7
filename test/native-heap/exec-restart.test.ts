// An exec during an aggregator restart gap: the outgoing aggregator's snapshot holds the first
// image's live blocks; while no aggregator runs, the pid execs a second image, whose ring replaces
// the first's. The incoming aggregator must not carry the first image's entries into the second
// image's state: they become the first image's final state (exit=exec) in the next profile.
import t from 'tap';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { NativeHeapAggregator, targetEnv } from '../../sdk/native-heap/index.js';
import { buildFixture, ensurePreload, exitOf, tempDir, waitLine } from './helpers.js';

const MiB = 1024 * 1024;
const near = (got: number, want: number) => Math.abs(got - want) <= 0.2 * want;

/** inuse_space of `pid`'s samples by their `exit` label ('' for none), for stacks with a frame named `fn`. */
function inuseByExit(gz: Uint8Array, pid: number, fn: string): Map<string, number> {
  const p = Profile.decode(gunzipSync(gz));
  const st = (i: number | bigint) => p.stringTable.strings[Number(i)];
  const at = p.sampleType.findIndex((x) => st(x.type) === 'inuse_space');
  const fnName = new Map(p.function.map((f) => [Number(f.id), st(f.name)]));
  const locFns = new Map(p.location.map((l) => [Number(l.id), l.line.map((ln) => fnName.get(Number(ln.functionId)) ?? '')]));
  const out = new Map<string, number>();
  for (const s of p.sample) {
    const labels = new Map(s.label.map((l) => [st(l.key), st(l.str)]));
    if (labels.get('pid') !== String(pid)) continue;
    if (!s.locationId.some((id) => (locFns.get(Number(id)) ?? []).includes(fn))) continue;
    const k = labels.get('exit') ?? '';
    out.set(k, (out.get(k) ?? 0) + Number(s.value[at]));
  }
  return out;
}

const lib = ensurePreload();
if (typeof lib !== 'string') t.skip(lib.skip);
else {
  t.test('exec while no aggregator runs: the old image does not survive into the new one', async (t) => {
    const exe = buildFixture('exec-image');
    const dir = tempDir('exec-restart');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const warnings: string[] = [];
    const a = await NativeHeapAggregator.start({ dir, drainMs: 0, periodMs: 0, lines: false, warn: (m) => warnings.push(m) });
    const child = spawn(exe, ['first'], { env: { ...process.env, ...targetEnv(dir, process.env, 4096) }, stdio: ['pipe', 'pipe', 'inherit'] });
    const pid = child.pid ?? 0;
    t.teardown(() => { child.kill('SIGKILL'); });
    await waitLine(child, /^ready-first$/);
    a.drain();
    const first = a.inuseByFunction(pid).get('f_first_image') ?? 0;
    t.ok(near(first, 4 * MiB), `first image: f_first_image ${Math.round(first)} B in use`);
    a.stop();

    // The gap: the pid execs; the second image allocates and replaces the ring file.
    child.stdin?.write('exec\n');
    await waitLine(child, /^ready-second$/);

    const b = await NativeHeapAggregator.start({ dir, drainMs: 0, periodMs: 0, lines: false, warn: (m) => warnings.push(m) });
    t.ok(b.stats.restoredEntries > 0, `restored ${b.stats.restoredEntries} entries of the first image`);
    b.drain();
    const by = b.inuseByFunction(pid);
    t.equal(by.get('f_first_image') ?? 0, 0, 'no entry of the first image in the second image\'s state');
    t.ok(near(by.get('f_second_image') ?? 0, 2 * MiB), `second image: f_second_image ${Math.round(by.get('f_second_image') ?? 0)} B`);
    t.equal(b.stats.ringsReplaced, 1, 'counted as a replaced ring');
    b.check();
    const [rep] = b.check().filter((r) => r.pid === pid);
    t.equal(rep.entries, rep.targetTracked, `live map ${rep.entries} = the second image's own count ${rep.targetTracked}`);
    t.equal(rep.mismatch, 0);

    const gz = b.writeProfile();
    const firstInProfile = inuseByExit(gz, pid, 'f_first_image');
    t.ok(near(firstInProfile.get('exec') ?? 0, 4 * MiB), `the first image's final state is in the profile, labelled exit=exec (${Math.round(firstInProfile.get('exec') ?? 0)} B)`);
    t.equal(firstInProfile.get('') ?? 0, 0, 'and not as live memory of the pid');
    t.ok(near(inuseByExit(gz, pid, 'f_second_image').get('') ?? 0, 2 * MiB), 'the second image is the live owner');

    child.stdin?.write('exit\n');
    t.same(await exitOf(child), { code: 0, signal: null });
    b.stop({ snapshot: false });
    t.same(warnings, [], 'no warnings');
  });
}
