// Where a finished period goes besides the caller: the exporter (queued, never awaited here) and
// the user's onPeriod callback (awaited on the normal path; an exiting process cannot wait).
import type { Exporter } from '../export/index.js';
import type { PeriodResult, ProfilerOptions } from './types.js';

export async function deliver(result: PeriodResult, exporter: Exporter | undefined, onPeriod: ProfilerOptions['onPeriod'],
  wait: boolean, report: (what: string, err: unknown) => void): Promise<void> {
  if (exporter) {
    const profiles = (['wall', 'cpu', 'heap', 'native-heap'] as const).flatMap((type) => (result[type] ? [{ type, pprof: result[type]! }] : []));
    exporter.export({ start: result.start, end: result.end, seq: result.seq, profiles });
  }
  if (!onPeriod) return;
  try {
    const p = onPeriod(result);
    if (wait) await p;
    else if (p && typeof (p as Promise<void>).catch === 'function') (p as Promise<void>).catch((err: unknown) => report('onPeriod', err));
  } catch (err) {
    report('onPeriod', err);
  }
}
