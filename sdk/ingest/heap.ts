// V8's sampling heap profile (the live sampled allocations at the end of a period) → samples in the
// core, kind KIND_HEAP with values [inuse objects, inuse bytes, alloc objects, alloc bytes]; the
// last two stay 0 unless the source counted the window's allocations (profile.allocations).
//
// V8 already scales each node's selfSize to an estimate of all live bytes allocated there, and
// its object count the same way (each sampled allocation of `size` bytes stands for
// 1 / (1 - exp(-size / interval)) objects): the native bridge hands over that count
// (RawHeapNode.selfCount), which is what inuse_objects uses — never scaled again.
// node:inspector reports only sizes, each sample's already multiplied by its count; for objects
// much smaller than the interval (size * count ≈ interval whatever the size) the count cannot be
// recovered, so that path estimates it as if each sample's reported size were one allocation:
// right for large objects, an undercount for small ones (docs/configuration.md says so).
import type { Core } from '../core/core.js';
import { ROOT, type FrameInterner } from './frames.js';
import { runNow, TimeSlicer, type Steps } from '../runtime/slices.js';
import type { RawHeapNode, RawHeapProfile } from '../sources/types.js';

export const KIND_HEAP = 1;

export interface HeapIngest {
  stacks: number;
  bytes: number;
  objects: number;
  /** Allocated in the window, collected objects included: only when the source counted them. */
  allocBytes?: number;
  allocObjects?: number;
}

export function heapUrls(profile: RawHeapProfile): Set<string> {
  const urls = new Set<string>();
  const todo: RawHeapNode[] = [profile.head];
  while (todo.length > 0) {
    const n = todo.pop()!;
    if (n.callFrame.url !== '') urls.add(n.callFrame.url);
    for (const c of n.children) todo.push(c);
  }
  return urls;
}

/** ingestHeapSteps in one go. */
export function ingestHeapProfile(core: Core, frames: FrameInterner, profile: RawHeapProfile, intervalBytes: number, labels: number): HeapIngest {
  return runNow(ingestHeapSteps(core, frames, profile, intervalBytes, labels, new TimeSlicer(Infinity)));
}

export function* ingestHeapSteps(core: Core, frames: FrameInterner, profile: RawHeapProfile, intervalBytes: number, labels: number,
  slicer: TimeSlicer): Steps<HeapIngest> {
  const objects = new Map<number, number>();
  for (const s of profile.head.selfCount === undefined ? profile.samples ?? [] : []) {
    const scale = s.size > 0 && intervalBytes > 0 ? 1 / -Math.expm1(-s.size / intervalBytes) : 1;
    objects.set(s.nodeId, (objects.get(s.nodeId) ?? 0) + scale);
  }
  const result: HeapIngest = { stacks: 0, bytes: 0, objects: 0 };
  const alloc = profile.allocations === true;
  if (alloc) { result.allocBytes = 0; result.allocObjects = 0; }
  const todo: Array<[RawHeapNode, number]> = [[profile.head, -1]];
  while (todo.length > 0) {
    const [n, parentStack] = todo.pop()!;
    let stack: number;
    if (parentStack < 0 && n.callFrame.functionName === ROOT && n.callFrame.url === '') stack = 0;
    else stack = core.pushStack(Math.max(0, parentStack), frames.frame(n.callFrame));
    const allocBytes = alloc ? Math.round(n.allocSize ?? 0) : 0;
    if (stack > 0 && (n.selfSize > 0 || allocBytes > 0)) {
      const bytes = Math.round(n.selfSize);
      const count = Math.round(n.selfCount ?? objects.get(n.id) ?? 0);
      const allocCount = alloc ? Math.round(n.allocCount ?? 0) : 0;
      core.addSample(KIND_HEAP, stack, labels, count, bytes, allocCount, allocBytes);
      result.stacks++;
      result.bytes += bytes;
      result.objects += count;
      if (alloc) { result.allocBytes! += allocBytes; result.allocObjects! += allocCount; }
    }
    for (const c of n.children) todo.push([c, stack]);
    if (slicer.due()) yield;
  }
  return result;
}
