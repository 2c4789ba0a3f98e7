// Shared helpers of the profiler tests: decoding pprof output into plain objects, summing by
// function, running child processes against the compiled SDK (dist/), and a scratch directory.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = join(ROOT, 'test/profiler/fixtures');
// What `node --import wasmprof/register` loads (package.json exports).
export const REGISTER = join(ROOT, 'register.mjs');
export const CLI = join(ROOT, 'bin/wasmprof.js');

export interface DecodedFrame { name: string; file: string; line: number }
export interface DecodedSample { stack: DecodedFrame[]; values: number[]; labels: Record<string, string> }
export interface Decoded {
  sampleTypes: string[];
  periodType: string;
  period: number;
  timeNanos: number;
  durationNanos: number;
  defaultSampleType: string;
  comments: string[];
  samples: DecodedSample[];
  functions: Array<{ name: string; file: string; startLine: number }>;
}

export function decode(bytes: Uint8Array): Decoded {
  const p = Profile.decode(gunzipSync(bytes));
  const S = p.stringTable.strings;
  const fns = new Map(p.function.map((f) => [Number(f.id), { name: S[Number(f.name)], file: S[Number(f.filename)], startLine: Number(f.startLine) }]));
  const locs = new Map(p.location.map((l) => [Number(l.id), l]));
  const samples = p.sample.map((s) => ({
    stack: s.locationId.map((id) => {
      const l = locs.get(Number(id))!;
      const f = fns.get(Number(l.line[0].functionId))!;
      return { name: f.name, file: f.file, line: Number(l.line[0].line) };
    }),
    values: s.value.map(Number),
    labels: Object.fromEntries(s.label.map((lb) => [S[Number(lb.key)], S[Number(lb.str)]])),
  }));
  return {
    sampleTypes: p.sampleType.map((t) => `${S[Number(t.type)]}/${S[Number(t.unit)]}`),
    periodType: p.periodType ? `${S[Number(p.periodType.type)]}/${S[Number(p.periodType.unit)]}` : '',
    period: Number(p.period),
    timeNanos: Number(p.timeNanos),
    durationNanos: Number(p.durationNanos),
    defaultSampleType: S[Number(p.defaultSampleType)],
    comments: p.comment.map((c) => S[Number(c)]),
    samples,
    functions: [...fns.values()],
  };
}

/** Sum of value[index] over samples whose leaf (flat) or any frame (cum) is the function. */
export function total(d: Decoded, name: string, index = 1, mode: 'flat' | 'cum' = 'flat', filter?: (s: DecodedSample) => boolean): number {
  let sum = 0;
  for (const s of d.samples) {
    if (filter && !filter(s)) continue;
    const hit = mode === 'flat' ? s.stack[0]?.name === name : s.stack.some((f) => f.name === name);
    if (hit) sum += s.values[index];
  }
  return sum;
}

export function sumAll(d: Decoded, index = 1): number {
  return d.samples.reduce((a, s) => a + s.values[index], 0);
}

/** 1-based line of the first line of `file` that starts with `text` (indentation aside). */
export function lineOf(file: string, text: string, source: string): number {
  const i = source.split('\n').findIndex((l) => l.trimStart().startsWith(text));
  if (i < 0) throw new Error(`${text} not found in ${file}`);
  return i + 1;
}

export function scratch(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `wasmprof-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : name.endsWith('.ts') ? st.mtimeMs : 0);
  }
  return newest;
}

/** Makes sure dist/ (what child processes and the CLI run: the compiled SDK and its bundles) is
 *  newer than the TypeScript sources. */
export function ensureBuilt(): void {
  const built = existsSync(REGISTER) ? statSync(REGISTER).mtimeMs : 0;
  if (built >= newestMtime(join(ROOT, 'sdk'))) return;
  const lock = join(tmpdir(), 'wasmprof-test-tsc.lock');
  for (let i = 0; i < 600; i++) {
    try { mkdirSync(lock); break; } catch { execFileSync('sleep', ['0.1']); }
  }
  try {
    if ((existsSync(REGISTER) ? statSync(REGISTER).mtimeMs : 0) < newestMtime(join(ROOT, 'sdk'))) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
      // The preloads and the CLI run from bundles of the sources (scripts/bundle.mjs).
      execFileSync(process.execPath, [join(ROOT, 'scripts/bundle.mjs')], { stdio: 'inherit' });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface ChildResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export interface ChildOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /** Called with the child once it printed `line` on stdout. */
  onLine?: { line: string; then: (child: ReturnType<typeof spawn>) => void };
}

/** Runs node (or another command) with a deadline; the environment starts without WASMPROF_*. */
export function runChild(command: string, args: string[], o: ChildOptions = {}): Promise<ChildResult> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WASMPROF_') && k !== 'NODE_OPTIONS') env[k] = v;
  Object.assign(env, o.env ?? {});
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: o.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', fired = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (o.onLine && !fired && stdout.includes(o.onLine.line)) { fired = true; o.onLine.then(child); }
    });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timeout: ${command} ${args.join(' ')}\n${stderr}`)); }, o.timeoutMs ?? 30_000);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

export function profileFiles(dir: string): string[] {
  try { return readdirSync(dir).filter((n) => n.endsWith('.pb.gz')).sort(); } catch { return []; }
}
