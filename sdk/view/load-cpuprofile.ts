// V8 .cpuprofile (what Chrome DevTools, `node --cpu-prof` and the inspector protocol write) →
// ProfileModel. The file is a tree of call frames plus a timeline of sampled tree nodes; both
// the number of samples and the time they stand for are offered as sample types, with time as
// the default because that is what DevTools shows.
import { ViewInputError } from './errors.js';
import { ProfileBuilder, type ProfileModel, type SampleType } from './model.js';
import { messageOf } from '../runtime/report.js';

interface CallFrame {
  functionName?: string;
  url?: string;
  lineNumber?: number;
}
interface CpuProfileNode {
  id: number;
  callFrame?: CallFrame;
  /** The old (pre-2016) format kept the call frame fields on the node itself. */
  functionName?: string;
  url?: string;
  lineNumber?: number;
  hitCount?: number;
  children?: number[] | CpuProfileNode[];
  parent?: number;
}
interface CpuProfile {
  nodes?: CpuProfileNode[];
  head?: CpuProfileNode;
  samples?: number[];
  timeDeltas?: number[];
  startTime?: number;
  endTime?: number;
}

export function looksLikeJson(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b; // '{'
  }
  return false;
}

export function loadCpuProfile(bytes: Uint8Array, name: string): ProfileModel {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new ViewInputError(`not a profile (JSON that does not parse: ${messageOf(err)})`);
  }
  const profile = json as CpuProfile;
  const nodes = Array.isArray(profile.nodes) ? profile.nodes : profile.head && typeof profile.head === 'object' ? flattenHead(profile.head) : undefined;
  if (!nodes || nodes.length === 0 || !nodes.every((n) => n && typeof n === 'object' && typeof n.id === 'number')) {
    throw new ViewInputError('not a profile (JSON without the "nodes" of a V8 .cpuprofile)');
  }

  const byId = new Map<number, CpuProfileNode>();
  for (const n of nodes) byId.set(n.id, n);
  const parentOf = new Map<number, number>();
  for (const n of nodes) {
    if (typeof n.parent === 'number') parentOf.set(n.id, n.parent);
    for (const c of n.children ?? []) parentOf.set(typeof c === 'number' ? c : c.id, n.id);
  }

  const samples = Array.isArray(profile.samples) ? profile.samples : [];
  const timed = samples.length > 0;
  const sampleTypes: SampleType[] = timed
    ? [{ type: 'samples', unit: 'count' }, { type: 'wall', unit: 'nanoseconds' }]
    : [{ type: 'samples', unit: 'count' }];
  const builder = new ProfileBuilder(sampleTypes.length);

  // Parents before children, without recursion: V8 trees can be thousands of frames deep.
  const modelNode = new Map<number, number>();
  const resolve = (id: number): number => {
    const path: number[] = [];
    let cur: number | undefined = id;
    while (cur !== undefined && !modelNode.has(cur)) {
      if (path.length > byId.size) throw new ViewInputError('not a profile (the .cpuprofile call tree has a cycle)');
      path.push(cur);
      cur = parentOf.get(cur);
    }
    let node = cur === undefined ? 0 : modelNode.get(cur)!;
    for (let i = path.length - 1; i >= 0; i--) {
      const n = byId.get(path[i]);
      if (!n) throw new ViewInputError(`not a profile (the .cpuprofile refers to unknown node ${path[i]})`);
      const cf = n.callFrame ?? n;
      const fname = String(cf.functionName ?? '');
      // V8's synthetic "(root)" is the tree's root, which the model already has.
      if (!(fname === '(root)' && !parentOf.has(n.id))) {
        const line = typeof cf.lineNumber === 'number' && cf.lineNumber >= 0 ? cf.lineNumber + 1 : 0;
        node = builder.child(node, builder.frame(fname || '(anonymous)', String(cf.url ?? ''), line));
      }
      modelNode.set(n.id, node);
    }
    return node;
  };

  let durationNanos = 0;
  if (timed) {
    const deltas = Array.isArray(profile.timeDeltas) ? profile.timeDeltas : [];
    // A sample stands for the time until the next one, as in DevTools; the last one runs to endTime.
    let t = Number(profile.startTime ?? 0);
    const stamps = samples.map((_, i) => (t += Number(deltas[i] ?? 0)));
    const end = Number(profile.endTime ?? stamps[stamps.length - 1]);
    durationNanos = Math.round((end - Number(profile.startTime ?? 0)) * 1000);
    samples.forEach((id, i) => {
      if (!byId.has(id)) throw new ViewInputError(`not a profile (a sample refers to unknown node ${id})`);
      const next = i + 1 < stamps.length ? stamps[i + 1] : end;
      const micros = Math.max(0, next - stamps[i]);
      builder.add(resolve(id), 0, [1, Math.round(micros * 1000)]);
    });
  } else {
    for (const n of nodes) if (n.hitCount) builder.add(resolve(n.id), 0, [n.hitCount]);
  }
  return builder.build(name, 'cpuprofile', sampleTypes, sampleTypes.length - 1, durationNanos);
}

function flattenHead(head: CpuProfileNode): CpuProfileNode[] {
  const out: CpuProfileNode[] = [];
  const todo: CpuProfileNode[] = [head];
  while (todo.length > 0) {
    const n = todo.pop()!;
    if (!n || typeof n !== 'object') continue;
    const kids = (n.children ?? []).filter((c): c is CpuProfileNode => typeof c === 'object' && c !== null);
    out.push({ ...n, children: kids.map((c) => c.id) });
    todo.push(...kids);
  }
  return out;
}
