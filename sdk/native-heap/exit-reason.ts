// Why a traced process ended, in the words a profile label uses ("exit code 0", "signal SIGKILL",
// "exec"), from the best source at hand: the wait status its parent saw (record knows it for its
// own child), the kernel's record of a zombie (/proc/<pid>/stat field 52), or the process's own
// exit mark (native-bridge/heap: exit(), main's return, or the runtime's exit event).
import { readFileSync } from 'node:fs';
import type { ExitMark } from './owner-heap.js';
import { builtin } from '../runtime/builtin.js';

const os = builtin<typeof import('node:os')>('node:os');
let signalNames: Map<number, string> | undefined;
const signalName = (n: number): string | undefined =>
  (signalNames ??= new Map(Object.entries(os().constants.signals).map(([name, k]) => [k, name]))).get(n);

export function describeWait(code: number | null, signal: string | null): string {
  if (signal) return `signal ${signal}`;
  return code === null ? 'ended' : `exit code ${code}`;
}

/** A zombie's wait status, or undefined when the process is not a zombie (or already reaped). */
export function zombieExit(pid: number): string | undefined {
  let stat: string;
  try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return undefined; }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).trim().split(' ');
  if (fields[0] !== 'Z' || fields.length < 50) return undefined;
  const status = Number(fields[49]);
  if (!Number.isInteger(status)) return undefined;
  const sig = status & 0x7f;
  return sig === 0 ? `exit code ${(status >> 8) & 0xff}` : `signal ${signalName(sig) ?? sig}`;
}

const MARK_WORDS: Record<number, string> = { 1: 'exit() called', 2: 'main returned', 3: 'runtime exit event' };

export function markWords(mark: ExitMark): string {
  return MARK_WORDS[mark.why] ?? `exit mark ${mark.why}`;
}
