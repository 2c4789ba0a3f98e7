// The V8 bridge's flat period data (typed arrays and string tables, see native-bridge/v8) →
// the DevTools-shaped objects of types.ts. Built here, in JavaScript, because object literals are
// far cheaper to create from JIT-compiled code than property by property from C++. Within a
// period, nodes with the same frame share one callFrame object: treat profiles as read-only.
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CallFrameInfo, RawCpuProfile, RawHeapNode, RawHeapProfile, RawProfileNode } from './types.js';

/** One period as the addon returns it (see native-bridge/v8/wasmprof_v8.cc). */
export interface NativeCpuPeriod {
  startTime: number;
  endTime: number;
  /** 4 per node, pre-order: id, parent index (-1 for the root), hit count, frame index. */
  nodes: Int32Array;
  /** 5 per frame: function name (index into strings), url (index into strings), script id, line, column (0-based). */
  frames: Int32Array;
  strings: string[];
  samples: Int32Array;
  timeDeltas: Float64Array;
  /** Samples dropped because the previous period already had them (start-before-stop overlap). */
  droppedOverlap: number;
  threadCpuMicros?: number;
}

export interface NativeHeapProfile {
  /** 5 per node, pre-order: id, parent index, script id, line, column (0-based). */
  nodes: Int32Array;
  selfSizes: Float64Array;
  /** V8's scaled object count per node (absent from builds before it was added). */
  selfCounts?: Float64Array;
  names: string[];
  urls: string[];
  /** 3 per sample: size (bytes, size * count), node id, ordinal. */
  samples: Float64Array;
  /** V8's scaled count of each sample (absent from builds before it was added). */
  sampleCounts?: Float64Array;
  /** 1 when the sample's object is still live, 0 when the GC collected it: only from a V8 that
   *  says so (Node 26), and only meaningful when collected samples are kept. */
  sampleLive?: Int32Array;
}

/** A profile with the allocations of a window counted, and what the source needs to know next. */
export interface HeapWindow {
  profile: RawHeapProfile;
  /** Samples of collected objects V8 still holds (what its memory grows with). */
  collected: number;
  /** Highest sample id of the profile (0 without samples). */
  maxSampleId: number;
}

const urlCache = new Map<string, string>();

/** Resource name → URL the way Node's inspector reports it: file paths become file:// URLs. */
function toUrl(resourceName: string): string {
  if (resourceName === '' || !isAbsolute(resourceName)) return resourceName;
  let url = urlCache.get(resourceName);
  if (url === undefined) {
    url = pathToFileURL(resourceName).href;
    if (urlCache.size >= 4096) urlCache.clear();
    urlCache.set(resourceName, url);
  }
  return url;
}

function toNumbers(a: ArrayLike<number>): number[] {
  const n = a.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = a[i];
  return out;
}

/** The DevTools-shaped period. Only reads the native object's fields: the loops live in
 *  buildCpuNodes()/toNumbers(), which see nothing but typed arrays and plain arrays, so that
 *  their optimized code does not depend on the map of the addon-made object (see warmShaping). */
export function shapeCpu(p: NativeCpuPeriod): RawCpuProfile {
  const out: RawCpuProfile = {
    nodes: buildCpuNodes(p.nodes, p.frames, p.strings),
    startTime: p.startTime,
    endTime: p.endTime,
    samples: toNumbers(p.samples),
    timeDeltas: toNumbers(p.timeDeltas),
  };
  if (p.threadCpuMicros !== undefined) out.threadCpuMicros = p.threadCpuMicros;
  return out;
}

function buildCpuNodes(nd: Int32Array, fd: Int32Array, strings: string[]): RawProfileNode[] {
  // One callFrame object per distinct frame of the period, shared by the nodes that have it
  // (a function called from several places): fewer objects to allocate at rotation. They are
  // fresh each period; consumers must treat them as read-only.
  const frameCount = fd.length / 5;
  const frames = new Array<CallFrameInfo>(frameCount);
  for (let f = 0, o = 0; f < frameCount; f++, o += 5) {
    frames[f] = {
      functionName: strings[fd[o]],
      scriptId: String(fd[o + 2]),
      url: toUrl(strings[fd[o + 1]]),
      lineNumber: fd[o + 3],
      columnNumber: fd[o + 4],
    };
  }
  const count = nd.length / 4;
  const nodes = new Array<RawProfileNode>(count);
  for (let i = 0, o = 0; i < count; i++, o += 4) {
    const node: RawProfileNode = { id: nd[o], callFrame: frames[nd[o + 3]], hitCount: nd[o + 2] };
    nodes[i] = node;
    const parent = nd[o + 1];
    if (parent >= 0) {
      const pn = nodes[parent];
      if (pn.children === undefined) pn.children = [node.id];
      else pn.children.push(node.id);
    }
  }
  return nodes;
}

export function shapeHeap(p: NativeHeapProfile): RawHeapProfile {
  const nodes = shapeHeapNodes(p);
  const s = p.samples;
  const samples = new Array<{ size: number; nodeId: number; ordinal: number }>(s.length / 3);
  for (let i = 0, o = 0; o < s.length; i++, o += 3) samples[i] = { size: s[o], nodeId: s[o + 1], ordinal: s[o + 2] };
  return { head: nodes[0], samples };
}

/** The tree, pre-order (nodes[0] is the root). */
function shapeHeapNodes(p: NativeHeapProfile): RawHeapNode[] {
  const nd = p.nodes;
  const count = nd.length / 5;
  const nodes = new Array<RawHeapNode>(count);
  for (let i = 0, o = 0; i < count; i++, o += 5) {
    const node: RawHeapNode = {
      id: nd[o],
      callFrame: {
        functionName: p.names[i],
        scriptId: String(nd[o + 2]),
        url: toUrl(p.urls[i]),
        lineNumber: nd[o + 3],
        columnNumber: nd[o + 4],
      },
      selfSize: p.selfSizes[i],
      children: [],
    };
    if (p.selfCounts) node.selfCount = p.selfCounts[i];
    nodes[i] = node;
    const parent = nd[o + 1];
    if (parent >= 0) nodes[parent].children.push(node);
  }
  return nodes;
}

/**
 * The profile of a sampler that keeps collected samples: V8's per-node sums then mix live and
 * collected objects, so both are counted again from the samples. In use: the live samples.
 * Allocated: the samples with an id above `sinceSampleId` (ids grow with time), collected or not.
 * Scaling is V8's own, as it scales a node's allocations: per (node, size), n samples stand for
 * round(n / (1 - exp(-size / interval))) objects. Not per sample: V8 rounds each sample's count
 * to a whole number, which for objects near the interval in size loses up to a third.
 */
export function shapeHeapWindow(p: NativeHeapProfile, sinceSampleId: number, intervalBytes: number): HeapWindow {
  const live = p.sampleLive;
  const counts = p.sampleCounts;
  if (!live || !counts) throw new Error('wasmprof: this V8 bridge does not say which heap samples are live; rebuild it (npm run build:native)');
  const nodes = shapeHeapNodes(p);
  // node id → size → [live samples, allocated samples]
  const tally = new Map<number, Map<number, [number, number]>>();
  const s = p.samples;
  const liveSamples: Array<{ size: number; nodeId: number; ordinal: number }> = [];
  let collected = 0;
  let maxSampleId = 0;
  for (let i = 0, o = 0; i < counts.length; i++, o += 3) {
    const nodeId = s[o + 1], id = s[o + 2];
    const size = counts[i] > 0 ? s[o] / counts[i] : 0;
    if (id > maxSampleId) maxSampleId = id;
    const isLive = live[i] === 1;
    if (isLive) liveSamples.push({ size: s[o], nodeId, ordinal: id });
    else collected++;
    const allocated = id > sinceSampleId;
    if (!isLive && !allocated) continue;
    let sizes = tally.get(nodeId);
    if (!sizes) tally.set(nodeId, sizes = new Map());
    let t = sizes.get(size);
    if (!t) sizes.set(size, t = [0, 0]);
    if (isLive) t[0]++;
    if (allocated) t[1]++;
  }
  for (const n of nodes) {
    n.selfSize = 0;
    n.selfCount = 0;
    n.allocSize = 0;
    n.allocCount = 0;
    const sizes = tally.get(n.id);
    if (!sizes) continue;
    for (const [size, [liveN, allocN]] of sizes) {
      const scale = size > 0 ? 1 / -Math.expm1(-size / intervalBytes) : 1;
      const liveObjects = Math.floor(liveN * scale + 0.5), allocObjects = Math.floor(allocN * scale + 0.5);
      n.selfCount += liveObjects;
      n.selfSize += liveObjects * size;
      n.allocCount += allocObjects;
      n.allocSize += allocObjects * size;
    }
  }
  return { profile: { head: nodes[0], samples: liveSamples, allocations: true }, collected, maxSampleId };
}

let warmed = false;

/** Runs the shaping loops over synthetic data at start(), so that the first real rotations do
 *  not run them in the interpreter (several ms for a few thousand nodes). The data has the
 *  same representations as the addon's (Int32Array, Float64Array, arrays of strings). */
export function warmShaping(): void {
  if (warmed) return;
  warmed = true;
  const n = 4096;
  const nodes = new Int32Array(n * 4);
  for (let i = 0; i < n; i++) {
    nodes[i * 4] = i + 1;
    nodes[i * 4 + 1] = i === 0 ? -1 : (i - 1) >> 1;
    nodes[i * 4 + 2] = i & 3;
    nodes[i * 4 + 3] = i & 63;
  }
  const frames = new Int32Array(64 * 5);
  const strings: string[] = [];
  for (let f = 0; f < 64; f++) {
    frames.set([strings.length, strings.length + 1, f, f, f], f * 5);
    strings.push(`f${f}`, f % 2 === 0 ? `node:internal/w${f}` : f % 3 === 0 ? fileURLToPath(import.meta.url) : '');
  }
  const ints = new Int32Array(n).fill(1);
  const doubles = new Float64Array(n).fill(1);
  for (let k = 0; k < 3; k++) {
    buildCpuNodes(nodes, frames, strings);
    toNumbers(ints);
    toNumbers(doubles);
  }
}

