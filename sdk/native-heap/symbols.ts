// Symbolization of native return addresses, done by the aggregator (never in the target):
// /proc/<pid>/maps finds the mapped object and its load base. File and line come from the
// object's DWARF through `addr2line` (binutils): one run per object for each batch of addresses
// not seen before, cached per build id (so every process that maps the same library shares the
// answers). Function names come from addr2line too, or, where it has none, from the symbol table
// (`nm -C --defined-only`, `nm -D` for stripped objects), read once per object. Results go
// through the core's frame cache, keyed by the return address and a per-address-space tag (see
// Aggregator). Each frame also keeps its address and mapping (with the build id) for pprof.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { FrameInfo } from '../core/core.js';
import type { LocationExtras } from '../pprof/locations.js';
import { builtin } from '../runtime/builtin.js';

const childProcess = builtin<typeof import('node:child_process')>('node:child_process');

export type NativeFrame = NonNullable<ReturnType<LocationExtras['native']>>;
type MappingInfo = NativeFrame['mapping'];
/** A native frame whose source lines may still be looked up. */
type PendingFrame = { -readonly [K in keyof NativeFrame]: NativeFrame[K] } & { object: { path: string; key: string; vaddr: bigint; lines: boolean } };

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

interface ElfInfo { type: number; buildId: string; /** .debug_line in the file or in a separate debug file found by build id */ lines: boolean }

/** Whether the section headers name .debug_line (the line table addr2line needs). */
function hasDebugLine(fd: number, h: Buffer): boolean {
  const shoff = Number(h.readBigUInt64LE(40)), shentsize = h.readUInt16LE(58), shnum = h.readUInt16LE(60), shstrndx = h.readUInt16LE(62);
  if (shoff === 0 || shnum === 0 || shstrndx >= shnum) return false;
  const sh = Buffer.alloc(shentsize * shnum);
  readSync(fd, sh, 0, sh.length, shoff);
  const strOff = Number(sh.readBigUInt64LE(shstrndx * shentsize + 24)), strSize = Math.min(Number(sh.readBigUInt64LE(shstrndx * shentsize + 32)), 1 << 20);
  const names = Buffer.alloc(strSize);
  readSync(fd, names, 0, strSize, strOff);
  for (let i = 0; i < shnum; i++) {
    const at = sh.readUInt32LE(i * shentsize);
    const end = names.indexOf(0, at);
    const name = names.toString('latin1', at, end < 0 ? strSize : end);
    if (name === '.debug_line' || name === '.zdebug_line') return true;
  }
  return false;
}

/** ELF type (0: not a 64-bit little-endian ELF file), GNU build id (from the PT_NOTE segments), and whether it has line info. */
export function elfInfo(path: string): ElfInfo {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const h = Buffer.alloc(64);
    if (readSync(fd, h, 0, 64, 0) < 64 || h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) return { type: 0, buildId: '', lines: false };
    const lines = hasDebugLine(fd, h);
    const type = h.readUInt16LE(16);
    const phoff = Number(h.readBigUInt64LE(32)), phentsize = h.readUInt16LE(54), phnum = h.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) {
      const b = i * phentsize;
      if (ph.readUInt32LE(b) !== 4) continue; // PT_NOTE
      const off = Number(ph.readBigUInt64LE(b + 8)), size = Math.min(Number(ph.readBigUInt64LE(b + 32)), 1 << 16);
      const n = Buffer.alloc(size);
      readSync(fd, n, 0, size, off);
      for (let at = 0; at + 12 <= size;) {
        const namesz = n.readUInt32LE(at), descsz = n.readUInt32LE(at + 4), ntype = n.readUInt32LE(at + 8);
        const name = at + 12, desc = name + ((namesz + 3) & ~3);
        if (desc + descsz > size) break;
        if (ntype === 3 && namesz === 4 && n.toString('latin1', name, name + 3) === 'GNU') {
          const buildId = n.toString('hex', desc, desc + descsz);
          return { type, buildId, lines: lines || (buildId.length > 2 && existsSync(`/usr/lib/debug/.build-id/${buildId.slice(0, 2)}/${buildId.slice(2)}.debug`)) };
        }
        at = desc + ((descsz + 3) & ~3);
      }
    }
    return { type, buildId: '', lines };
  } catch { return { type: 0, buildId: '', lines: false }; } finally { if (fd !== undefined) closeSync(fd); }
}

interface Resolved { name: string; file: string; line: number }

/**
 * `addr2line -f -C -i` for many addresses of one object in one run: per address, its source
 * lines innermost (inlined) first; an empty list where the debug info knows nothing.
 */
export function addr2line(path: string, vaddrs: readonly bigint[]): Resolved[][] {
  let text = '';
  try {
    text = childProcess().execFileSync('addr2line', ['-f', '-C', '-i', '-a', '-e', path, ...vaddrs.map((a) => `0x${a.toString(16)}`)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
  } catch { return vaddrs.map(() => []); }
  // With -a each record starts with the address ("0x..."), then (function, "file:line") pairs.
  const out: Resolved[][] = [];
  const lines = text.split('\n');
  let cur: Resolved[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (/^0x[0-9a-f]+$/.test(lines[i])) { cur = []; out.push(cur); continue; }
    if (!cur || i + 1 >= lines.length) continue;
    const name = lines[i];
    const m = /^(.*):(\d+)(?: \(discriminator \d+\))?$/.exec(lines[i + 1]);
    i++;
    const line = m ? Number(m[2]) : 0;
    if (line > 0 && m && m[1] !== '??') cur.push({ name: name === '??' ? '' : name, file: m[1], line });
  }
  while (out.length < vaddrs.length) out.push([]);
  return out.slice(0, vaddrs.length);
}

function runNm(args: string[]): string {
  try {
    return childProcess().execFileSync('nm', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch { return ''; }
}

function loadTable(path: string): SymbolTable {
  let text = runNm(['-C', '--defined-only', path]);
  let dyn = false;
  if (!/ [TtWw] /.test(text)) { text = runNm(['-D', '-C', '--defined-only', path]); dyn = true; }
  const rows: Array<[bigint, string]> = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+) [TtWwiI] (.+)$/.exec(line);
    if (m) rows.push([BigInt(`0x${m[1]}`), m[2].replace(/@@?[\w.]+$/, '')]); // no symbol version (free@@GLIBC_2.2.5)
  }
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { addrs: rows.map((r) => r[0]), names: rows.map((r) => r[1]), dyn };
}

export class Symbolizer {
  private readonly tables = new Map<string, SymbolTable>();
  private readonly elf = new Map<string, ElfInfo>();
  /** addr2line answers per object (build id, else path and mtime): vaddr → resolved. */
  private readonly lines = new Map<string, Map<bigint, Resolved[]>>();
  private readonly objectsWithLines = new Set<string>();
  private readonly maps = new Map<number, Mapping[]>();
  /** Symbol-table loads (nm runs) and addr2line runs, for stats. */
  loads = 0;
  lineRuns = 0;
  /** Time spent waiting for addr2line, ms. */
  lineMs = 0;
  /** Off switch for addr2line (the aggregator's `lines: false`): names only. */
  constructor(private readonly withLines = true) {}

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

  private elfOf(path: string): ElfInfo {
    let e = this.elf.get(path);
    if (!e) { e = elfInfo(path); this.elf.set(path, e); }
    return e;
  }

  private cacheKey(path: string, e: ElfInfo): string {
    if (e.buildId) return e.buildId;
    let mtime = 0;
    try { mtime = statSync(path).mtimeMs; } catch { /* gone */ }
    return `${path}@${mtime}`;
  }

  /**
   * Symbolizes return addresses of process `pid` (falling back to `fallbackPid`'s maps, e.g. the
   * parent of a forked child) by function name. Source lines are looked up later, for the frames
   * a profile shows (resolveLines), so draining never waits for addr2line.
   */
  frames(pid: number, addrs: readonly bigint[], fallbackPid = 0): Array<{ frame: FrameInfo; native: NativeFrame | undefined }> {
    return addrs.map((addr) => {
      const hex = `0x${addr.toString(16)}`;
      const hit = this.find(pid, addr) ?? (fallbackPid > 0 ? this.find(fallbackPid, addr) : undefined);
      if (!hit || !hit.map.path.startsWith('/')) {
        return { frame: { name: hit?.map.path ? `${hit.map.path} ${hex}` : `[unknown] ${hex}`, file: '', mapping: hit?.map.path ?? '', line: 0, column: 0 }, native: undefined };
      }
      const { map, all } = hit;
      const path = map.path.replace(/ \(deleted\)$/, '');
      const elf = this.elfOf(path);
      // Return addresses point after the call: look up addr - 1.
      const pc = addr - 1n;
      let vaddr: bigint;
      if (elf.type === 2) vaddr = pc; // ET_EXEC: absolute addresses
      else {
        const base = all.filter((m) => m.path === map.path && m.offset === 0n).map((m) => m.start).sort((x, y) => (x < y ? -1 : 1))[0] ?? map.start - map.offset;
        vaddr = pc - base;
      }
      const key = this.cacheKey(path, elf);
      const mapping: MappingInfo = { start: map.start, limit: map.end, offset: map.offset, file: path, buildId: elf.buildId, hasLines: false };
      const native: PendingFrame = { address: addr, mapping, object: { path, key, vaddr, lines: this.withLines && elf.lines } };
      return { frame: { name: this.symbolName(path, elf, vaddr), file: path, mapping: basename(path), line: 0, column: 0 }, native };
    });
  }

  /** Fills in source lines: one addr2line run per object for the addresses it has not answered yet (cached per build id). */
  resolveLines(frames: Iterable<NativeFrame>): void {
    const todo = new Map<string, { path: string; vaddrs: Set<bigint> }>();
    const waiting: PendingFrame[] = [];
    for (const f of frames) {
      const o = (f as PendingFrame).object;
      if (!o || f.lines) continue;
      waiting.push(f as PendingFrame);
      if (!o.lines || this.lines.get(o.key)?.has(o.vaddr)) continue;
      let t = todo.get(o.key);
      if (!t) { t = { path: o.path, vaddrs: new Set() }; todo.set(o.key, t); }
      t.vaddrs.add(o.vaddr);
    }
    for (const [key, t] of todo) {
      const vaddrs = [...t.vaddrs];
      const t0 = performance.now();
      const res = addr2line(t.path, vaddrs);
      this.lineMs += performance.now() - t0;
      this.lineRuns++;
      let cache = this.lines.get(key);
      if (!cache) { cache = new Map(); this.lines.set(key, cache); }
      for (let j = 0; j < vaddrs.length; j++) { cache.set(vaddrs[j], res[j]); if (res[j].length > 0) this.objectsWithLines.add(key); }
    }
    for (const f of waiting) {
      const o = f.object;
      f.lines = this.lines.get(o.key)?.get(o.vaddr) ?? [];
      f.mapping.hasLines = this.objectsWithLines.has(o.key);
    }
  }

  /** One address (see frames). */
  frame(pid: number, addr: bigint, fallbackPid = 0): FrameInfo {
    return this.frames(pid, [addr], fallbackPid)[0].frame;
  }

  private symbolName(path: string, elf: ElfInfo, vaddr: bigint): string {
    let table = this.tables.get(path);
    if (!table) { table = elf.type === 0 ? { addrs: [], names: [], dyn: false } : loadTable(path); this.tables.set(path, table); this.loads++; }
    const { addrs, names } = table;
    let lo = 0, hi = addrs.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (addrs[mid] <= vaddr) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return best >= 0 ? names[best] : `${basename(path)}+0x${vaddr.toString(16)}`;
  }
}
