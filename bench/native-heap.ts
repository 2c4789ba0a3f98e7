// Native-heap preload overhead: the same allocation-heavy Node workload (zlib + Buffers,
// bench/native-heap-child.mjs) in child processes without and with libwasmprof_heap.so at the
// default interval (512 KiB) and with an aggregator draining the rings in this process. The
// variants alternate (order rotated each round); each ratio is the median over rounds of
// variant/without of the same round. Target: ≤ 1.05. Two more variants split the cost: the
// library loaded without a ring directory (hooks pass through, nothing sampled), and sampling into
// a ring that nobody drains (the target's side alone, no aggregator competing for the cores). The
// aggregator's own CPU (this process, during the 'with' child minus during the 'without' child) is
// printed too. The breakdown by part (perf) is in docs/native-heap.md.
//
//   node --import ./test/helpers/ts-loader.mjs bench/native-heap.ts
//   BENCH_ROUNDS=9 BENCH_ITER=6000 WASMPROF_NATIVE_HEAP_INTERVAL=65536 ...   (other settings)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeHeapAggregator, targetEnv } from '../sdk/native-heap/index.js';

const CHILD = fileURLToPath(new URL('./native-heap-child.mjs', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 7;
const ITER = Number(process.env.BENCH_ITER) || 4000;
const INTERVAL = process.env.WASMPROF_NATIVE_HEAP_INTERVAL ? Number(process.env.WASMPROF_NATIVE_HEAP_INTERVAL) : undefined;

interface Run { ms: number; cpuMs: number; parentCpuMs: number }

function run(env: NodeJS.ProcessEnv): Promise<Run> {
  const p0 = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [CHILD, String(ITER)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    c.on('exit', (code) => {
      // This process's CPU while the child ran: the aggregator's draining (the 'with' variant)
      // on top of what spawning and waiting cost (every variant).
      const p = process.cpuUsage(p0);
      if (code !== 0) return reject(new Error(`child exit ${code}`));
      resolve({ ...(JSON.parse(out) as { ms: number; cpuMs: number }), parentCpuMs: (p.user + p.system) / 1000 });
    });
  });
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'wasmprof-bench-nh-'));
const agg = await NativeHeapAggregator.start({ dir, drainMs: Number(process.env.BENCH_DRAIN_MS ?? 50), periodMs: 0, warn: (m) => process.stderr.write(`${m}\n`) });
const base = { ...process.env };
delete base.LD_PRELOAD;
const withEnv = { ...base, ...targetEnv(dir, base, INTERVAL) };
const passEnv = { ...base, LD_PRELOAD: withEnv.LD_PRELOAD };
// Sampling into a ring that nobody drains (the ring holds a run's ~7500 events): the target's
// side of the cost without the aggregator competing for the two cores.
const quietDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'wasmprof-bench-nh-quiet-'));
const quietEnv = { ...base, ...targetEnv(quietDir, base, INTERVAL), WASMPROF_NATIVE_HEAP_RING_SLOTS: '32768' };
const ratios: number[] = [], cpuRatios: number[] = [], passRatios: number[] = [], passCpu: number[] = [];
const quietRatios: number[] = [], quietCpu: number[] = [];
const without: number[] = [], withP: number[] = [], aggCpu: number[] = [], childCpuDelta: number[] = [];
await run(base); // warm the page cache
// ... and the aggregator: its first owner loads the symbol tables (nm over the node binary, ~0.5 s
// of CPU), which would otherwise compete with the first measured 'with' child.
await run(withEnv);
agg.drain();
for (let r = 0; r < ROUNDS; r++) {
  const variants = ['without', 'with', 'pass', 'quiet'];
  const order = [...variants.slice(r % 4), ...variants.slice(0, r % 4)];
  const res: Record<string, Run> = {};
  for (const v of order) {
    if (v === 'quiet') for (const f of readdirSync(quietDir)) rmSync(join(quietDir, f), { force: true });
    res[v] = await run(v === 'with' ? withEnv : v === 'pass' ? passEnv : v === 'quiet' ? quietEnv : base);
  }
  quietRatios.push(res.quiet.ms / res.without.ms);
  quietCpu.push(res.quiet.cpuMs / res.without.cpuMs);
  passRatios.push(res.pass.ms / res.without.ms);
  passCpu.push(res.pass.cpuMs / res.without.cpuMs);
  without.push(res.without.ms); withP.push(res.with.ms);
  ratios.push(res.with.ms / res.without.ms);
  cpuRatios.push(res.with.cpuMs / res.without.cpuMs);
  aggCpu.push(res.with.parentCpuMs - res.without.parentCpuMs);
  childCpuDelta.push(res.with.cpuMs - res.without.cpuMs);
  process.stderr.write(`round ${r + 1}/${ROUNDS}: without ${res.without.ms.toFixed(0)} ms, with ${res.with.ms.toFixed(0)} ms (${(res.with.ms / res.without.ms).toFixed(3)})\n`);
}
agg.drain();
const stats = { ...agg.stats };
agg.stop({ snapshot: false });
rmSync(dir, { recursive: true, force: true });
rmSync(quietDir, { recursive: true, force: true });
console.log(`native-heap preload overhead (${ITER} iterations of zlib + Buffers, interval ${INTERVAL ?? 524288} B, ${ROUNDS} rounds)`);
console.log(`  without: median ${median(without).toFixed(1)} ms   with: median ${median(withP).toFixed(1)} ms`);
console.log(`  ratio with/without (median of per-round ratios): wall ${median(ratios).toFixed(3)}, cpu ${median(cpuRatios).toFixed(3)}  (target ≤ 1.05)`);
console.log(`  hooks only (preloaded, no ring directory): wall ${median(passRatios).toFixed(3)}, cpu ${median(passCpu).toFixed(3)}`);
console.log(`  sampling into an undrained ring (no aggregator running): wall ${median(quietRatios).toFixed(3)}, cpu ${median(quietCpu).toFixed(3)}`);
console.log(`  aggregator: ${stats.events} events from ${stats.ringsOpened} ring(s); its CPU per run (this process, with − without): median ${median(aggCpu).toFixed(1)} ms, vs the target's extra CPU ${median(childCpuDelta).toFixed(1)} ms`);
