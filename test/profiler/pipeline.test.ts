// The data path without a live profiler: hand-made V8-shaped profiles → core (frame cache, stack
// trie, aggregation) → pprof, decoded again. Checks values, names, 1-based lines, labels from a
// timeline, CPU spreading, heap estimates, the frame cache and merging of periods.
import t from 'tap';
import { gzipSync } from 'node:zlib';
import { Core } from '../../sdk/core.js';
import { ingestCpuProfile, KIND_CPU, type LabelHandles } from '../../sdk/ingest/cpu.js';
import { callFrameKey, frameKey } from '../../sdk/ingest/frame-key.js';
import { FrameInterner, frameInfo } from '../../sdk/ingest/frames.js';
import { ingestHeapProfile } from '../../sdk/ingest/heap.js';
import { LabelSet, type LabelTimeline } from '../../sdk/sources/labels.js';
import { buildProfile } from '../../sdk/pprof/build.js';
import { encodeGzipSync } from '../../sdk/pprof/gzip.js';
import { mergeProfiles } from '../../sdk/pprof/merge.js';
import type { CallFrameInfo, RawCpuProfile, RawHeapProfile } from '../../sdk/sources/types.js';
import { decode, total } from './helpers.js';

const cf = (functionName: string, lineNumber = 0, url = 'file:///app/main.js', scriptId = '42', columnNumber = 4): CallFrameInfo =>
  ({ functionName, url, scriptId, lineNumber, columnNumber });

// (root) → main → { hot, cold }, (idle), (program)
function cpuProfile(): RawCpuProfile {
  return {
    nodes: [
      { id: 1, callFrame: cf('(root)', -1, '', '0', -1), children: [2, 5, 6] },
      { id: 2, callFrame: cf('main', 9), children: [3, 4] },
      { id: 3, callFrame: cf('hot', 19) },
      { id: 4, callFrame: cf('cold', 29) },
      { id: 5, callFrame: cf('(idle)', -1, '', '0', -1) },
      { id: 6, callFrame: cf('(program)', -1, '', '0', -1) },
    ],
    startTime: 1000,
    // samples at 1000+10, +20, ... each 10 µs apart; the last one runs until endTime
    samples: [3, 3, 3, 4, 5, 5, 3, 6],
    timeDeltas: [10, 10, 10, 10, 10, 10, 10, 10],
    endTime: 1090,
  };
}

function handles(core: Core, fixed: Record<string, string> = {}): LabelHandles {
  return {
    handle: (set) => core.internLabels(set ? { ...fixed, ...set.labels } : fixed),
    unknown: () => core.internLabels({ ...fixed, wasmprof_labels: 'unknown' }),
  };
}

function timeline(entries: Array<[number, Record<string, string> | undefined]>, unknownFrom = Infinity): LabelTimeline {
  const times = new Float64Array(entries.length);
  const sets = entries.map(([time, labels], i) => {
    times[i] = time;
    return labels ? new LabelSet(labels) : undefined;
  });
  return { times, sets, count: entries.length, unknownFrom, dropped: 0 };
}

function build(core: Core, type: 'wall' | 'cpu' | 'heap', period = 10_000) {
  return decode(encodeGzipSync(buildProfile({ tables: core.tables(), type, timeNanos: 1_700_000_000_000_000_000, durationNanos: 90_000, period, comments: ['hello'] })));
}

t.test('wall and cpu profiles from one CPU period', async (t) => {
  const core = await Core.create({ frameCacheCapacity: 64 });
  const frames = new FrameInterner(core, undefined);
  const stats = ingestCpuProfile(core, frames, cpuProfile(), undefined, handles(core), { micros: 35, scope: 'thread' });
  t.equal(stats.samples, 8);
  t.equal(stats.idleSamples, 2);
  t.equal(stats.wallNanos, 80_000, 'each sample lasts until the next; the last one until endTime');
  t.equal(stats.cpuScope, 'thread');

  const wall = build(core, 'wall');
  t.same(wall.sampleTypes, ['samples/count', 'wall/nanoseconds']);
  t.equal(wall.periodType, 'wall/nanoseconds');
  t.equal(wall.period, 10_000);
  t.equal(wall.defaultSampleType, 'wall');
  t.equal(wall.timeNanos, 1_700_000_000_000_000_000);
  t.equal(wall.durationNanos, 90_000);
  t.same(wall.comments, ['hello']);
  t.equal(total(wall, 'hot', 0), 4, 'hot: 4 samples');
  t.equal(total(wall, 'hot', 1), 40_000);
  t.equal(total(wall, 'cold', 1), 10_000);
  t.equal(total(wall, '(idle)', 1), 20_000, 'idle time is wall time');
  t.equal(total(wall, 'main', 1, 'cum'), 50_000);
  const hot = wall.samples.find((s) => s.stack[0].name === 'hot')!;
  t.same(hot.stack.map((f) => f.name), ['hot', 'main'], 'leaf first, (root) left out');
  t.same(hot.stack[0], { name: 'hot', file: '/app/main.js', line: 20 }, 'file path and 1-based line');
  t.same(wall.functions.find((f) => f.name === 'main'), { name: 'main', file: '/app/main.js', startLine: 10 });

  const cpu = build(core, 'cpu');
  t.same(cpu.sampleTypes, ['samples/count', 'cpu/nanoseconds']);
  t.equal(cpu.periodType, 'cpu/nanoseconds');
  t.equal(total(cpu, '(idle)', 1), 0, 'no CPU for idle samples');
  // 35 µs of CPU over 60 µs of non-idle wall time: each busy µs gets 35/60.
  t.ok(Math.abs(total(cpu, 'hot', 1) - 40_000 * 35 / 60) <= 4, 'hot gets its share (per-sample rounding aside)');
  t.ok(Math.abs(total(cpu, 'cold', 1) - 10_000 * 35 / 60) <= 4, 'cold gets its share');
  core.periodReset();
  t.equal(core.tables().samples(KIND_CPU).length, 0, 'periodReset empties the aggregation');
});

t.test('CPU time: capped at wall time, taken from the source when it measures it', async (t) => {
  const core = await Core.create();
  const frames = new FrameInterner(core, undefined);
  let s = ingestCpuProfile(core, frames, cpuProfile(), undefined, handles(core), { micros: 1000, scope: 'process' });
  t.equal(s.cpuNanos, 60_000, 'a process-wide reading larger than the busy wall time is capped');
  t.equal(s.cpuScope, 'process');
  core.periodReset();
  s = ingestCpuProfile(core, frames, { ...cpuProfile(), threadCpuMicros: 30 }, undefined, handles(core), { micros: 1000, scope: 'process' });
  t.equal(s.cpuScope, 'source');
  t.equal(s.cpuNanos, 30_000);
  core.periodReset();
  s = ingestCpuProfile(core, frames, cpuProfile(), undefined, handles(core), undefined);
  t.equal(s.cpuNanos, 0);
  t.equal(s.cpuScope, 'none');
});

t.test('labels: each sample takes the label set active at its timestamp', async (t) => {
  const core = await Core.create();
  const frames = new FrameInterner(core, undefined);
  // samples at 1010..1080. Labelled from 1025 to 1055 (samples at 1030, 1040, 1050); unknown from 1075.
  const tl = timeline([[-Infinity, undefined], [1025, { route: '/a' }], [1055, undefined]], 1075);
  const s = ingestCpuProfile(core, frames, cpuProfile(), tl, handles(core, { service: 'svc' }), undefined);
  t.equal(s.labelledSamples, 2);
  t.equal(s.unknownLabelSamples, 1);
  const wall = build(core, 'wall');
  const labelled = wall.samples.filter((x) => x.labels.route === '/a');
  t.equal(labelled.reduce((a, x) => a + x.values[0], 0), 2);
  t.same(labelled.map((x) => x.stack[0].name).sort(), ['cold', 'hot'], 'the samples at 1030 (hot) and 1040 (cold); the idle one at 1050 gets no user labels');
  t.ok(wall.samples.every((x) => x.labels.service === 'svc'), 'static labels on every sample');
  t.equal(total(wall, '(program)', 0, 'flat', (x) => x.labels.wasmprof_labels === 'unknown'), 1, 'after the overflow: unknown');
});

t.test('frame cache: a second period hits, and misses build source-mapped frames', async (t) => {
  const core = await Core.create();
  const frames = new FrameInterner(core, undefined);
  ingestCpuProfile(core, frames, cpuProfile(), undefined, handles(core), undefined);
  const missesAfterFirst = core.stats().frameCache.misses;
  t.equal(missesAfterFirst, 5, 'one miss per distinct frame ((root) is not a frame)');
  core.periodReset();
  ingestCpuProfile(core, frames, cpuProfile(), undefined, handles(core), undefined);
  t.equal(core.stats().frameCache.misses, missesAfterFirst, 'no new misses');
  t.ok(core.stats().frameCache.hits >= 5);
  const [lo, hi] = callFrameKey(cf('hot', 19));
  t.ok(core.peekFrame(lo, hi) >= 0, 'keyed by scriptId, line, column, name');
  t.same(frameInfo(cf(''), undefined).name, '(anonymous)');
  t.same(frameInfo(cf('x', 0, 'node:internal/timers', '7'), undefined).file, 'node:internal/timers');
});

t.test('frame keys: stable, sensitive to every part, no collisions in 200k frames', async (t) => {
  t.same(frameKey('12', 3, 4, 'f'), frameKey('12', 3, 4, 'f'));
  const base = frameKey('12', 3, 4, 'f');
  for (const k of [frameKey('13', 3, 4, 'f'), frameKey('12', 4, 4, 'f'), frameKey('12', 3, 5, 'f'), frameKey('12', 3, 4, 'g'), frameKey('1', 3, 4, '2f')]) {
    t.notSame(k, base);
  }
  const seen = new Set<string>();
  let unsigned = 0;
  for (let s = 0; s < 20; s++) {
    for (let l = 0; l < 100; l++) {
      for (let c = 0; c < 100; c++) {
        const [lo, hi] = frameKey(String(s), l, c, `fn${c % 7}`);
        if (lo >>> 0 === lo && hi >>> 0 === hi) unsigned++;
        seen.add(`${lo}:${hi}`);
      }
    }
  }
  t.equal(unsigned, 200_000, 'both halves are unsigned 32-bit');
  t.equal(seen.size, 200_000, 'no collisions');
});

t.test('heap: self sizes as inuse_space, objects estimated from the samples', async (t) => {
  const core = await Core.create();
  const frames = new FrameInterner(core, undefined);
  const interval = 1024;
  const profile: RawHeapProfile = {
    head: {
      id: 1, callFrame: cf('(root)', -1, '', '0', -1), selfSize: 0, children: [
        { id: 2, callFrame: cf('alloc', 4), selfSize: 10_000, children: [
          { id: 3, callFrame: cf('inner', 7), selfSize: 2048, children: [] },
        ] },
      ],
    },
    samples: [{ size: 1024, nodeId: 2, ordinal: 1 }, { size: 1024, nodeId: 2, ordinal: 2 }, { size: 64, nodeId: 3, ordinal: 3 }],
  };
  const s = ingestHeapProfile(core, frames, profile, interval, 0);
  t.equal(s.bytes, 12_048);
  t.equal(s.stacks, 2);
  const heap = build(core, 'heap', interval);
  t.same(heap.sampleTypes, ['inuse_objects/count', 'inuse_space/bytes']);
  t.equal(heap.periodType, 'inuse_space/bytes', 'named as the Node clients of Pyroscope and Datadog name it');
  t.equal(heap.period, 1024);
  t.equal(heap.defaultSampleType, 'inuse_space');
  t.equal(total(heap, 'alloc', 1), 10_000);
  t.equal(total(heap, 'inner', 1), 2048);
  t.same(heap.samples.find((x) => x.stack[0].name === 'inner')!.stack.map((f) => f.name), ['inner', 'alloc']);
  // 1024-byte samples at a 1024-byte interval stand for 1/(1-e^-1) ≈ 1.58 allocations each.
  t.equal(total(heap, 'alloc', 0), Math.round(2 / (1 - Math.exp(-1))));
  t.equal(total(heap, 'inner', 0), Math.round(1 / (1 - Math.exp(-64 / 1024))));
});

t.test('merging periods keeps every sample and re-indexes tables', async (t) => {
  const core = await Core.create();
  const frames = new FrameInterner(core, undefined);
  ingestCpuProfile(core, frames, cpuProfile(), undefined, handles(core, { service: 's' }), undefined);
  const a = encodeGzipSync(buildProfile({ tables: core.tables(), type: 'wall', timeNanos: 1000, durationNanos: 500, period: 1, comments: ['x'] }));
  core.periodReset();
  const p2 = cpuProfile();
  p2.samples = [4, 4, 4, 4, 4, 4, 4, 4];
  ingestCpuProfile(core, frames, p2, undefined, handles(core, { service: 's' }), undefined);
  const b = encodeGzipSync(buildProfile({ tables: core.tables(), type: 'wall', timeNanos: 1500, durationNanos: 700, period: 1, comments: ['x'] }));
  const merged = decode(gzipSync(mergeProfiles([a, b]).encode()));
  t.equal(total(merged, 'hot', 1), 40_000);
  t.equal(total(merged, 'cold', 1), 10_000 + 80_000);
  t.equal(merged.timeNanos, 1000);
  t.equal(merged.durationNanos, 1200);
  t.ok(merged.samples.every((s) => s.labels.service === 's'));
  t.same(merged.comments, ['x']);
  t.throws(() => mergeProfiles([a, encodeGzipSync(buildProfile({ tables: core.tables(), type: 'cpu', timeNanos: 1, durationNanos: 1, period: 1, comments: [] }))]), /cannot merge/);
});
