// Shared by the viewer tests: where things are, how to run the CLI, and an independent
// reading of pprof files (straight from pprof-format, not through sdk/view) to compare against.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const fixture = (name: string): string => join(root, 'test/fixtures/view', name);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[]): CliResult {
  const r = spawnSync(process.execPath, [join(root, 'bin/wasmprof.js'), 'view', ...args], { encoding: 'utf8', cwd: root, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function decodeFixture(name: string): Profile {
  const bytes = readFileSync(fixture(name));
  return Profile.decode(bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes);
}

/** Function names of a sample, leaf first, inlined functions expanded. */
export function stackNames(p: Profile, locationIds: Array<number | bigint>): string[] {
  const s = p.stringTable.strings;
  const names: string[] = [];
  for (const id of locationIds) {
    const loc = p.location.find((l) => Number(l.id) === Number(id))!;
    if (loc.line.length === 0) names.push(`0x${BigInt(loc.address).toString(16)}`);
    for (const line of loc.line) {
      const fn = p.function.find((f) => Number(f.id) === Number(line.functionId))!;
      names.push(s[Number(fn.name)]);
    }
  }
  return names;
}

export function sampleTypeIndex(p: Profile, type: string): number {
  return p.sampleType.findIndex((t) => p.stringTable.strings[Number(t.type)] === type);
}

/** Flat and cumulative value per function name, by the textbook definition. */
export function expectedTop(p: Profile, typeIndex: number): { total: number; flat: Map<string, number>; cum: Map<string, number> } {
  const flat = new Map<string, number>();
  const cum = new Map<string, number>();
  let total = 0;
  for (const sample of p.sample) {
    const v = Number(sample.value[typeIndex]);
    const names = stackNames(p, sample.locationId);
    total += v;
    flat.set(names[0], (flat.get(names[0]) ?? 0) + v);
    for (const name of new Set(names)) cum.set(name, (cum.get(name) ?? 0) + v);
  }
  return { total, flat, cum };
}

export interface TopLine {
  flat: string;
  flatPct: number;
  sumPct: number;
  cum: string;
  cumPct: number;
  name: string;
}

/** Rows of `wasmprof view --top` output: five numeric columns, then "name  file:line". */
export function parseTop(stdout: string): TopLine[] {
  const rows: TopLine[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s*(\S+)\s+([\d.]+)%\s+([\d.]+)%\s+(\S+)\s+([\d.]+)%\s{2}(.+?)(?:\s{2}\S+)?$/.exec(line);
    if (m) rows.push({ flat: m[1], flatPct: Number(m[2]), sumPct: Number(m[3]), cum: m[4], cumPct: Number(m[5]), name: m[6] });
  }
  return rows;
}

/** "740ms" → 740e6 (nanoseconds), "3MB" → bytes, "12" → 12: read back what a human reads. */
export function parseHuman(text: string): number {
  const m = /^(-?[\d.]+)([a-zA-Z]*)$/.exec(text);
  if (!m) throw new Error(`not a value: ${text}`);
  const scale: Record<string, number> = { '': 1, ns: 1, us: 1e3, ms: 1e6, s: 1e9, min: 60e9, h: 3600e9, B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
  if (!(m[2] in scale)) throw new Error(`unknown unit in ${text}`);
  return Number(m[1]) * scale[m[2]];
}
