// The profiler under `deno test` (run through test/deno/run.mjs with --allow-sys, --allow-read,
// --allow-env, --allow-ffi): collect() bytes that decode with pprof-format, the hot function on
// top, labels, heap, and the fork addon over Node-API. Asserts with node:assert (no JSR here).
import assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { start } from '../../sdk/index.ts';
import { loadForkBridge } from '../../sdk/runtime/fork-bridge.ts';

declare const Deno: { test(name: string, fn: () => Promise<void> | void): void };

function decode(bytes: Uint8Array | undefined): Profile {
  assert.ok(bytes && bytes.length > 0, 'profile bytes');
  return Profile.decode(gunzipSync(bytes));
}

/** Self value per leaf function name (last sample type), and the label values seen per key. */
function summarize(p: Profile): { self: Map<string, number>; total: number; labels: Map<string, Set<string>>; labelled: Map<string, number> } {
  const st = p.stringTable.strings;
  const fnName = new Map(p.function.map((f) => [String(f.id), st[Number(f.name)]!]));
  const locFn = new Map(p.location.map((l) => [String(l.id), fnName.get(String(l.line[0]?.functionId)) ?? '?']));
  const self = new Map<string, number>();
  const labels = new Map<string, Set<string>>();
  const labelled = new Map<string, number>(); // value per label value
  const vi = p.sampleType.length - 1;
  let total = 0;
  for (const s of p.sample) {
    const v = Number(s.value[vi]);
    total += v;
    const leaf = locFn.get(String(s.locationId[0])) ?? '?';
    self.set(leaf, (self.get(leaf) ?? 0) + v);
    for (const l of s.label) {
      const k = st[Number(l.key)]!;
      if (!labels.has(k)) labels.set(k, new Set());
      labels.get(k)!.add(st[Number(l.str)]!);
      labelled.set(st[Number(l.str)]!, (labelled.get(st[Number(l.str)]!) ?? 0) + v);
    }
  }
  return { self, total, labels, labelled };
}

function top(self: Map<string, number>): string {
  return [...self].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '(none)';
}

function denoHotLoop(ms: number): number {
  const end = performance.now() + ms;
  let acc = 0;
  while (performance.now() < end) for (let i = 0; i < 20000; i++) acc = (acc * 31 + i) % 1000003;
  return acc;
}

function denoAllocate(keep: number[][]): void {
  for (let i = 0; i < 200; i++) keep.push(new Array<number>(4096).fill(i + 0.5));
}

Deno.test('profiler: wall, cpu and heap from collect(), labels across await', async () => {
  const profiler = await start({ profiles: ['wall', 'cpu', 'heap'], interval: 1, heapInterval: 16384, env: {} });
  try {
    assert.strictEqual(profiler.source, 'inspector');
    const keep: number[][] = [];
    denoHotLoop(300);
    denoAllocate(keep);
    await profiler.runWithLabels({ route: '/deno' }, async () => {
      denoHotLoop(100);
      await new Promise((r) => setTimeout(r, 5));
      denoHotLoop(100);
    });
    const period = await profiler.collect();
    assert.strictEqual(period.source, 'inspector');
    const wall = summarize(decode(period.wall));
    assert.strictEqual(top(wall.self), 'denoHotLoop', `wall top: ${[...wall.self].slice(0, 5).join(' ')}`);
    const hotShare = (wall.self.get('denoHotLoop') ?? 0) / wall.total;
    assert.ok(hotShare > 0.5, `denoHotLoop has ${(hotShare * 100).toFixed(0)}% of wall time`);
    assert.ok(wall.labels.get('route')?.has('/deno'), 'samples labelled route=/deno (after the await too)');
    // 200 ms of labelled spinning (+5 ms awaiting) within a 500+ ms period: a wrong clock offset
    // would label none or all of it.
    const labelledMs = (wall.labelled.get('/deno') ?? 0) / 1e6;
    assert.ok(labelledMs > 170 && labelledMs < 260, `labelled wall time ${labelledMs.toFixed(1)} ms, expected ~205`);
    const cpu = summarize(decode(period.cpu));
    assert.strictEqual(top(cpu.self), 'denoHotLoop', `cpu top: ${JSON.stringify([...cpu.self].slice(0, 5))}`);
    const heap = summarize(decode(period.heap));
    assert.ok((heap.self.get('denoAllocate') ?? 0) > 1_000_000, `heap: denoAllocate holds ${heap.self.get('denoAllocate')} bytes`);
    assert.ok(keep.length === 200);
    // A second period starts where the first ended and still works.
    denoHotLoop(200);
    const second = await profiler.collect();
    assert.strictEqual(second.seq, period.seq + 1);
    const wall2 = summarize(decode(second.wall));
    assert.strictEqual(top(wall2.self), 'denoHotLoop', `second period top: ${JSON.stringify([...wall2.self].slice(0, 5))}`);
  } finally {
    await profiler.stop();
  }
});

Deno.test('profiler: a second start after stop', async () => {
  const profiler = await start({ profiles: ['wall'], env: {} });
  denoHotLoop(50);
  const last = await profiler.stop();
  assert.ok(last.wall && last.wall.length > 0);
});

Deno.test('profiler: source "native" is refused with the reason', async () => {
  await assert.rejects(() => start({ profiles: ['wall'], source: 'native', env: {} }), /cannot load in Deno/);
});

Deno.test('profiler: inside a node:worker_threads worker', async () => {
  const worker = new Worker(new URL('./worker-profiled.ts', import.meta.url));
  try {
    const msg = await new Promise<{ source?: string; threadId?: number; wall?: Uint8Array; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    assert.strictEqual(msg.error, undefined);
    assert.strictEqual(msg.source, 'inspector');
    assert.ok((msg.threadId ?? 0) > 0, 'a worker thread id');
    const wall = summarize(decode(msg.wall));
    assert.strictEqual(top(wall.self), 'workerHotLoop', JSON.stringify([...wall.self].slice(0, 5)));
  } finally {
    await worker.terminate();
  }
});

Deno.test('profiler: fork counters from the addon; Deno spawns without running atfork handlers', async () => {
  const profiler = await start({ profiles: ['wall'], env: {} });
  try {
    denoHotLoop(50);
    const child = spawnSync('true');
    assert.strictEqual(child.status, 0);
    denoHotLoop(50);
    const period = await profiler.collect();
    const p = decode(period.wall);
    const comments = p.comment.map((i) => p.stringTable.strings[Number(i)]!);
    const forks = comments.find((c) => c.startsWith('wasmprof forks:'));
    // With --allow-ffi the fork addon is loaded (atfork counters); Deno's clone3(CLONE_VFORK)
    // spawn does not run atfork handlers, so the spawn above is not counted as a fork.
    assert.strictEqual(forks, 'wasmprof forks: 0 since the last period (detected by atfork)', comments.join(' | '));
    assert.strictEqual(top(summarize(p).self), 'denoHotLoop');
  } finally {
    await profiler.stop();
  }
});

Deno.test('fork addon (Node-API) loads with --allow-ffi', () => {
  const r = loadForkBridge();
  if (r.bridge === undefined) {
    // Only acceptable when the addon is not built on this machine; the reason is one line.
    assert.match(r.reason ?? '', /not found/, r.reason);
    assert.ok(!r.reason!.includes('\n'));
    return;
  }
  const s = r.bridge.state();
  assert.strictEqual(s.pid, (globalThis as unknown as { Deno: { pid: number } }).Deno.pid);
});
