// Helpers of the attach tests: a target process started without wasmprof (plain `node`), and an
// independent look at its listening sockets in /proc (not through sdk/attach, which is under test).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Target {
  child: ChildProcess;
  pid: number;
  /** Everything it printed on stdout so far. */
  out(): string;
  /** Resolves when stdout has printed `text` again after now (or rejects after `ms`). */
  next(text: RegExp, ms?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): void;
}

/** Starts `node [nodeArgs] script`, resolving once it printed "ready". */
export function startTarget(nodeArgs: string[], script: string, env: Record<string, string> = {}): Promise<Target> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '', stderr = '';
    const watchers: Array<() => void> = [];
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => { child.on('exit', (code, signal) => done({ code, signal })); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`target did not start: ${stderr}`)); }, 15_000);
    child.stderr!.on('data', (d) => { stderr += d; });
    child.stdout!.on('data', (d) => {
      const first = !stdout.includes('ready');
      stdout += d;
      for (const w of watchers.splice(0)) w();
      if (first && stdout.includes('ready')) {
        clearTimeout(timer);
        resolve({
          child, pid: child.pid!, out: () => stdout, exited,
          stop: () => { child.kill('SIGKILL'); },
          next: (text, ms = 5000) => new Promise<void>((ok, fail) => {
            const from = stdout.length;
            const t = setTimeout(() => fail(new Error(`no ${String(text)} within ${ms} ms`)), ms);
            const check = (): void => { if (text.test(stdout.slice(from))) { clearTimeout(t); ok(); } else watchers.push(check); };
            watchers.push(check);
          }),
        });
      }
    });
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`target exited (${code ?? signal}) before ready: ${stderr}`)); });
  });
}

export interface Listening { address: string; port: number; inode: number }

/** The TCP sockets in LISTEN state that the process itself holds (IPv4 and IPv6). */
export function listeningOf(pid: number): Listening[] {
  const inodes = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(Number(m[1]));
    } catch { /* closed meanwhile */ }
  }
  const out: Listening[] = [];
  for (const file of ['tcp', 'tcp6']) {
    let text = '';
    try { text = readFileSync(`/proc/${pid}/net/${file}`, 'latin1'); } catch { continue; }
    for (const line of text.trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A' || !inodes.has(Number(f[9]))) continue;
      const [addr, port] = f[1].split(':');
      out.push({ address: addr, port: Number.parseInt(port, 16), inode: Number(f[9]) });
    }
  }
  return out;
}

/** True while the process exists and is not a zombie. */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !/^\S+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return false;
  }
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface CliResult { code: number | null; stdout: string; stderr: string; ms: number }

/** Runs `node bin/wasmprof.js args` (without WASMPROF_* and NODE_OPTIONS); `onStderr` fires once on a match. */
export function runCli(cli: string, args: string[], o: { onStderr?: { match: RegExp; then: (c: ChildProcess) => void }; uid?: number; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('WASMPROF_') && k !== 'NODE_OPTIONS') env[k] = v;
  Object.assign(env, o.env ?? {});
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env, ...(o.uid !== undefined ? { uid: o.uid, gid: o.uid } : {}) });
    let stdout = '', stderr = '', fired = false;
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => {
      stderr += d;
      if (o.onStderr && !fired && o.onStderr.match.test(stderr)) { fired = true; o.onStderr.then(child); }
    });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timeout: wasmprof ${args.join(' ')}\n${stderr}`)); }, o.timeoutMs ?? 30_000);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, ms: performance.now() - t0 }); });
  });
}

/** Runs `fn` with process.stdout/stderr writes captured (the CLI's subcommands write there). */
export async function captured(fn: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const saved = { stdout: process.stdout.write, stderr: process.stderr.write };
  const grab = (key: 'stdout' | 'stderr') => ((chunk: string | Uint8Array): boolean => { out[key] += String(chunk); return true; }) as typeof process.stdout.write;
  process.stdout.write = grab('stdout');
  process.stderr.write = grab('stderr');
  try {
    const code = await fn();
    return { code, ...out };
  } finally {
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
  }
}
