// `wasmprof record --profiles native-heap -- <any command>`: the aggregator runs in the wasmprof
// process; the command (and every descendant that keeps the environment) gets LD_PRELOAD and
// the ring directory. Profiles: <dir>/native-heap-<wasmprof pid>-<seq>.pb.gz, one per period and
// one when the command ends (a process that ended shows what it held when it started to exit,
// labelled `exit`); at the end a summary on stderr and the whole run for the flame graph.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envSetting, parseBytes, parseDuration, processEnv } from '../config/index.js';
import { NativeHeapAggregator } from './aggregator.js';
import { targetEnv } from './index.js';
import { messageOf, say } from '../runtime/report.js';
import { formatSummary } from './summary.js';

export interface NativeHeapRecording {
  env: Record<string, string>;
  aggregator: NativeHeapAggregator;
  /** The command's own wait status (better than what /proc can still tell once it is reaped). */
  childExited(pid: number | undefined, code: number | null, signal: string | null): void;
  /** Writes the last profile, prints the summary, stops the aggregator and removes the ring
   *  directory; returns the whole run as one profile (for the flame graph). */
  finish(): Uint8Array | undefined;
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
  const startMs = Date.now();
  const aggregator = await NativeHeapAggregator.start({ dir: ringDir, outputDir, periodMs: periodMs(period), restore: false });
  return {
    env,
    aggregator,
    childExited(pid, code, signal) { if (pid) aggregator.noteExit(pid, code, signal); },
    finish() {
      let run: Uint8Array | undefined;
      try {
        aggregator.writeProfile();
        run = aggregator.runProfile();
      } catch (err) { say(`wasmprof: native-heap: last profile failed: ${messageOf(err)}`); }
      if (aggregator.processes.length > 0) say(formatSummary(aggregator.processes, (s) => aggregator.stackNames(s), startMs, process.stderr.columns || 100));
      aggregator.stop({ snapshot: false });
      rmSync(ringDir, { recursive: true, force: true });
      say(`wasmprof: native-heap: ${aggregator.stats.profiles} profile file(s), ${aggregator.stats.events} events from ${aggregator.stats.ringsOpened} process(es) in ${outputDir}`);
      return run;
    },
  };
}
