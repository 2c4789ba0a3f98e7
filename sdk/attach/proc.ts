// What Linux's /proc says about another process: who owns it, what binary it runs, its state,
// its signal dispositions, its namespaces, its command line and initial environment, and its
// main thread's CPU time. Every read names the file when it fails; nothing here writes.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcStatus {
  /** Real uid. */
  uid: number;
  /** Process state letter: R, S, D, T (stopped), t (traced), Z (zombie), ... */
  state: string;
  /** The pid as the target itself sees it (its innermost pid namespace). */
  nsPid: number;
  /** Signal masks (bit n-1 = signal n). */
  caught: bigint;
  ignored: bigint;
}

export const SIGUSR1_NUMBER = 10;

export function procPath(pid: number, ...rest: string[]): string {
  return ['/proc', String(pid), ...rest].join('/');
}

function field(text: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text);
  return m?.[1].trim();
}

export function readStatus(pid: number): ProcStatus {
  const text = readFileSync(procPath(pid, 'status'), 'latin1');
  const nsPids = (field(text, 'NSpid') ?? String(pid)).split(/\s+/).map(Number);
  const hex = (name: string): bigint => {
    const v = field(text, name);
    return v && /^[0-9a-f]+$/i.test(v) ? BigInt(`0x${v}`) : 0n;
  };
  return {
    uid: Number((field(text, 'Uid') ?? '-1').split(/\s+/)[0]),
    state: (field(text, 'State') ?? '?').charAt(0),
    nsPid: nsPids[nsPids.length - 1],
    caught: hex('SigCgt'),
    ignored: hex('SigIgn'),
  };
}

export function signalBit(mask: bigint, signal: number): boolean {
  return ((mask >> BigInt(signal - 1)) & 1n) === 1n;
}

/** The binary the process runs (`/proc/PID/exe`), without the " (deleted)" of an upgraded file. */
export function readExe(pid: number): string {
  return readlinkSync(procPath(pid, 'exe')).replace(/ \(deleted\)$/, '');
}

/** argv of the process (empty for a kernel thread). */
export function readCmdline(pid: number): string[] {
  const raw = readFileSync(procPath(pid, 'cmdline'), 'utf8');
  const parts = raw.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** One variable of the environment the process started with, if it can be read. */
export function readInitialEnv(pid: number, name: string): string | undefined {
  let raw: string;
  try { raw = readFileSync(procPath(pid, 'environ'), 'utf8'); } catch { return undefined; }
  const prefix = `${name}=`;
  for (const entry of raw.split('\0')) if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  return undefined;
}

/** The network namespace of a process ("net:[4026531840]"), or undefined when unreadable. */
export function netNamespace(pid: number | 'self'): string | undefined {
  try { return readlinkSync(`/proc/${pid}/ns/net`); } catch { return undefined; }
}

/** Inodes of the process's sockets, from its open file descriptors. */
export function socketInodes(pid: number): Set<number> {
  const out = new Set<number>();
  const dir = procPath(pid, 'fd');
  for (const fd of readdirSync(dir)) {
    let link: string;
    try { link = readlinkSync(`${dir}/${fd}`); } catch { continue; } // closed meanwhile
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) out.add(Number(m[1]));
  }
  return out;
}

/** Nanoseconds the main thread (tid = pid) has run on a CPU, or undefined without schedstat. */
export function mainThreadCpuNanos(pid: number): number | undefined {
  try {
    const text = readFileSync(procPath(pid, 'task', String(pid), 'schedstat'), 'latin1');
    const ns = Number(text.slice(0, text.indexOf(' ')));
    return Number.isFinite(ns) && ns > 0 ? ns : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of the process (other than `except`) holding a socket inode, when /proc lets us see it. */
export function socketOwner(inode: number, except?: number): number | undefined {
  let pids: string[];
  try { pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n)); } catch { return undefined; }
  for (const name of pids) {
    const pid = Number(name);
    if (pid === except) continue;
    try { if (socketInodes(pid).has(inode)) return pid; } catch { /* another user's, or gone */ }
  }
  return undefined;
}
