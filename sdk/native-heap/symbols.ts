// Symbolization of native return addresses, done by the aggregator (never in the target):
// /proc/<pid>/maps finds the mapped object and its load base; the object's symbol table comes
// from `nm -C --defined-only` (which demangles C++ itself; `nm -D` when the object is stripped),
// read once per object file and cached. Results go through the core's frame cache, keyed by the
// return address and a per-address-space tag (see Aggregator).
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import type { FrameInfo } from '../core/core.js';

export interface Mapping { start: bigint; end: bigint; offset: bigint; perms: string; path: string }

export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \d+\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), perms: m[3], offset: BigInt(`0x${m[4]}`), path: m[5] });
  }
  return out;
}

export function readMaps(pid: number): Mapping[] | undefined {
  try { return parseMaps(readFileSync(`/proc/${pid}/maps`, 'utf8')); } catch { return undefined; }
}

interface SymbolTable { addrs: bigint[]; names: string[]; dyn: boolean }

function elfType(path: string): number {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const b = Buffer.alloc(18);
    if (readSync(fd, b, 0, 18, 0) < 18 || b.readUInt32BE(0) !== 0x7f454c46) return 0;
    return b.readUInt16LE(16);
  } catch { return 0; } finally { if (fd !== undefined) closeSync(fd); }
}

function runNm(args: string[]): string {
  try {
    return execFileSync('nm', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch { return ''; }
}

function loadTable(path: string): SymbolTable {
  let text = runNm(['-C', '--defined-only', path]);
  let dyn = false;
  if (!/ [TtWw] /.test(text)) { text = runNm(['-D', '-C', '--defined-only', path]); dyn = true; }
  const rows: Array<[bigint, string]> = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+) [TtWwiI] (.+)$/.exec(line);
    if (m) rows.push([BigInt(`0x${m[1]}`), m[2]]);
  }
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { addrs: rows.map((r) => r[0]), names: rows.map((r) => r[1]), dyn };
}

export class Symbolizer {
  private readonly tables = new Map<string, SymbolTable>();
  private readonly types = new Map<string, number>();
  private readonly maps = new Map<number, Mapping[]>();
  /** Symbol-table loads (nm runs), for stats. */
  loads = 0;

  /** Reads and keeps a process's maps now (at discovery), so that frames of a process that exits soon after can still be symbolized. */
  prime(pid: number): void { this.mapsOf(pid, true); }

  /** Forgets a process's cached maps (call when it is gone or replaced by exec). */
  forget(pid: number): void { this.maps.delete(pid); }

  private mapsOf(pid: number, refresh: boolean): Mapping[] | undefined {
    let m = this.maps.get(pid);
    if (!m || refresh) {
      m = readMaps(pid);
      if (m) this.maps.set(pid, m);
    }
    return m;
  }

  private find(pid: number, addr: bigint): { map: Mapping; all: Mapping[] } | undefined {
    for (const refresh of [false, true]) {
      const all = this.mapsOf(pid, refresh);
      if (!all) return undefined;
      const map = all.find((m) => addr >= m.start && addr < m.end);
      if (map) return { map, all };
    }
    return undefined;
  }

  /** Symbolizes a return address in process `pid` (falling back to `fallbackPid`'s maps, e.g. the parent of a forked child). */
  frame(pid: number, addr: bigint, fallbackPid = 0): FrameInfo {
    const hex = `0x${addr.toString(16)}`;
    const hit = this.find(pid, addr) ?? (fallbackPid > 0 ? this.find(fallbackPid, addr) : undefined);
    if (!hit || !hit.map.path.startsWith('/')) return { name: hit?.map.path ? `${hit.map.path} ${hex}` : `[unknown] ${hex}`, file: '', mapping: hit?.map.path ?? '', line: 0, column: 0 };
    const { map, all } = hit;
    const path = map.path.replace(/ \(deleted\)$/, '');
    let type = this.types.get(path);
    if (type === undefined) { type = elfType(path); this.types.set(path, type); }
    // Return addresses point after the call: look up addr - 1.
    const pc = addr - 1n;
    let vaddr: bigint;
    if (type === 2) vaddr = pc; // ET_EXEC: absolute addresses
    else {
      const base = all.filter((m) => m.path === map.path && m.offset === 0n).map((m) => m.start).sort((a, b) => (a < b ? -1 : 1))[0] ?? map.start - map.offset;
      vaddr = pc - base;
    }
    let table = this.tables.get(path);
    if (!table) { table = type === 0 ? { addrs: [], names: [], dyn: false } : loadTable(path); this.tables.set(path, table); this.loads++; }
    const { addrs, names } = table;
    let lo = 0, hi = addrs.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (addrs[mid] <= vaddr) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    const name = best >= 0 ? names[best] : `${basename(path)}+0x${vaddr.toString(16)}`;
    return { name, file: path, mapping: basename(path), line: 0, column: 0 };
  }
}
