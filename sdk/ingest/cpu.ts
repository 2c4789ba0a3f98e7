// One CPU-profiler period (a V8 call tree plus its sample sequence) → samples aggregated in the core.
//
// Kind KIND_CPU rows carry values [samples, wall ns, cpu ns, 0]:
//   * wall: each sample stands for the time until the next sample (the last one: until the
//     profile's end), the way DevTools counts; negative deltas (V8 clock hiccups) count as 0.
//   * cpu: the period's CPU time of the thread (from the source when it measures it, else from
//     the runtime: see runtime/node.ts threadCpu) is spread over the non-idle samples in
//     proportion to their wall time. It is capped at their wall time: one thread cannot use
//     more CPU than time passed, and a process-wide reading (the fallback) would otherwise
//     credit this thread with other threads' work.
// Labels: each non-idle sample takes the label set active at its timestamp (labels.ts); idle
// samples carry the static labels only.
// Stacks are built by walking the tree once: stack(node) = pushStack(stack(parent), frame(node)),
// with V8's "(root)" left out. O(nodes + samples) core calls.
import type { Core } from '../core/core.js';
import { IDLE, ROOT, type FrameInterner } from './frames.js';
import { TimelineCursor, type LabelSet, type LabelTimeline } from '../sources/labels.js';
import { runNow, TimeSlicer, type Steps } from '../runtime/slices.js';
import type { RawCpuProfile } from '../sources/types.js';

export const KIND_CPU = 0;

export interface CpuIngest {
  samples: number;
  idleSamples: number;
  labelledSamples: number;
  unknownLabelSamples: number;
  wallNanos: number;
  cpuNanos: number;
  /** What the CPU time spread over the samples came from. */
  cpuScope: 'source' | 'thread' | 'process' | 'none';
}

export interface LabelHandles {
  /** Core label-set handle for a label set (undefined = none), static labels included. */
  handle(set: LabelSet | undefined): number;
  /** Handle for samples whose labels are unknown (the transition log overflowed). */
  unknown(): number;
}

/** Script URLs of a profile (for preparing their source maps). */
export function profileUrls(nodes: ReadonlyArray<{ callFrame: { url: string } }>): Set<string> {
  const urls = new Set<string>();
  for (const n of nodes) if (n.callFrame.url !== '') urls.add(n.callFrame.url);
  return urls;
}

export type CpuReadingInput = { micros: number; scope: 'thread' | 'process' } | undefined;

/** ingestCpuSteps in one go. */
export function ingestCpuProfile(core: Core, frames: FrameInterner, profile: RawCpuProfile, timeline: LabelTimeline | undefined,
  labels: LabelHandles, cpu: CpuReadingInput): CpuIngest {
  return runNow(ingestCpuSteps(core, frames, profile, timeline, labels, cpu, new TimeSlicer(Infinity)));
}

/** Feeds one CPU profile into the core, yielding whenever `slicer` says the slice is used up. */
export function* ingestCpuSteps(
  core: Core,
  frames: FrameInterner,
  profile: RawCpuProfile,
  timeline: LabelTimeline | undefined,
  labels: LabelHandles,
  cpu: CpuReadingInput,
  slicer: TimeSlicer,
): Steps<CpuIngest> {
  const { nodes, samples, timeDeltas } = profile;
  const result: CpuIngest = { samples: 0, idleSamples: 0, labelledSamples: 0, unknownLabelSamples: 0, wallNanos: 0, cpuNanos: 0, cpuScope: 'none' };
  if (nodes.length === 0) return result;

  // Node ids are small positive integers; index them densely.
  let maxId = 0;
  for (const n of nodes) if (n.id > maxId) maxId = n.id;
  const index = new Int32Array(maxId + 1).fill(-1);
  for (let i = 0; i < nodes.length; i++) index[nodes[i].id] = i;
  const hasParent = new Uint8Array(nodes.length);
  for (const n of nodes) for (const c of n.children ?? []) { const ci = index[c]; if (ci >= 0) hasParent[ci] = 1; }

  // Stack handle per node, walking from the roots (parents before children).
  const stack = new Int32Array(nodes.length);
  const idle = new Uint8Array(nodes.length);
  const todo: number[] = [];
  const seen = new Uint8Array(nodes.length);
  const parentOf = new Int32Array(nodes.length).fill(-1);
  for (let i = 0; i < nodes.length; i++) if (!hasParent[i]) { todo.push(i); seen[i] = 1; }
  while (todo.length > 0) {
    const i = todo.pop()!;
    const n = nodes[i];
    const p = parentOf[i];
    if (p < 0 && n.callFrame.functionName === ROOT && n.callFrame.url === '') {
      stack[i] = 0;
    } else {
      stack[i] = core.pushStack(p < 0 ? 0 : stack[p], frames.frame(n.callFrame));
      if (n.callFrame.functionName === IDLE && n.callFrame.url === '') idle[i] = 1;
    }
    for (const c of n.children ?? []) {
      const ci = index[c];
      if (ci >= 0 && !seen[ci]) { seen[ci] = 1; parentOf[ci] = i; todo.push(ci); }
    }
    if (slicer.due()) yield;
  }

  // Wall time per sample, and the non-idle total for spreading CPU time.
  const count = Math.min(samples.length, timeDeltas.length);
  const at = new Float64Array(count);
  let t = profile.startTime;
  for (let s = 0; s < count; s++) { t += timeDeltas[s]; at[s] = t; }
  const wall = new Float64Array(count);
  let busyWallMicros = 0;
  for (let s = 0; s < count; s++) {
    const next = s + 1 < count ? at[s + 1] : Math.max(profile.endTime, at[s]);
    wall[s] = Math.max(0, next - at[s]);
    const ni = samples[s] <= maxId ? index[samples[s]] : -1;
    if (ni >= 0 && !idle[ni]) busyWallMicros += wall[s];
  }
  let cpuPerWall = 0;
  const sourceCpu = profile.threadCpuMicros;
  const cpuMicros = sourceCpu !== undefined ? sourceCpu : cpu?.micros;
  result.cpuScope = sourceCpu !== undefined ? 'source' : cpu ? cpu.scope : 'none';
  if (cpuMicros !== undefined && busyWallMicros > 0) cpuPerWall = Math.min(1, Math.max(0, cpuMicros) / busyWallMicros);

  const cursor = timeline ? new TimelineCursor(timeline) : undefined;
  let lastSet: LabelSet | undefined | null = undefined;
  let lastHandle = labels.handle(undefined);
  // Samples go to the core in batches (Core.addSamples: one call per batch, the columns copied
  // as they are), flushed before every yield so the core is complete whenever others may run.
  const bStack = new Int32Array(count), bLabels = new Int32Array(count);
  const bOne = new Float64Array(count).fill(1), bWall = new Float64Array(count), bCpu = new Float64Array(count);
  let bFrom = 0, bTo = 0;
  const flush = () => {
    if (bTo > bFrom) core.addSamples(KIND_CPU, bStack.subarray(bFrom, bTo), bLabels.subarray(bFrom, bTo), bOne.subarray(bFrom, bTo), bWall.subarray(bFrom, bTo), bCpu.subarray(bFrom, bTo));
    bFrom = bTo;
  };
  for (let s = 0; s < count; s++) {
    const ni = samples[s] <= maxId ? index[samples[s]] : -1;
    if (ni < 0 || stack[ni] <= 0) continue; // unknown node, or a sample on (root) itself
    let handle = lastHandle;
    if (idle[ni]) {
      handle = labels.handle(undefined); // idle time belongs to no request
    } else if (cursor) {
      const set = cursor.at(at[s]);
      if (set !== lastSet) {
        lastSet = set;
        lastHandle = set === null ? labels.unknown() : labels.handle(set);
      }
      handle = lastHandle;
      if (set === null) result.unknownLabelSamples++;
      else if (set !== undefined) result.labelledSamples++;
    }
    const wallNs = Math.round(wall[s] * 1000);
    const cpuNs = idle[ni] ? 0 : Math.round(wall[s] * cpuPerWall * 1000);
    bStack[bTo] = stack[ni]; bLabels[bTo] = handle; bWall[bTo] = wallNs; bCpu[bTo] = cpuNs; bTo++;
    result.samples++;
    if (idle[ni]) result.idleSamples++;
    result.wallNanos += wallNs;
    result.cpuNanos += cpuNs;
    if (slicer.due()) { flush(); yield; }
  }
  flush();
  return result;
}
