// `wasmprof record --profiles native-heap -- <any command>`: the aggregator runs in the wasmprof
// process; the command (and every descendant that keeps the environment) gets LD_PRELOAD and
// the ring directory. Profiles: <dir>/native-heap-<wasmprof pid>-<seq>.pb.gz, one per period and
// one when the command ends.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envSetting, parseBytes, parseDuration, processEnv } from '../config/index.js';
import { NativeHeapAggregator } from './aggregator.js';
import { targetEnv } from './index.js';
import { messageOf, say } from '../runtime/report.js';

export interface NativeHeapRecording {
  env: Record<string, string>;
  aggregator: NativeHeapAggregator;
  /** Writes the last profile, stops the aggregator and removes the ring directory. */
  finish(): void;
}

/** Splits `native-heap` out of a --profiles list; `rest` is undefined when nothing else is left. */
export function splitNativeHeap(list: string | undefined): { nativeHeap: boolean; rest: string | undefined } {
  if (list === undefined) return { nativeHeap: false, rest: undefined };
  const items = list.split(',').map((s) => s.trim()).filter((s) => s);
  const rest = items.filter((s) => s !== 'native-heap');
  return { nativeHeap: rest.length !== items.length, rest: rest.length > 0 ? rest.join(',') : rest.length === items.length ? list : undefined };
}

/** The period, already checked by `wasmprof record` with the profiler's rules (100 ms to 24 h). */
function periodMs(value: string | undefined): number {
  if (!value || value.trim() === '') return 60_000;
  return parseDuration('WASMPROF_PERIOD', value, { min: 100, max: 86_400_000, unit: 'ms', bare: 'ms' });
}

/** Mean bytes between samples, for the preload. The preload itself reads digits only (anything
 *  else silently means its default), so the value is checked here and handed on in digits. */
function nativeHeapInterval(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const value = envSetting(env, 'WASMPROF_NATIVE_HEAP_INTERVAL');
  return value === undefined ? undefined : parseBytes('WASMPROF_NATIVE_HEAP_INTERVAL', value, { min: 1, max: 2 ** 40, example: '512KiB' });
}

export async function startNativeHeapRecording(outputDir: string, period?: string): Promise<NativeHeapRecording> {
  const root = existsSync('/dev/shm') ? '/dev/shm' : tmpdir(); // rings in memory, not on disk
  const base = processEnv();
  const interval = nativeHeapInterval(base);
  const ringDir = mkdtempSync(join(root, 'wasmprof-native-heap-'));
  let env: Record<string, string>;
  try { env = targetEnv(ringDir, base, interval); } catch (err) { rmSync(ringDir, { recursive: true, force: true }); throw err; }
  const aggregator = await NativeHeapAggregator.start({ dir: ringDir, outputDir, periodMs: periodMs(period), restore: false, reapDead: false });
  return {
    env,
    aggregator,
    finish() {
      try { aggregator.writeProfile(); } catch (err) { say(`wasmprof: native-heap: last profile failed: ${messageOf(err)}`); }
      aggregator.stop({ snapshot: false });
      rmSync(ringDir, { recursive: true, force: true });
      say(`wasmprof: native-heap: ${aggregator.stats.profiles} profile file(s), ${aggregator.stats.events} events from ${aggregator.stats.ringsOpened} process(es) in ${outputDir}`);
    },
  };
}
