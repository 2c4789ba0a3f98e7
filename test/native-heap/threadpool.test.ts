// Allocations made on libuv's threadpool (crypto.scrypt's scratch, async zlib's inflate state,
// fs.readdir's scandir entries) are sampled on those threads, unwound to the threadpool's worker
// loop, and attributed to the Node process that owns the threads; frees on the workers match.
import t from 'tap';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { NativeHeapAggregator, targetEnv } from '../../sdk/native-heap/index.js';
import { ensurePreload, exitOf, here, tempDir, waitLine } from './helpers.js';

const MiB = 1024 * 1024;
/** libuv's threadpool thread function (deps/uv/src/threadpool.c). */
const WORKER = /^(worker|uv__thread_start)$/;

interface Row { pid: string | undefined; names: string[]; alloc: number; inuse: number }

function rows(gz: Uint8Array): Row[] {
  const p = Profile.decode(gunzipSync(gz));
  const st = (i: number | bigint) => p.stringTable.strings[Number(i)];
  const col = (name: string) => p.sampleType.findIndex((x) => st(x.type) === name);
  const [alloc, inuse] = [col('alloc_space'), col('inuse_space')];
  const fnName = new Map(p.function.map((f) => [Number(f.id), st(f.name)]));
  const locFns = new Map(p.location.map((l) => [Number(l.id), l.line.map((ln) => fnName.get(Number(ln.functionId)) ?? '')]));
  return p.sample.map((s) => ({
    pid: s.label.map((l) => [st(l.key), st(l.str)]).find(([k]) => k === 'pid')?.[1],
    names: s.locationId.flatMap((id) => locFns.get(Number(id)) ?? []),
    alloc: Number(s.value[alloc]),
    inuse: Number(s.value[inuse]),
  }));
}

const lib = ensurePreload();
if (typeof lib !== 'string') t.skip(lib.skip);
else {
  t.test('threadpool work: native stacks to the worker loop, the right owner', async (t) => {
    const dir = tempDir('threadpool');
    const files = tempDir('threadpool-files');
    t.teardown(() => { rmSync(dir, { recursive: true, force: true }); rmSync(files, { recursive: true, force: true }); });
    const agg = await NativeHeapAggregator.start({ dir, drainMs: 20, periodMs: 0, lines: false, warn: () => {} });
    t.teardown(() => agg.stop({ snapshot: false }));
    const child = spawn(process.execPath, [join(here, 'fixtures', 'threadpool.cjs'), files], { env: { ...process.env, ...targetEnv(dir, process.env, 65536) }, stdio: ['pipe', 'pipe', 'inherit'] });
    const pid = String(child.pid);
    await waitLine(child, /^done$/);
    agg.drain();
    const all = rows(agg.writeProfile());
    const onWorkers = all.filter((r) => r.names.some((n) => WORKER.test(n)));
    t.ok(onWorkers.length > 0, `${onWorkers.length} stacks end in the threadpool's worker loop`);
    t.same([...new Set(onWorkers.map((r) => r.pid))], [pid], `all of them attributed to the Node process ${pid}`);
    t.same([...new Set(all.map((r) => r.pid))], [pid], 'and no other owner appears');

    const sum = (xs: Row[], k: 'alloc' | 'inuse') => xs.reduce((a, r) => a + r[k], 0);
    const via = (re: RegExp) => onWorkers.filter((r) => r.names.some((n) => re.test(n)));
    const scrypt = via(/scrypt/i);
    // 4 calls × 128·r·N = 16 MiB each: always sampled at a 64 KiB interval, so nearly exact.
    t.ok(sum(scrypt, 'alloc') >= 0.9 * 64 * MiB && sum(scrypt, 'alloc') <= 1.1 * 64 * MiB, `crypto.scrypt on the workers: ${(sum(scrypt, 'alloc') / MiB).toFixed(1)} MiB allocated (4 × 16 expected)`);
    t.ok(sum(scrypt, 'inuse') < 1 * MiB, `and freed on the workers: ${(sum(scrypt, 'inuse') / MiB).toFixed(2)} MiB still in use`);
    const zlib = via(/ZlibContext/); // ZlibContext::DoThreadPoolWork, or CompressionStream<ZlibContext>::… (Node 26)
    t.ok(zlib.length > 0 && zlib.some((r) => r.names.some((n) => /^inflate/.test(n))), `async zlib on the workers: ${(sum(zlib, 'alloc') / MiB).toFixed(2)} MiB allocated under inflate`);
    const fs = via(/uv__fs_work/);
    t.ok(fs.length > 0 && fs.some((r) => r.names.some((n) => /scandir/.test(n))), `fs.readdir on the workers: ${(sum(fs, 'alloc') / MiB).toFixed(2)} MiB allocated under scandir`);

    child.stdin?.end();
    t.same(await exitOf(child), { code: 0, signal: null });
  });
}
