// Profiler overhead, wasmprof against @datadog/pprof in the same run (DESIGN §6):
//   1. a CPU-bound workload: time for a fixed amount of work, without a profiler, with wasmprof,
//      with @datadog/pprof (its wall profiler; its CPU-time option needs its context tracking,
//      which wasmprof's wall+cpu pair does not need), at 10 ms and 1 ms sampling; then the same
//      work with the profiler off and on in alternating blocks of one process (the JIT state
//      shared, so separate processes' ±5% variation drops out);
//   2. an HTTP server under load on 127.0.0.1: requests/s and p99 latency, same variants plus
//      wasmprof through node:inspector and wasmprof with every request in runWithLabels;
//   3. period rotation: the longest event-loop stall around a rotation (p100 over rotations) with
//      the TypeScript compiler loaded and busy, for wasmprof (native bridge and node:inspector)
//      and @datadog/pprof, plus the time to turn a period into gzipped pprof.
// Every measurement is its own child process (bench/overhead-child.mjs); variants alternate within
// each round (rotating the order) so that machine noise hits all of them alike; ratios are the
// median over rounds of variant/baseline of the same round.
//
//   npm run bench:overhead                 # full run (~4 min)
//   BENCH_QUICK=1 npm run bench:overhead   # fewer rounds
//   BENCH_ONLY=rotation npm run bench:overhead   # one part: cpu, http or rotation
//   BENCH_ROUNDS=15 BENCH_HTTP_ROUNDS=8 ...       # more rounds on a noisy machine
// Besides wall time and requests/s, the CPU time of the measured process (per run, per request)
// is reported: it is less sensitive to other processes competing for the machine.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CHILD = fileURLToPath(new URL('./overhead-child.mjs', import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.env.BENCH_ROUNDS) || (QUICK ? 3 : 7);
const HTTP_ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS) || (QUICK ? 2 : 4);
const HTTP_SECONDS = QUICK ? 2 : 3;
const CONCURRENCY = 16;

type Variant = 'none' | 'wasmprof' | 'wasmprof-inspector' | 'wasmprof-labels' | 'datadog';

interface ChildRun { lines: unknown[]; code: number | null }

function runChild(config: Record<string, unknown>, onFirstLine?: (line: Record<string, unknown>, close: () => void) => void): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(config)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    let out = '', err = '';
    const lines: unknown[] = [];
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`child timed out: ${JSON.stringify(config)}\n${err}`)); }, 180_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      let nl;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl).trim();
        out = out.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (lines.length === 1 && onFirstLine) onFirstLine(parsed, () => child.stdin.end());
      }
    });
    child.stderr.on('data', (d: Buffer) => { err += d; });
    if (!onFirstLine) child.stdin.end();
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`child failed (${code}): ${JSON.stringify(config)}\n${err}`));
      else resolve({ lines, code });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(2)}%`;
const rotate = <T>(xs: T[], k: number): T[] => xs.map((_, i) => xs[(i + k) % xs.length]);

// ------------------------------------------------------------------------------------- CPU

async function cpuBench(intervalMicros: number, iterations: number): Promise<void> {
  const variants: Variant[] = ['none', 'wasmprof', 'datadog'];
  const ratios: Record<string, number[]> = { wasmprof: [], datadog: [] };
  const cpuRatios: Record<string, number[]> = { wasmprof: [], datadog: [] };
  const times: Record<string, number[]> = { none: [], wasmprof: [], datadog: [] };
  let source = '';
  for (let round = 0; round < ROUNDS; round++) {
    const got: Record<string, { ms: number; cpuMs: number }> = {};
    for (const v of rotate(variants, round)) {
      const r = await runChild({ mode: 'cpu', variant: v, intervalMicros, iterations });
      const line = r.lines[0] as { ms: number; cpuMs: number; source?: string };
      got[v] = line;
      times[v].push(line.ms);
      (rssOf[v] ??= []).push((line as { maxRssMiB?: number }).maxRssMiB ?? 0);
      if (v === 'wasmprof' && line.source) source = line.source;
    }
    for (const v of ['wasmprof', 'datadog']) {
      ratios[v].push(got[v].ms / got.none.ms);
      cpuRatios[v].push(got[v].cpuMs / got.none.cpuMs);
    }
  }
  const w = median(ratios.wasmprof), d = median(ratios.datadog);
  const wc = median(cpuRatios.wasmprof), dc = median(cpuRatios.datadog);
  for (const v of variants) rssOf[v] = rssOf[v] ?? [];
  console.log(`cpu-bound @ ${intervalMicros / 1000} ms: wall time none ${median(times.none).toFixed(0)} ms | wasmprof(${source}) ${pct(w)} | @datadog/pprof ${pct(d)} || process CPU time: wasmprof ${pct(wc)} | @datadog/pprof ${pct(dc)} | wasmprof/datadog ${(wc / dc).toFixed(3)} [target: wasmprof ≤ +1% at 10 ms and ≤ datadog] || max RSS none ${median(rssOf.none).toFixed(0)} MiB, wasmprof ${median(rssOf.wasmprof).toFixed(0)}, datadog ${median(rssOf.datadog).toFixed(0)} [target: ≤ datadog + 16]`);
}

const rssOf: Record<string, number[]> = {};

/**
 * Steady-state CPU measured in pairs inside one process (bench/overhead-child.mjs cpu-paired):
 * off and on blocks of the same work alternate, so both share the process's JIT state. Each
 * profiler has its own processes (alternating); the overhead is the median of every pair's
 * on/off ratio, with the interquartile range of those ratios.
 */
async function pairedBench(intervalMicros: number, blockIterations: number): Promise<void> {
  const processes = QUICK ? 2 : 3, pairs = QUICK ? 4 : 8;
  const ratios: Record<'wasmprof' | 'datadog', number[]> = { wasmprof: [], datadog: [] };
  let source = '';
  for (let p = 0; p < processes; p++) {
    for (const v of rotate(['wasmprof', 'datadog'] as const, p)) {
      const r = await runChild({ mode: 'cpu-paired', variant: v, intervalMicros, iterations: blockIterations, pairs });
      const line = r.lines[0] as { off: number[]; on: number[]; source?: string };
      line.on.forEach((ms, i) => ratios[v].push(ms / line.off[i]));
      if (v === 'wasmprof' && line.source) source = line.source;
    }
  }
  const spread = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return `${pct(s[Math.floor(s.length / 4)])}…${pct(s[Math.floor(s.length * 3 / 4)])}`; };
  const w = median(ratios.wasmprof), d = median(ratios.datadog);
  const target = intervalMicros >= 10_000 ? '≤ +1% and ≤ datadog' : '≤ datadog';
  console.log(`cpu-bound @ ${intervalMicros / 1000} ms, paired in one process (${processes} processes × ${pairs} pairs each): process CPU wasmprof(${source}) ${pct(w)} (${spread(ratios.wasmprof)}) | @datadog/pprof ${pct(d)} (${spread(ratios.datadog)}) [target: wasmprof ${target}: ${w <= d && (intervalMicros < 10_000 || w <= 1.01) ? 'met' : 'NOT met'}]`);
}

// ------------------------------------------------------------------------------------- start-up

/** CPU ms of a command and its children (bash's `times`), output discarded; it must exit 0. */
function cpuMsOf(command: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', '"$@" >/dev/null 2>&1; echo "exit $?"; times', '_', ...command], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d; });
    child.on('close', () => {
      const lines = out.trim().split('\n');
      // A variant that fails (at exit, say) skips work and would look cheap.
      if (lines[0] !== 'exit 0') { reject(new Error(`bench: ${command.join(' ')} ended with ${lines[0]}`)); return; }
      // Third line: user and system time of the children, e.g. "0m0.060s 0m0.012s".
      const line = lines[2] ?? '';
      const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
      if (secs.length !== 2) reject(new Error(`bench: cannot read times output: ${out}`));
      else resolve((secs[0] + secs[1]) * 1000);
    });
  });
}

/** Added CPU per process: an empty program, bare and under each preload. */
async function startupBench(): Promise<void> {
  const empty = fileURLToPath(new URL('./fixtures/empty.cjs', import.meta.url));
  const out = `${process.env.TMPDIR ?? '/tmp'}/wasmprof-bench-startup-${process.pid}`;
  const env = { WASMPROF_OUTPUT_DIR: out };
  const node = process.execPath;
  const variants: Record<string, string[]> = {
    none: [node, empty],
    'wasmprof --require': [node, '--require', `${ROOT}register.cjs`, empty],
    '--require, no code cache': ['env', 'WASMPROF_CODE_CACHE=off', node, '--require', `${ROOT}register.cjs`, empty],
    'wasmprof --import': [node, '--import', `${ROOT}register.mjs`, empty],
    'wasmprof record': [node, `${ROOT}bin/wasmprof.js`, 'record', '--no-flamegraph', '-o', out, '--', node, empty],
    'record, no profiler': [node, `${ROOT}bin/wasmprof.js`, '--help'],
    '@datadog/pprof -r': [node, '--require', fileURLToPath(new URL('./fixtures/datadog-preload.cjs', import.meta.url)), empty],
  };
  const names = Object.keys(variants);
  const ms: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const rounds = QUICK ? 5 : 11;
  for (let round = 0; round < rounds; round++) {
    for (const name of rotate(names, round)) ms[name].push(await cpuMsOf(variants[name], env));
  }
  const base = median(ms.none);
  const added = (n: string) => median(ms[n]) - base;
  const spread = (n: string) => { const s = [...ms[n]].sort((a, b) => a - b); return `${(s[Math.floor(s.length / 4)] - base).toFixed(0)}…${(s[Math.floor(s.length * 3 / 4)] - base).toFixed(0)}`; };
  const dd = added('@datadog/pprof -r');
  console.log(`start-up + exit, empty program (CPU ms of the process tree, median of ${rounds}, added to bare node's ${base.toFixed(0)} ms; interquartile range; the --require preload's code cache is written by the first run):`);
  for (const n of names.slice(1)) console.log(`  ${n.padEnd(22)} +${added(n).toFixed(0)} ms (${spread(n)})${n.startsWith('wasmprof') || n.startsWith('--require') ? ` | vs @datadog/pprof ${added(n) - dd >= 0 ? '+' : ''}${(added(n) - dd).toFixed(0)} ms [target ≤ +10]` : ''}`);
}

// ------------------------------------------------------------------------------------- memory

/** RSS under a flood of unique functions, each profiler in its own process. */
async function floodBench(intervalMicros: number, functions: number): Promise<void> {
  const variants: Variant[] = ['none', 'wasmprof', 'datadog'];
  const rows: string[] = [];
  const peaks: Record<string, number> = {};
  for (const v of variants) {
    const r = await runChild({ mode: 'flood', variant: v, intervalMicros, functions });
    const line = r.lines[0] as { functions: number; rss: number[]; seconds: number; source?: string; held?: { coreMemoryBytes: number; dictionaryResets: number } };
    const rss = line.rss;
    const half = rss[Math.floor(rss.length / 2)], last = rss[rss.length - 1];
    peaks[v] = Math.max(...rss);
    const held = line.held ? `; core ${(line.held.coreMemoryBytes / 1048576).toFixed(1)} MiB, ${line.held.dictionaryResets} dictionary resets` : '';
    rows.push(`  ${(v === 'wasmprof' ? `wasmprof(${line.source})` : v).padEnd(20)} peak RSS ${peaks[v].toFixed(0)} MiB, growth over the second half ${(last - half >= 0 ? '+' : '')}${(last - half).toFixed(1)} MiB (${line.seconds.toFixed(1)} s${held})`);
  }
  console.log(`memory, ${functions} unique functions called once each @ ${intervalMicros / 1000} ms:\n${rows.join('\n')}\n  wasmprof − datadog: ${(peaks.wasmprof - peaks.datadog).toFixed(0)} MiB [target ≤ +16, flat]`);
}

async function calibrate(): Promise<number> {
  const probe = 400;
  const r = await runChild({ mode: 'cpu', variant: 'none', intervalMicros: 10_000, iterations: probe });
  const ms = (r.lines[0] as { ms: number }).ms;
  return Math.max(200, Math.round(probe * (QUICK ? 1000 : 1500) / ms));
}

// ------------------------------------------------------------------------------------- HTTP

async function load(port: number, seconds: number): Promise<{ rps: number; p99: number; p50: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  const warmUntil = performance.now() + 500;
  const end = warmUntil + seconds * 1000;
  let count = 0;
  const one = () => new Promise<void>((ok, fail) => {
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => {
        const t1 = performance.now();
        if (t0 >= warmUntil && t1 <= end) { latencies.push(t1 - t0); count++; }
        ok();
      });
    });
    req.on('error', fail);
    req.end();
  });
  const worker = async () => { while (performance.now() < end) await one(); };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: count / seconds, p99: latencies[Math.floor(latencies.length * 0.99)], p50: latencies[Math.floor(latencies.length * 0.5)] };
}

async function httpBench(intervalMicros: number): Promise<void> {
  const variants: Variant[] = ['none', 'wasmprof', 'wasmprof-inspector', 'wasmprof-labels', 'datadog'];
  const measured = variants.filter((v) => v !== 'none');
  const rps: Record<string, number[]> = Object.fromEntries(measured.map((v) => [v, []]));
  const p99: Record<string, number[]> = Object.fromEntries(measured.map((v) => [v, []]));
  const cpuPerReq: Record<string, number[]> = Object.fromEntries(measured.map((v) => [v, []]));
  const abs: Record<string, Array<{ rps: number; p99: number; cpu: number }>> = Object.fromEntries(variants.map((v) => [v, []]));
  for (let round = 0; round < HTTP_ROUNDS; round++) {
    const got: Record<string, { rps: number; p99: number; cpu: number }> = {};
    for (const v of rotate(variants, round)) {
      let result: { rps: number; p99: number } | undefined;
      const run = await runChild({ mode: 'http', variant: v, intervalMicros }, (line, close) => {
        load(line.port as number, HTTP_SECONDS).then((r) => { result = r; close(); }, (err) => { console.error(err); close(); });
      });
      if (!result) throw new Error('load generator failed');
      const cpu = (run.lines[1] as { cpuMicrosPerRequest: number }).cpuMicrosPerRequest;
      got[v] = { ...result, cpu };
      abs[v].push(got[v]);
    }
    for (const v of measured) {
      rps[v].push(got[v].rps / got.none.rps);
      p99[v].push(got[v].p99 / got.none.p99);
      cpuPerReq[v].push(got[v].cpu / got.none.cpu);
    }
  }
  const m = (v: string) => `${median(abs[v].map((x) => x.rps)).toFixed(0)} req/s, p99 ${median(abs[v].map((x) => x.p99)).toFixed(2)} ms, ${median(abs[v].map((x) => x.cpu)).toFixed(1)} µs CPU/req`;
  const r = (v: string) => `(req/s ${pct(median(rps[v]))}, p99 ${pct(median(p99[v]))}, CPU/req ${pct(median(cpuPerReq[v]))})`;
  console.log(`http @ ${intervalMicros / 1000} ms:\n  none                 ${m('none')}\n${measured.map((v) => `  ${v.padEnd(20)} ${m(v)} ${r(v)}`).join('\n')}`);
}

// ------------------------------------------------------------------------------------- rotation

interface Rotation { maxMs: number; wallMs: number; buildMs?: number; maxSliceMs?: number; encodeMs?: number; rotateMs?: number; samples?: number; bytes?: number }

async function rotationBench(intervalMicros: number, periodMs: number, rotations: number): Promise<void> {
  const variants: Variant[] = ['wasmprof', 'wasmprof-inspector', 'datadog'];
  // Each run's loop delay comes mostly from the busy compiler's own turns, and that differs from
  // process to process (JIT state): the stall a rotation adds is its p100 over the same run's
  // baseline p100. Runs alternate between variants.
  const runs: Record<string, Array<{ source?: string; rs: Rotation[]; first: Rotation; stall: number; base: number }>> = Object.fromEntries(variants.map((v) => [v, []]));
  const rounds = QUICK ? 1 : 3;
  for (let round = 0; round < rounds; round++) {
    for (const v of rotate(variants, round)) {
      const r = await runChild({ mode: 'rotation', variant: v, intervalMicros, periodMs, rotations });
      const line = r.lines[0] as { rotations: Rotation[]; baseline: Array<{ maxMs: number }>; source?: string };
      const rs = line.rotations.slice(1); // the first rotation also pays for JIT warm-up: shown apart
      runs[v].push({ source: line.source, rs, first: line.rotations[0], stall: Math.max(...rs.map((x) => x.maxMs)), base: Math.max(...line.baseline.map((x) => x.maxMs)) });
    }
  }
  const rows: string[] = [];
  const added: Record<string, number> = {};
  for (const v of variants) {
    const all = runs[v];
    const rs = all.flatMap((x) => x.rs);
    added[v] = median(all.map((x) => x.stall - x.base));
    const build = median(rs.map((x) => (x.buildMs ?? 0) + (x.encodeMs ?? 0)));
    const samples = median(rs.map((x) => x.samples ?? 0));
    const name = v === 'wasmprof' ? `wasmprof(${all[0].source})` : v === 'wasmprof-inspector' ? 'wasmprof(inspector)' : '@datadog/pprof';
    rows.push(`  ${name.padEnd(20)} stall p100 ${Math.max(...all.map((x) => x.stall)).toFixed(1)} ms (median ${median(rs.map((x) => x.maxMs)).toFixed(1)}, first ${median(all.map((x) => x.first.maxMs)).toFixed(1)}; baseline loop delay p100 ${Math.max(...all.map((x) => x.base)).toFixed(1)} ms; added over the run's baseline, median of ${all.length} runs: ${added[v] >= 0 ? '+' : ''}${added[v].toFixed(1)} ms) | period → gzipped pprof ${build.toFixed(1)} ms for ${samples} samples${v.startsWith('wasmprof') ? ` (build ${median(rs.map((x) => x.buildMs ?? 0)).toFixed(1)} in slices of ≤ ${Math.max(...rs.map((x) => x.maxSliceMs ?? 0)).toFixed(1)} + encode/gzip ${median(rs.map((x) => x.encodeMs ?? 0)).toFixed(1)} elapsed; source rotate ${median(rs.map((x) => x.rotateMs ?? 0)).toFixed(1)})` : ` (stop+serialize ${median(rs.map((x) => x.buildMs ?? 0)).toFixed(1)} + encode ${median(rs.map((x) => x.encodeMs ?? 0)).toFixed(1)})`}`);
  }
  rows.push(`  added stall, wasmprof(native) − @datadog/pprof: ${(added.wasmprof - added.datadog).toFixed(1)} ms [target ≤ 0]`);
  console.log(`rotation @ ${intervalMicros / 1000} ms, period ${periodMs} ms, TypeScript compiler loaded and busy:\n${rows.join('\n')}`);
}

// ------------------------------------------------------------------------------------- main

if (!existsSync(`${ROOT}dist/sdk/index.js`)) {
  console.error('bench/overhead: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
console.log(`wasmprof overhead bench — node ${process.version}, ${ROUNDS} rounds (cpu), ${HTTP_ROUNDS} rounds × ${HTTP_SECONDS} s (http), concurrency ${CONCURRENCY}`);
const only = process.env.BENCH_ONLY; // startup | cpu (both CPU parts) | paired | memory | http | rotation
if (!only || only === 'startup') await startupBench();
if (!only || only === 'cpu' || only === 'paired') {
  const iterations = await calibrate();
  console.log(`cpu workload: ${iterations} units per run (~${QUICK ? 1 : 1.5} s without a profiler; a third of that per paired block, after an untimed settle of two blocks)`);
  if (only !== 'paired') for (const interval of [10_000, 1000]) await cpuBench(interval, iterations);
  for (const interval of [10_000, 1000]) await pairedBench(interval, Math.ceil(iterations / 3));
}
if (!only || only === 'memory') await floodBench(10_000, QUICK ? 200_000 : 490_000);
if (!only || only === 'http') for (const interval of [10_000, 1000]) await httpBench(interval);
if (!only || only === 'rotation') {
  await rotationBench(10_000, 1000, QUICK ? 4 : 8);
  await rotationBench(1000, 3000, QUICK ? 2 : 4);
}
