// Allocation profiles (heapAllocations): where V8 tells live samples from collected ones (the
// native bridge on Node 26+), churn() — which allocates a lot and drops it — is on top of
// alloc_space and keep() — which retains a little — on top of inuse_space, in our decoding, in
// `go tool pprof -sample_index=…` (when Go is installed) and in `wasmprof view --sample-type`;
// each period counts its own allocations; the kept samples are bounded by a restart that the
// profiles announce. Elsewhere (Node 20–24, node:inspector) one line says why and heap profiles
// stay in-use only, with the reason in a comment.
import t from 'tap';
import type { Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { start } from '../../sdk/index.js';
import { setReportSink } from '../../sdk/runtime/report.js';
import { loadV8Bridge } from '../../sdk/sources/v8-bridge.js';
import { churn, keep, keepEarly, kept } from './fixtures/alloc-churn-keep.mjs';
import { CLI, decode, scratch, total, type Decoded } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ALL_TYPES = ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes'];
const bridge = loadV8Bridge();
const unavailable = 'error' in bridge ? `native bridge unavailable: ${bridge.error}` : bridge.heap().allocationsUnavailable;
const go = spawnSync('go', ['version'], { encoding: 'utf8' });
const hasGo = !go.error && go.status === 0;

/** The function with the largest flat value at `index`. */
function top(d: Decoded, index: number): string {
  const byFn = new Map<string, number>();
  for (const s of d.samples) byFn.set(s.stack[0].name, (byFn.get(s.stack[0].name) ?? 0) + s.values[index]);
  return [...byFn.entries()].sort((a, b) => b[1] - a[1])[0][0];
}

/** First function row of `go tool pprof -top`. */
function goTop(t: Test, file: string, index: string, dir: string, want: string): string {
  const r = spawnSync('go', ['tool', 'pprof', '-top', `-sample_index=${index}`, file], { encoding: 'utf8', env: { ...process.env, PPROF_TMPDIR: dir }, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`go tool pprof failed: ${r.stderr}`);
  // A wide value (50579.12kB) leaves no leading space.
  const rows = r.stdout.split('\n').filter((l) => /^\s*[\d.]+\w*\s+[\d.]+%/.test(l));
  t.match(r.stdout, new RegExp(`Type: ${index}`));
  const name = rows[0]?.trim().split(/\s+/).pop() ?? '';
  if (name !== want) t.comment(r.stdout);
  return name;
}

if (unavailable === undefined) {
  t.test('native: churn on top of alloc_space, keep on top of inuse_space; each period counts its own', async (t) => {
    const { dir, cleanup } = scratch('alloc');
    t.teardown(cleanup);
    const profiler = await start({ profiles: ['heap'], heapInterval: 16384, heapAllocations: true, source: 'native', env: {} });
    t.teardown(() => profiler.stop().catch(() => undefined));
    churn(400_000); // ~400k objects and their two-element arrays, all dropped
    const want = keep(80, 2500); // 1,600,000 bytes of double elements, retained
    gc();
    const first = await profiler.collect();
    const h = decode(first.heap!);
    t.same(h.sampleTypes, ALL_TYPES);
    t.equal(h.defaultSampleType, 'inuse_space');
    t.equal(h.periodType, 'inuse_space/bytes');
    t.equal(top(h, 1), 'churn', 'alloc_space: churn on top');
    t.equal(top(h, 3), 'keep', 'inuse_space: keep on top');
    const churnAlloc = total(h, 'churn', 1, 'cum');
    const keepInuse = total(h, 'keep', 3, 'cum');
    t.ok(churnAlloc > 10 * want, `churn allocated ${churnAlloc} bytes (≫ the ${want} kept)`);
    t.ok(total(h, 'churn', 3, 'cum') < churnAlloc * 0.02, 'churn holds (almost) nothing in use');
    t.ok(Math.abs(keepInuse / want - 1) < 0.3, `keep holds ${keepInuse} bytes in use, expected ${want} ± 30%`);
    t.ok(total(h, 'keep', 1, 'cum') >= keepInuse * 0.95, 'what keep holds was allocated in this period');
    t.ok(total(h, 'churn', 0, 'cum') > 100_000, 'alloc_objects: V8-scaled counts (hundreds of thousands, not a few samples)');
    t.ok(h.comments.some((c) => /alloc_\* are the sampled allocations since .*collected objects included/.test(c)), 'a comment says what alloc_* cover');
    t.ok(first.stats.heap?.allocBytes !== undefined && first.stats.heap.allocBytes >= churnAlloc, 'period stats count allocations');

    // The next period: nothing churned, so churn allocated nothing in it; keep's objects are still live.
    const second = decode((await profiler.collect()).heap!);
    t.ok(total(second, 'churn', 1, 'cum') < churnAlloc * 0.01, `period 2: churn allocated ${total(second, 'churn', 1, 'cum')} bytes`);
    t.ok(total(second, 'keep', 3, 'cum') >= keepInuse * 0.95, 'period 2: keep still in use');

    const file = join(dir, 'heap.pb.gz');
    writeFileSync(file, first.heap!);
    const view = spawnSync(process.execPath, [CLI, 'view', file, '--sample-type', 'alloc_space', '--top', '3'], { encoding: 'utf8', timeout: 60_000 });
    t.equal(view.status, 0, view.stderr);
    t.match(view.stdout, /alloc_space/);
    const firstRow = view.stdout.split('\n').find((l) => /churn|keep/.test(l));
    t.match(firstRow, /churn/, 'wasmprof view --sample-type alloc_space: churn first');
    if (hasGo) {
      t.equal(goTop(t, file, 'alloc_space', dir, 'churn'), 'churn', 'go tool pprof -sample_index=alloc_space: churn on top');
      t.equal(goTop(t, file, 'inuse_space', dir, 'keep'), 'keep', 'go tool pprof -sample_index=inuse_space: keep on top');
    } else {
      t.comment('go is not installed: go tool pprof checks skipped');
    }
    kept.length = 0;
  });

  t.test('native: the kept samples are bounded by a restart at a period end, which the profiles announce', async (t) => {
    if ('error' in bridge) return;
    const heap = bridge.heap({ collectedSampleCap: 200 });
    await heap.start(4096, 128, { allocations: true });
    t.teardown(() => heap.stop().catch(() => undefined));
    keepEarly(10, 2500);
    churn(100_000);
    gc();
    const p1 = heap.sync!.profile();
    t.ok((p1.collectedSamples ?? 0) > 200, `${p1.collectedSamples} collected samples kept, over the cap`);
    t.ok(p1.notes?.some((n) => /restarted at .* to free them/.test(n)), 'the period that passed the cap says the sampler restarts');
    const peek = await heap.peek!();
    t.ok((peek.collectedSamples ?? 0) < 50, `after the restart V8 holds ${peek.collectedSamples} collected samples`);
    keep(10, 2500);
    gc();
    const p2 = heap.sync!.profile();
    const bytesOf = (name: string, field: 'selfSize' | 'allocSize'): number => {
      let sum = 0;
      const todo = [p2.head];
      while (todo.length) { const n = todo.pop()!; if (n.callFrame.functionName === name) sum += n[field] ?? 0; todo.push(...n.children); }
      return sum;
    };
    t.ok(bytesOf('keep', 'selfSize') > 100_000, 'objects allocated after the restart are in use');
    t.equal(bytesOf('keepEarly', 'selfSize'), 0, 'the cost: objects kept from before the restart are no longer counted in use');
    t.ok(p2.notes?.some((n) => /inuse_\* the live objects among those allocated since/.test(n)), 'every profile says since when inuse_* counts');
    kept.length = 0;
  });

  t.test('native: a pull read (peek) does not end the period\'s window', async (t) => {
    if ('error' in bridge) return;
    const heap = bridge.heap();
    await heap.start(16384, 128, { allocations: true });
    t.teardown(() => heap.stop().catch(() => undefined));
    churn(200_000);
    const sum = (p: Awaited<ReturnType<typeof heap.profile>>): number => {
      let s = 0; const todo = [p.head];
      while (todo.length) { const n = todo.pop()!; s += n.allocSize ?? 0; todo.push(...n.children); }
      return s;
    };
    const peeked = sum(await heap.peek!());
    const mark = heap.allocationMark!()!;
    t.ok(peeked > 1_000_000, `peek sees ${peeked} bytes allocated`);
    t.ok(sum(await heap.peek!(mark)) < peeked * 0.05, 'allocations since a fresh mark: about none');
    const period = sum(heap.sync!.profile());
    t.ok(period >= peeked * 0.99, 'the period still counts everything since it began');
  });
}

t.test('where allocations cannot be counted: one line, in-use only, the reason in a comment', async (t) => {
  const lines: string[] = [];
  const restore = setReportSink((l) => { lines.push(l); });
  t.teardown(restore);
  // node:inspector never says which samples are live; the native bridge does on Node 26 only.
  const sources = unavailable === undefined ? ['inspector'] as const : 'error' in bridge ? ['inspector'] as const : ['native', 'inspector'] as const;
  for (const source of sources) {
    const profiler = await start({ profiles: ['heap'], heapInterval: 16384, heapAllocations: true, source, env: {} });
    t.match(profiler.allocationsUnavailable(), /does not say which sampled objects are still live/);
    await t.rejects(profiler.allocsProfile(), /no allocation profile: .*still live/);
    churn(50_000);
    const h = decode((await profiler.stop()).heap!);
    t.same(h.sampleTypes, ['inuse_objects/count', 'inuse_space/bytes'], `${source}: in-use only`);
    t.ok(h.comments.some((c) => /^wasmprof: no alloc_\* sample types: .*still live/.test(c)), `${source}: the reason is in a comment`);
  }
  const warned = lines.filter((l) => /heapAllocations is on but/.test(l));
  t.equal(warned.length, 1, 'said once');
  t.notOk(warned[0].includes('\n'), 'one line');
  t.match(warned[0], /heap profiles carry inuse_\* only$/);
});

t.test('off by default: heap profiles are in-use only and say nothing about allocations', async (t) => {
  const profiler = await start({ profiles: ['heap'], heapInterval: 16384, env: {} });
  t.equal(profiler.options.heapAllocations, false);
  t.match(profiler.allocationsUnavailable(), /allocation profiles are off: start\(\) with heapAllocations: true/);
  const h = decode((await profiler.stop()).heap!);
  t.same(h.sampleTypes, ['inuse_objects/count', 'inuse_space/bytes']);
  t.notOk(h.comments.some((c) => /alloc_/.test(c)));
});

t.test('WASMPROF_HEAP_ALLOCATIONS is a boolean; the option wins over it', async (t) => {
  await t.rejects(start({ profiles: ['heap'], env: { WASMPROF_HEAP_ALLOCATIONS: 'maybe' } }), /invalid heapAllocations "maybe" \(from WASMPROF_HEAP_ALLOCATIONS\): expected true or false/);
  const p = await start({ profiles: ['heap'], heapAllocations: false, env: { WASMPROF_HEAP_ALLOCATIONS: 'yes' } });
  t.equal(p.options.heapAllocations, false);
  await p.stop();
});
