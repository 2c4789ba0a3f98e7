// selectDenoSource when the inspector answers only in a later turn (a Deno release where
// answerNow() no longer works): asynchronous sources, and the one warning line says what that
// loses at exit. Its own process: the warning is printed once per thread.
import t from 'tap';
import { AsyncInspectorCpuSource, AsyncInspectorHeapSource, AsyncSession } from '../../sdk/sources/inspector.js';
import { selectDenoSource } from '../../sdk/sources/select.js';

/** A session whose answers always come later, as Deno's did without answerNow(). */
class LateSession extends AsyncSession {
  override runNow<T>(): T { throw new Error('wasmprof: inspector did not answer Profiler.enable synchronously'); }
}

t.test('a runtime that answers later: async sources, and the warning line names the loss', async (t) => {
  const lines: string[] = [];
  const f = await selectDenoSource('inspector', (l) => lines.push(l), () => new LateSession());
  t.ok(f.cpu() instanceof AsyncInspectorCpuSource && f.cpu().sync === undefined, 'CPU source without a sync side');
  t.ok(f.heap() instanceof AsyncInspectorHeapSource && f.heap().sync === undefined, 'heap source without a sync side');
  t.equal(lines.length, 1, 'one line, even for an explicit source "inspector"');
  t.match(lines[0], /^wasmprof: Deno .*using node:inspector \(it answers asynchronously here: process\.exit\(\) and Deno\.exit\(\) lose the last period; await profiler\.stop\(\) first\)$/);
});
