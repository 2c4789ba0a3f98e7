// Keeps the thread in burnHeavy for `ms`, yielding every 20 ms so that requests are served
// meanwhile (pull-mode tests).
import { burnHeavy } from '../../profiler/fixtures/burn.mjs';

export async function busy(ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    burnHeavy(20);
    await new Promise<void>((ok) => setImmediate(ok));
  }
}
