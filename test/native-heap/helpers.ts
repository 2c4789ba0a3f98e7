// Shared bits of the native-heap tests: building C fixtures, waiting for lines, temp dirs.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preloadLibraryPath } from '../../sdk/native-heap/index.js';

export const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, '..', '..');

/** Builds native-bridge/heap if needed; returns the library path or a reason to skip. */
export function ensurePreload(): string | { skip: string } {
  const r = spawnSync('make', ['-s', '-C', join(repo, 'native-bridge', 'heap')], { encoding: 'utf8' });
  const lib = preloadLibraryPath();
  if (r.status !== 0 || !lib) return { skip: `cannot build libwasmprof_heap.so: ${r.stderr || r.error?.message}` };
  return lib;
}

/** Compiles test/native-heap/fixtures/<name>.c (cached by mtime) into a temp build dir. */
export function buildFixture(name: string, extra: string[] = []): string {
  const src = join(here, 'fixtures', `${name}.c`);
  const outDir = join(tmpdir(), 'wasmprof-native-heap-fixtures');
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, name);
  if (existsSync(out) && statSync(out).mtimeMs > statSync(src).mtimeMs) return out;
  const r = spawnSync('gcc', ['-O1', '-g', '-fno-omit-frame-pointer', '-fno-inline', '-o', out, src, '-pthread', ...extra], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc ${name}.c failed: ${r.stderr}`);
  return out;
}

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `wasmprof-nh-${tag}-`));
}

/** Resolves with the first stdout line matching `re`. */
export function waitLine(child: ChildProcess, re: RegExp, timeoutMs = 20000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => { cleanup(); reject(new Error(`timeout waiting for ${re} (got ${JSON.stringify(buf.slice(-200))})`)); }, timeoutMs);
    const onData = (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      for (const l of lines) if (re.test(l)) { cleanup(); resolve(l); return; }
    };
    const onExit = () => { cleanup(); reject(new Error(`exited before ${re}; output ${JSON.stringify(buf.slice(-300))}`)); };
    const cleanup = () => { clearTimeout(timer); child.stdout?.off('data', onData); child.off('exit', onExit); };
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
  });
}

export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve({ code: child.exitCode, signal: child.signalCode }); return; }
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
