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
  const s = p.samples;
  const samples = new Array<{ size: number; nodeId: number; ordinal: number }>(s.length / 3);
  for (let i = 0, o = 0; o < s.length; i++, o += 3) samples[i] = { size: s[o], nodeId: s[o + 1], ordinal: s[o + 2] };
  return { head: nodes[0], samples };
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

