// One measured process of bench/overhead.ts. argv[2] is a JSON config:
//   { mode: 'cpu' | 'cpu-paired' | 'http' | 'rotation' | 'flood', variant: 'none' | 'wasmprof' | 'wasmprof-inspector' | 'wasmprof-labels' | 'datadog',
//     intervalMicros, iterations?, pairs?, rotations?, periodMs? }
// It prints one JSON line with its measurements on stdout (http: first a line {"port": n}).
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const require = createRequire(import.meta.url);
const config = JSON.parse(process.argv[2]);
const ROOT = new URL('../', import.meta.url);

// ---------------------------------------------------------------------------------- profilers

async function startProfiler(variant, intervalMicros) {
  if (variant === 'none') return { rotate: async () => undefined, stop: async () => undefined };
  if (variant === 'wasmprof' || variant === 'wasmprof-inspector' || variant === 'wasmprof-labels') {
    const { start } = await import(new URL('dist/sdk/index.js', ROOT).href);
    const profiler = await start({
      profiles: ['wall', 'cpu'], interval: `${intervalMicros}us`, env: {},
      source: variant === 'wasmprof-inspector' ? 'inspector' : 'auto',
    });
    return {
      source: profiler.source,
      held: () => profiler.upkeepStats,
      runWithLabels: variant === 'wasmprof-labels' ? (labels, fn) => profiler.runWithLabels(labels, fn) : undefined,
      rotate: async () => {
        const r = await profiler.collect();
        return { buildMs: r.stats.timings.buildMs, maxSliceMs: r.stats.timings.maxSliceMs, encodeMs: r.stats.timings.encodeMs, rotateMs: r.stats.timings.rotateMs, samples: r.stats.samples, bytes: (r.wall?.length ?? 0) + (r.cpu?.length ?? 0) };
      },
      stop: () => profiler.stop(),
    };
  }
  if (variant === 'datadog') {
    const pprof = require('@datadog/pprof');
    pprof.time.start({ intervalMicros, durationMillis: 3_600_000, withContexts: false, lineNumbers: false, collectCpuTime: false });
    return {
      source: 'datadog',
      rotate: async () => {
        const t0 = performance.now();
        const profile = pprof.time.stop(true);
        const t1 = performance.now();
        const bytes = await pprof.encode(profile);
        return { buildMs: t1 - t0, encodeMs: performance.now() - t1, samples: profile.sample.length, bytes: bytes.length };
      },
      stop: async () => { pprof.time.stop(false); },
    };
  }
  throw new Error(`unknown variant ${variant}`);
}

// ---------------------------------------------------------------------------------- workloads

/** A mixed CPU-bound unit of work: objects, JSON, sorting, strings, regexps. */
function workUnit(seed) {
  const items = [];
  for (let i = 0; i < 200; i++) items.push({ id: (seed * 7919 + i * 104729) % 100003, name: `item-${i}-${seed}`, tags: ['a', 'b', String(i % 7)] });
  const text = JSON.stringify(items);
  const back = JSON.parse(text);
  back.sort((x, y) => x.id - y.id);
  let h = 0;
  for (const it of back) {
    if (/-(\d)\d*-/.test(it.name)) h = (h * 31 + it.id) | 0;
    h ^= it.tags.join('|').length;
  }
  return h;
}

function cpuRun(iterations) {
  let h = 0;
  for (let i = 0; i < iterations; i++) h ^= workUnit(i);
  return h;
}

function payload(n) {
  const rows = [];
  for (let i = 0; i < 40; i++) rows.push({ i, n, label: `row ${i} of request ${n}`, score: (n * 31 + i) % 97 });
  return JSON.stringify({ ok: true, rows });
}

// ---------------------------------------------------------------------------------- modes

async function cpuMode() {
  const profiler = await startProfiler(config.variant, config.intervalMicros);
  cpuRun(Math.ceil(config.iterations / 10)); // warm-up (JIT)
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const h = cpuRun(config.iterations);
  const c1 = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  await profiler.stop();
  // cpuMs: CPU time of the whole process (the profiler's own threads included) — less sensitive
  // than wall time to other processes competing for the machine.
  console.log(JSON.stringify({ ms, cpuMs: (c1.user + c1.system) / 1000, h, source: profiler.source, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
}

// The same work with the profiler off and on, alternating in one process: each pair is one block
// of each (order flipping between pairs), timed by the process's CPU (profiler threads included).
// Within a process the JIT's state is shared, so the ratio of a pair is the profiler's cost
// without the ±5% that separate processes' different JIT decisions add. The profiler starts
// before its block and stops after it, outside the timed part (start-up is measured on its own),
// and an untimed block runs first in each; the first pair is discarded (tier-up).
async function cpuPairedMode() {
  const block = config.iterations;
  cpuRun(block); // warm-up (JIT)
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const off = [], on = [];
  let source;
  for (let pair = 0; pair <= config.pairs; pair++) {
    for (const profiled of pair % 2 ? [true, false] : [false, true]) {
      const profiler = profiled ? await startProfiler(config.variant, config.intervalMicros) : undefined;
      // Settle: what a start or a stop sets off is not steady state. wasmprof's first start in a
      // profiling session runs a full GC that drops optimized code (so that on-stack-replacement
      // code is logged, see the V8 bridge), and TurboFan's background threads re-optimize for a
      // while after it: with a settle of one block that still showed as +2-3 % process CPU on
      // the other threads at 1 ms; after two blocks it is gone.
      cpuRun(block * 2);
      const c0 = cpu();
      cpuRun(block);
      const ms = cpu() - c0;
      if (profiler) { source = profiler.source; await profiler.stop(); }
      if (pair > 0) (profiled ? on : off).push(ms);
    }
  }
  console.log(JSON.stringify({ off, on, source }));
}

// A flood of functions that each run once (code generated at run time, template engines, eval):
// the profilers' code maps and frame tables under churn. RSS every 250 ms.
async function floodMode() {
  const profiler = await startProfiler(config.variant, config.intervalMicros);
  const rss = [];
  const t0 = performance.now();
  let n = 0, acc = 0;
  let nextSample = 0;
  while (n < config.functions) {
    for (let k = 0; k < 200; k++, n++) {
      const f = new Function('x', `return function flood_${n}(y) { return y * ${n % 997} + x; }`)(n);
      acc += f(k);
    }
    if (performance.now() - t0 >= nextSample) {
      rss.push(process.memoryUsage().rss / 1048576);
      nextSample += 250;
      await new Promise((ok) => setImmediate(ok)); // let rotations and GC run
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const held = profiler.held?.();
  await profiler.stop();
  console.log(JSON.stringify({ functions: n, acc, rss, seconds, held, source: profiler.source }));
}

async function httpMode() {
  const profiler = await startProfiler(config.variant, config.intervalMicros);
  let n = 0;
  const respond = (res) => {
    const body = payload(n++);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  // wasmprof-labels: every request runs inside runWithLabels (the async hooks it needs are on).
  const label = profiler.runWithLabels;
  const server = createServer(label ? (req, res) => label({ route: req.url ?? '/' }, () => respond(res)) : (req, res) => respond(res));
  server.keepAliveTimeout = 30_000;
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  console.log(JSON.stringify({ port: server.address().port, source: profiler.source }));
  const c0 = process.cpuUsage();
  // The orchestrator ends the run by closing stdin.
  process.stdin.resume();
  await new Promise((ok) => process.stdin.on('end', ok));
  const c1 = process.cpuUsage(c0);
  console.log(JSON.stringify({ requests: n, cpuMicrosPerRequest: (c1.user + c1.system) / Math.max(1, n) }));
  await profiler.stop();
  server.close();
  server.closeAllConnections?.();
}

async function rotationMode() {
  const ts = require('typescript'); // a large program: many scripts and functions in the profile
  const snippet = 'interface P { x: number; y: number }\nexport function len(p: P): number { return Math.hypot(p.x, p.y); }\nexport class Q<T> { constructor(readonly v: T[]) {} map<U>(f: (t: T) => U): Q<U> { return new Q(this.v.map(f)); } }\n';
  let running = true;
  const busy = (async () => {
    let i = 0;
    while (running) {
      ts.transpileModule(snippet + `export const n${i++} = ${i};`, { compilerOptions: { target: ts.ScriptTarget.ES2020 } });
      ts.createSourceFile('x.ts', snippet, ts.ScriptTarget.ES2022, true);
      await new Promise((ok) => setImmediate(ok));
    }
  })();
  const profiler = await startProfiler(config.variant, config.intervalMicros);
  const h = monitorEventLoopDelay({ resolution: 1 });
  // The histogram's first tick only starts its clock, so it runs for a while before the rotation.
  const measure = async (what) => {
    h.reset();
    h.enable();
    await sleep(15);
    const t0 = performance.now();
    const detail = await what();
    const wallMs = performance.now() - t0;
    await sleep(20);
    h.disable();
    return { maxMs: h.max / 1e6, wallMs, ...detail };
  };
  const rotations = [], baseline = [];
  for (let r = 0; r < config.rotations; r++) {
    await sleep(config.periodMs / 2);
    baseline.push(await measure(async () => { await sleep(5); return {}; }));
    await sleep(config.periodMs / 2);
    rotations.push(await measure(() => profiler.rotate()));
  }
  running = false;
  await busy;
  await profiler.stop();
  console.log(JSON.stringify({ rotations, baseline, source: profiler.source }));
}

const modes = { cpu: cpuMode, 'cpu-paired': cpuPairedMode, http: httpMode, rotation: rotationMode, flood: floodMode };
await modes[config.mode]();
