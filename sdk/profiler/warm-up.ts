// Runs the period pipeline once over a synthetic profile, on a throwaway core, when the profiler
// starts. The first real period then runs optimized code instead of the interpreter's (several
// times slower), so the first rotation does not stall the event loop more than later ones.
import { Core } from '../core/core.js';
import { ingestCpuProfile } from '../ingest/cpu.js';
import { FrameInterner } from '../ingest/frames.js';
import { ingestHeapProfile } from '../ingest/heap.js';
import { LabelSet, TimelineCursor } from '../sources/labels.js';
import { buildProfile } from '../pprof/build.js';
import type { RawCpuProfile, RawHeapNode, RawProfileNode } from '../sources/types.js';

const NODES = 200, SAMPLES = 600;

function syntheticCpu(): RawCpuProfile {
  const nodes: RawProfileNode[] = [];
  for (let i = 1; i <= NODES; i++) {
    nodes.push({ id: i, callFrame: { functionName: i === 1 ? '(root)' : `f${i % 97}`, scriptId: String(i % 13), url: i === 1 ? '' : `file:///warm/${i % 13}.js`, lineNumber: i, columnNumber: i % 40 } });
    if (i > 1) {
      const parent = nodes[(i >> 1) - 1];
      (parent.children ??= []).push(i);
    }
  }
  const samples = Array.from({ length: SAMPLES }, (_, s) => 2 + ((s * 7919) % (NODES - 1)));
  return { nodes, startTime: 0, endTime: SAMPLES * 100 + 100, samples, timeDeltas: samples.map(() => 100) };
}

function syntheticHeap(): RawHeapNode {
  const make = (id: number, depth: number): RawHeapNode => ({
    id, selfSize: id * 64,
    callFrame: { functionName: `h${id}`, scriptId: '1', url: 'file:///warm/h.js', lineNumber: id, columnNumber: 0 },
    children: depth === 0 ? [] : [make(id * 2, depth - 1), make(id * 2 + 1, depth - 1)],
  });
  return { id: 0, selfSize: 0, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, children: [make(1, 6)] };
}

export function warmUp(module: WebAssembly.Module): void {
  const core = Core.instantiate(module, { frameCacheCapacity: 1024 });
  const frames = new FrameInterner(core, undefined);
  const set = new LabelSet({ warm: 'up' });
  const timeline = { times: new Float64Array([-Infinity, 5000]), sets: [undefined, set], count: 2, unknownFrom: Infinity, dropped: 0 };
  new TimelineCursor(timeline).at(0);
  const handles = { handle: (s: LabelSet | undefined) => core.internLabels(s ? s.labels : {}), unknown: () => 0 };
  const cpu = syntheticCpu();
  for (let round = 0; round < 1; round++) {
    ingestCpuProfile(core, frames, cpu, timeline, handles, { micros: 1000, scope: 'thread' });
    ingestHeapProfile(core, frames, { head: syntheticHeap(), samples: [{ size: 100, nodeId: 3, ordinal: 1 }] }, 1024, 0);
    const tables = core.tables();
    for (const type of ['wall', 'cpu', 'heap'] as const) {
      buildProfile({ tables, type, timeNanos: 0, durationNanos: 1, period: 1, comments: ['warm-up'] }).encode();
    }
    core.periodReset();
  }
}
