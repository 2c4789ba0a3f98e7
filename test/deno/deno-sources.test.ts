// The Deno-side sources, exercised in Node under tap (Node's inspector answers them just as well):
// the asynchronous inspector sources, the sources that take no samples, the clock calibration,
// and selectDenoSource's one warning line (a runtime that answers later: deno-async.test.ts).
// Their behaviour in Deno itself: test/deno/run.mjs and test/export/deno.test.ts.
import t from 'tap';
import { AsyncInspectorCpuSource, AsyncInspectorHeapSource, AsyncSession, OffCpuSource, OffHeapSource } from '../../sdk/sources/inspector.js';
import { selectDenoSource } from '../../sdk/sources/select.js';
import { calibrateClock, denoClockErrorMicros, denoClockOffsetMicros, isDeno } from '../../sdk/runtime/deno.js';
import { v8ClockOffsetMicros } from '../../sdk/runtime/node.js';

function spin(ms: number): number {
  const end = performance.now() + ms;
  let acc = 0;
  while (performance.now() < end) acc++;
  return acc;
}

t.test('not Deno here', async (t) => { t.equal(isDeno(), false); });

t.test('async CPU source: start, rotate, stop', async (t) => {
  const cpu = new AsyncInspectorCpuSource();
  await cpu.start(1000);
  await t.rejects(cpu.start(1000), /already running/);
  spin(30);
  const first = await cpu.rotate();
  t.ok(first.samples.length > 0, 'samples in the first period');
  t.equal(first.samples.length, first.timeDeltas.length);
  spin(30);
  const last = await cpu.stop();
  t.ok(last.startTime >= first.endTime - 1000, 'the second period follows the first');
  await t.rejects(cpu.rotate(), /not running/);
});

t.test('async heap source', async (t) => {
  const heap = new AsyncInspectorHeapSource();
  await heap.start(4096, 128);
  const keep = Array.from({ length: 200 }, (_, i) => new Array(1000).fill(i + 0.5));
  const p = await heap.profile();
  t.ok(p.head.children.length > 0 && keep.length === 200);
  await heap.stop();
  await heap.stop(); // idempotent
  await t.rejects(heap.profile(), /not running/);
});

t.test('off sources: empty but well-formed', async (t) => {
  const cpu = new OffCpuSource();
  await cpu.start();
  spin(5);
  const a = await cpu.rotate();
  t.equal(a.samples.length, 0);
  t.equal(a.nodes[0]!.callFrame.functionName, '(root)');
  t.ok(a.endTime >= a.startTime);
  const b = await cpu.stop();
  t.equal(b.startTime, a.endTime, 'periods are contiguous');
  const heap = new OffHeapSource();
  await heap.start();
  t.equal((await heap.profile()).head.children.length, 0);
  await heap.stop();
});

t.test('clock calibration agrees with the hrtime-based offset of Node', async (t) => {
  const s = new AsyncSession();
  try {
    const off = await calibrateClock((m, p) => s.post(m, p));
    t.equal(denoClockOffsetMicros(), off);
    const err = denoClockErrorMicros()!;
    t.ok(err >= 0, 'an error bound');
    // The calibration is relative to performance.now(); in Node, V8's clock is hrtime's.
    const truth = Number(process.hrtime.bigint()) / 1000 - performance.now() * 1000;
    t.ok(Math.abs(off - truth) <= err + 1000, `calibrated ${off.toFixed(0)} ± ${err.toFixed(0)} vs hrtime ${truth.toFixed(0)} µs`);
    t.equal(v8ClockOffsetMicros(), 0, "Node's own clock (monotonicMs) is hrtime: no offset");
  } finally {
    s.close();
  }
});

t.test('selectDenoSource: one warning line, inspector; native refused', async (t) => {
  const lines: string[] = [];
  await selectDenoSource('inspector', (l) => lines.push(l));
  t.equal(lines.length, 0, 'no warning when node:inspector is asked for');
  const f = await selectDenoSource('auto', (l) => lines.push(l));
  t.equal(f.kind, 'inspector');
  t.equal(f.fallbackReason, undefined, 'the warning is printed by select-source, not by the profiler');
  // Answered before post() returns (Node does; Deno through answerNow): sources with a sync side.
  t.ok(f.cpu().sync !== undefined && f.heap().sync !== undefined, 'the sources can stop synchronously (exit handlers)');
  await selectDenoSource('inspector', (l) => lines.push(l));
  t.equal(lines.length, 1, 'once per thread');
  t.match(lines[0], /^wasmprof: Deno .*cannot load in Deno; using node:inspector$/);
  await t.rejects(selectDenoSource('native'), /cannot load in Deno/);
});
