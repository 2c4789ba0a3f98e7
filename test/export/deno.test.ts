// The push exporters are runtime-neutral: run them under Deno (its own fetch, no node:http) against
// a test server here, when the Deno binary from the npm package `deno` is available (test/deno
// installs it into node_modules/.cache; this test does not install anything). Then the last period
// at exit under Deno (test/deno/exit-paths.ts with wasmprof/register): wall, cpu and heap reach a
// Pyroscope server and the file exporter's directory whether the program ends by itself, calls
// process.exit() or Deno.exit(), or gets SIGTERM; a server that never answers holds the exit no
// longer than the close timeout.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMultipart } from './helpers/multipart.js';
import { readPprof, summary } from './helpers/pprof.js';
import { ingestAsPyroscope } from './helpers/pyroscope-ingest.js';
import { startServer, startSilentServer, type TestServer } from './helpers/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
function denoBin(): string | undefined {
  const cached = join(root, 'node_modules/.cache/wasmprof/deno/node_modules/deno/bin.cjs');
  if (existsSync(cached)) return cached;
  try { return join(dirname(createRequire(import.meta.url).resolve('deno/package.json')), 'bin.cjs'); } catch { return undefined; }
}
const deno = denoBin();
const skip = deno ? false : 'the deno npm package is not installed (test/deno/run.mjs installs it)';

interface Run { code: number | null; signal: NodeJS.Signals | null; text: string; tookMs: number; endedAt: number }

/** Milliseconds from the program's "ending at <ms>" line to the end of the process. */
const exitMs = (r: Run): number => r.endedAt - Number(/ending at (\d+)/.exec(r.text)?.[1] ?? NaN);

/** Runs Deno: its own executable when the package installed it (so that signals reach the program
 *  itself), else through the package's Node launcher. The environment starts without WASMPROF_*. */
function runDeno(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<Run> {
  const exe = join(dirname(deno!), 'deno');
  const [cmd, argv] = existsSync(exe) ? [exe, args] : [process.execPath, [deno!, ...args]];
  const base: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WASMPROF_') && k !== 'NODE_OPTIONS') base[k] = v;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...base, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', ...env } });
    let text = '';
    p.stdout.on('data', (d) => { text += d; });
    p.stderr.on('data', (d) => { text += d; });
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`deno ${args.join(' ')} did not end in ${timeoutMs} ms\n${text}`)); }, timeoutMs);
    p.on('error', (err) => { clearTimeout(timer); reject(err); });
    p.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, text, tookMs: Date.now() - started, endedAt: Date.now() }); });
  });
}

t.test('Pyroscope and Datadog exporters under Deno', { skip }, async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const out = await runDeno(['run', '--unstable-sloppy-imports', '--allow-net', '--allow-read', '--allow-env', '--allow-sys', 'test/export/helpers/deno-push.ts', server.url]);
  t.equal(out.code, 0, out.text);
  const line = out.text.split('\n').find((l) => l.startsWith('{'));
  t.same(JSON.parse(line ?? '{}'), { pyroscope: 1, datadog: 1, errors: [] }, out.text);
  const py = server.requests.find((r) => r.url.pathname === '/ingest');
  const dd = server.requests.find((r) => r.url.pathname === '/profiling/v1/input');
  t.equal(py?.url.searchParams.get('name'), 'deno-app{runtime_test=deno}');
  t.equal(py?.headers.authorization, 'Bearer tok');
  t.equal(py?.url.searchParams.get('format'), 'pprof', 'Pyroscope: the raw pprof body, as the Node SDK sends it');
  t.same([...py!.body], [0x1f, 0x8b, 8, 0, 1, 2, 3, 4], 'the body is the profile bytes as given');
  const parts = parseMultipart(dd!.body, dd!.headers['content-type']);
  t.same(parts.map((p) => p.name), ['event', 'wall.pprof']);
  const event = JSON.parse(parts[0].data.toString()) as { tags_profiler: string };
  t.match(event.tags_profiler, /runtime:deno/);
});

// --- the last period at exit ---

const HOWS = ['end', 'exit', 'deno-exit', 'term'] as const;
type How = typeof HOWS[number];
const HOT = 'exitPathsHotLoop';
/** The exit status the program has without wasmprof. */
const expectEnd = (t: Test, how: How, r: Run): void => {
  if (how === 'term') t.equal(r.signal, 'SIGTERM', `ended by SIGTERM as it would have without wasmprof (${r.code}) ${r.text.trim()}`);
  else t.equal(r.code, 0, `exit status 0 ${r.text.trim()}`);
  const warnings = r.text.split('\n').filter((l) => l.startsWith('wasmprof:'));
  t.same(warnings.length, 1, `one warning line (the stack source): ${warnings.join(' | ')}`);
};
/** What a set of pprof files says: sample types and whether the hot function is in them. */
const look = (pprofs: Uint8Array[]): { types: Set<string>; hot: boolean } => {
  const types = new Set<string>();
  let hot = false;
  for (const b of pprofs) {
    const s = summary(readPprof(b));
    for (const st of s.sampleTypes) types.add(st);
    if (s.functions.includes(HOT)) hot = true;
  }
  return { types, hot };
};
const WANTED = ['wall/nanoseconds', 'cpu/nanoseconds', 'inuse_space/bytes'];

const perms = (extra: string[]): string[] => ['run', '--sloppy-imports', '--no-check', '--allow-sys', '--allow-read', '--allow-env', ...extra, 'test/deno/exit-paths.ts'];
const common = { WASMPROF_PROFILES: 'wall,cpu,heap' };

// The server that never answers: this run spends ~5 s blocked in its exit handler, idle, so it
// starts with the first exit test and is checked by the last.
let silentRun: Promise<{ run: Run; server: TestServer }> | undefined;
const startSilentRun = (): Promise<{ run: Run; server: TestServer }> => (silentRun ??= (async () => {
  const server = await startSilentServer();
  const run = await runDeno([...perms([`--allow-net=127.0.0.1:${server.port}`]), 'exit'],
    { ...common, WASMPROF_EXPORTER: 'pyroscope', WASMPROF_SERVER_URL: server.url, WASMPROF_APP_NAME: 'deno-exit' });
  return { run, server };
})());

t.test('Deno, Pyroscope exporter: the last period of wall, cpu and heap arrives for every exit path', { skip }, async (t) => {
  void startSilentRun().catch(() => undefined); // awaited (and its failure reported) by the last test
  // The programs run two at a time (~1 s each): what is measured is what arrives, not speed.
  const servers: TestServer[] = [];
  t.teardown(() => Promise.all(servers.map((s) => s.close())));
  const results = new Map<How, { run: Run; server: TestServer }>();
  for (let i = 0; i < HOWS.length; i += 2) {
    await Promise.all(HOWS.slice(i, i + 2).map(async (how) => {
      const server = await startServer();
      servers.push(server);
      const run = await runDeno([...perms([`--allow-net=127.0.0.1:${server.port}`]), how],
        { ...common, WASMPROF_EXPORTER: 'pyroscope', WASMPROF_SERVER_URL: server.url, WASMPROF_APP_NAME: 'deno-exit' });
      results.set(how, { run, server });
    }));
  }
  for (const how of HOWS) {
    const { run, server } = results.get(how)!;
    t.test(how, async (t) => {
      expectEnd(t, how, run);
      const series = new Set<string>();
      const pprofs = server.requests.map((req) => {
        const ingested = ingestAsPyroscope(req); // as the Pyroscope server reads it
        for (const s of ingested.series) series.add(s);
        return ingested.pprof;
      });
      const { types, hot } = look(pprofs);
      t.ok(WANTED.every((w) => types.has(w)), `${server.requests.length} uploads with ${[...types].join(', ')}`);
      t.ok(series.has('wall:wall:nanoseconds:wall:nanoseconds') && series.has('process_cpu:cpu:nanoseconds:cpu:nanoseconds')
        && series.has('memory:inuse_space:bytes:inuse_space:bytes'), `series ${[...series].join(', ')}`);
      t.ok(hot, `${HOT} is in them`);
      t.ok(exitMs(run) < 5000, `the exit took ${exitMs(run)} ms (the close timeout is 5 s)`);
    });
  }
});

t.test('Deno, file exporter: the last period of wall, cpu and heap is written for every exit path', { skip }, async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'wasmprof-deno-exit-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const runs = new Map<How, Run>();
  for (let i = 0; i < HOWS.length; i += 2) {
    await Promise.all(HOWS.slice(i, i + 2).map(async (how) => {
      runs.set(how, await runDeno([...perms([`--allow-write=${join(base, how)}`]), how],
        { ...common, WASMPROF_EXPORTER: 'file', WASMPROF_OUTPUT_DIR: join(base, how) }));
    }));
  }
  for (const how of HOWS) {
    t.test(how, async (t) => {
      expectEnd(t, how, runs.get(how)!);
      const dir = join(base, how);
      const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.pb.gz')) : [];
      t.same(files.map((f) => f.split('-')[0]).sort(), ['cpu', 'heap', 'wall'], `files: ${files.join(' ')}`);
      const { types, hot } = look(files.map((f) => new Uint8Array(readFileSync(join(dir, f)))));
      t.ok(WANTED.every((w) => types.has(w)), [...types].join(', '));
      t.ok(hot, `${HOT} is in them`);
      t.ok(exitMs(runs.get(how)!) < 5000, `the exit took ${exitMs(runs.get(how)!)} ms`);
    });
  }
});

t.test('Deno: a server that never answers holds process.exit() no longer than the 5 s close timeout', { skip }, async (t) => {
  const { run, server } = await startSilentRun();
  t.teardown(() => server.close());
  t.equal(run.code, 0, run.text.trim());
  t.ok(server.requests.length >= 1, `the upload was attempted (${server.requests.length} request(s) seen)`);
  t.ok(exitMs(run) >= 4900 && exitMs(run) < 7500, `the exit took ${exitMs(run)} ms: the 5 s close timeout, then the process ends`);
  t.match(run.text, /not delivered within 5000 ms \(dropped\)/, 'the loss is reported');
});
