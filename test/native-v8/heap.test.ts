// Native HeapSource: 32 MiB retained in arrays allocated by retainLots() are attributed to it,
// and stop being attributed once they are garbage collected (the profile is of live objects).
import t from 'tap';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { RawHeapNode } from '../../sdk/sources/types.js';
import { bridgeOrThrow, fixtureLine, heapTotal } from './fixtures/profile-helpers.js';

const RETAIN_PATH = new URL('./fixtures/retain.cjs', import.meta.url).pathname;
const fx = createRequire(import.meta.url)(RETAIN_PATH) as { retainLots(mib: number): number; release(): void };
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const MiB = 2 ** 20;

function heapProblems(head: RawHeapNode): string[] {
  const problems: string[] = [];
  const ids = new Set<number>();
  const walk = (n: RawHeapNode): void => {
    if (ids.has(n.id)) problems.push(`duplicate id ${n.id}`);
    ids.add(n.id);
    if (!(n.selfSize >= 0)) problems.push(`node ${n.id}: selfSize ${n.selfSize}`);
    if (typeof n.callFrame.scriptId !== 'string') problems.push(`node ${n.id}: scriptId`);
    if (!Number.isInteger(n.callFrame.lineNumber) || n.callFrame.lineNumber < -1) problems.push(`node ${n.id}: line`);
    if (!Array.isArray(n.children)) problems.push(`node ${n.id}: children`);
    else n.children.forEach(walk);
  };
  walk(head);
  if (head.callFrame.functionName !== '(root)') problems.push(`head is ${head.callFrame.functionName}`);
  return problems.slice(0, 10);
}

function find(head: RawHeapNode, name: string): RawHeapNode | undefined {
  if (head.callFrame.functionName === name) return head;
  for (const c of head.children) {
    const f = find(c, name);
    if (f) return f;
  }
  return undefined;
}

t.test('32 MiB retained by retainLots are attributed to it (±30%)', async (t) => {
  const heap = bridgeOrThrow().heap();
  t.equal(heap.kind, 'native');
  await heap.start(512 * 1024, 64);
  t.teardown(() => heap.stop().catch(() => {}));
  fx.retainLots(32);
  gc();
  const p = await heap.profile();
  t.same(heapProblems(p.head), [], 'tree shape');
  const attributed = heapTotal(p.head, (n) => n.callFrame.functionName === 'retainLots');
  const total = heapTotal(p.head, () => true);
  t.comment(`retainLots: ${(attributed / MiB).toFixed(1)} MiB of 32 retained; profile total ${(total / MiB).toFixed(1)} MiB; ${p.samples?.length} samples`);
  t.ok(attributed > 32 * MiB * 0.7 && attributed < 32 * MiB * 1.3, `${(attributed / MiB).toFixed(1)} MiB within 32 MiB ± 30%`);
  const node = find(p.head, 'retainLots');
  t.equal(node?.callFrame.url, pathToFileURL(RETAIN_PATH).href, 'file URL');
  t.equal(node?.callFrame.lineNumber, fixtureLine('retainLots', RETAIN_PATH), '0-based line of retainLots');
  t.ok((p.samples ?? []).every((s) => s.size > 0 && Number.isInteger(s.nodeId)), 'samples carry size and node id');
  const sampled = (p.samples ?? []).reduce((a, s) => a + s.size, 0);
  // V8 scales (and rounds) counts per sample and per node separately: close, not equal.
  t.ok(Math.abs(sampled - total) <= 0.05 * total + 1, 'samples add up to the tree');

  fx.release();
  gc();
  const after = await heap.profile();
  const left = heapTotal(after.head, (n) => n.callFrame.functionName === 'retainLots');
  t.comment(`after release + gc: ${(left / MiB).toFixed(1)} MiB attributed to retainLots`);
  t.ok(left < 2 * MiB, 'released arrays are no longer in the profile (live objects only)');
});
