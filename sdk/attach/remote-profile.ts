// Profiling another process through its inspector: the Profiler domain (CPU call tree and
// samples, for wall and cpu) and the HeapProfiler domain's sampling heap profiler, in the same
// DevTools shapes the in-process inspector source produces (sdk/sources/types.ts), so the
// ingest stage takes them as they are. The answers come from another process: each is checked
// before it is used.
import type { CallFrameInfo, RawCpuProfile, RawHeapNode, RawHeapProfile } from '../sources/types.js';
import { AttachFailed } from './errors.js';
import type { DevToolsConnection } from './devtools.js';

export interface RemoteProfileOptions {
  cpu: boolean;
  heap: boolean;
  intervalMicros: number;
  heapIntervalBytes: number;
}

/** Serialising a large profile in the target takes a while; the stop answers are given room. */
const STOP_TIMEOUT_MS = 60_000;

/** How long the full GC before the CPU profile may take before the profile starts without it. */
const GC_TIMEOUT_MS = 5000;

/** Starts the profiles; returns notes for the profiles' comments. */
export async function startRemoteProfiles(conn: DevToolsConnection, o: RemoteProfileOptions): Promise<string[]> {
  const notes: string[] = [];
  if (o.cpu) {
    // A new CPU profiler learns the code that exists by walking functions, which misses
    // on-stack-replacement code: in a process that has been running for a while, the hot loops
    // are compiled that way, and their samples would be charged to their callers. A full GC
    // drops that code (V8 holds it weakly) and V8 compiles it again under the profiler — the same
    // step the in-process inspector source takes (sdk/sources/inspector.ts). It costs the target
    // one full-GC pause; the answer comes from the target's event loop, so it is waited for only so long.
    const t = performance.now();
    const gc = await conn.call('HeapProfiler.collectGarbage', {}, GC_TIMEOUT_MS).then(() => undefined, (err: Error) => err.message);
    notes.push(gc === undefined ? `wasmprof attach: full GC in the target before the CPU profile: ${(performance.now() - t).toFixed(0)} ms`
      : `wasmprof attach: no full GC before the CPU profile (${gc}): loops compiled before it may be charged to their callers`);
    await conn.call('Profiler.enable');
    await conn.call('Profiler.setSamplingInterval', { interval: Math.max(1, Math.round(o.intervalMicros)) });
    await conn.call('Profiler.start');
  }
  if (o.heap) {
    await conn.call('HeapProfiler.enable');
    await conn.call('HeapProfiler.startSampling', { samplingInterval: o.heapIntervalBytes });
  }
  return notes;
}

export interface RemoteProfiles {
  cpu: RawCpuProfile | undefined;
  heap: RawHeapProfile | undefined;
}

export async function stopRemoteProfiles(conn: DevToolsConnection, o: RemoteProfileOptions): Promise<RemoteProfiles> {
  let cpu: RawCpuProfile | undefined;
  let heap: RawHeapProfile | undefined;
  if (o.cpu) {
    const answer = await conn.call<{ profile?: unknown }>('Profiler.stop', {}, STOP_TIMEOUT_MS);
    cpu = checkCpuProfile(answer?.profile);
    await conn.call('Profiler.disable').catch(() => undefined);
  }
  if (o.heap) {
    const answer = await conn.call<{ profile?: unknown }>('HeapProfiler.getSamplingProfile', {}, STOP_TIMEOUT_MS);
    heap = checkHeapProfile(answer?.profile);
    await conn.call('HeapProfiler.stopSampling').catch(() => undefined);
    await conn.call('HeapProfiler.disable').catch(() => undefined);
  }
  return { cpu, heap };
}

function bad(what: string): never {
  throw new AttachFailed(`the target's ${what} is not a DevTools profile`);
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function checkCallFrame(f: unknown, what: string): CallFrameInfo {
  const c = f as Partial<CallFrameInfo> | null;
  if (!c || typeof c !== 'object' || typeof c.functionName !== 'string' || typeof c.url !== 'string' || !isNum(c.lineNumber) || !isNum(c.columnNumber)) {
    bad(`${what} (a call frame)`);
  }
  return { functionName: c.functionName, url: c.url, scriptId: String(c.scriptId ?? ''), lineNumber: c.lineNumber, columnNumber: c.columnNumber };
}

function numbers(v: unknown, what: string): number[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every(isNum)) bad(what);
  return v as number[];
}

export function checkCpuProfile(p: unknown): RawCpuProfile {
  const what = 'CPU profile';
  const q = p as { nodes?: unknown; startTime?: unknown; endTime?: unknown; samples?: unknown; timeDeltas?: unknown } | null;
  if (!q || typeof q !== 'object' || !Array.isArray(q.nodes) || !isNum(q.startTime) || !isNum(q.endTime)) bad(what);
  const nodes = (q.nodes as unknown[]).map((n) => {
    const x = n as { id?: unknown; callFrame?: unknown; children?: unknown; hitCount?: unknown } | null;
    if (!x || typeof x !== 'object' || !Number.isSafeInteger(x.id) || (x.id as number) < 0) bad(what);
    return { id: x.id as number, callFrame: checkCallFrame(x.callFrame, what), children: numbers(x.children, what) };
  });
  return { nodes, startTime: q.startTime as number, endTime: q.endTime as number, samples: numbers(q.samples, what), timeDeltas: numbers(q.timeDeltas, what) };
}

export function checkHeapProfile(p: unknown): RawHeapProfile {
  const what = 'heap profile';
  const q = p as { head?: unknown; samples?: unknown } | null;
  if (!q || typeof q !== 'object') bad(what);
  // Iterative: a deep tree must not overflow our stack.
  const convert = (root: unknown): RawHeapNode => {
    const out: RawHeapNode[] = [];
    const todo: Array<[unknown, RawHeapNode | undefined]> = [[root, undefined]];
    while (todo.length > 0) {
      const [raw, parent] = todo.pop()!;
      const n = raw as { id?: unknown; callFrame?: unknown; selfSize?: unknown; children?: unknown } | null;
      if (!n || typeof n !== 'object' || !Number.isSafeInteger(n.id) || !isNum(n.selfSize) || !Array.isArray(n.children)) bad(what);
      const node: RawHeapNode = { id: n.id as number, callFrame: checkCallFrame(n.callFrame, what), selfSize: n.selfSize as number, children: [] };
      if (parent) parent.children.push(node); else out.push(node);
      for (const c of n.children as unknown[]) todo.push([c, node]);
    }
    return out[0];
  };
  const head = convert(q.head);
  const samples = q.samples === undefined ? [] : q.samples;
  if (!Array.isArray(samples)) bad(what);
  const checked = (samples as unknown[]).map((s) => {
    const x = s as { size?: unknown; nodeId?: unknown; ordinal?: unknown } | null;
    if (!x || !isNum(x.size) || !isNum(x.nodeId)) bad(what);
    return { size: x.size as number, nodeId: x.nodeId as number, ordinal: isNum(x.ordinal) ? x.ordinal : 0 };
  });
  return { head, samples: checked };
}
