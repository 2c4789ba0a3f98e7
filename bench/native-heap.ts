// Native-heap preload overhead: the same allocation-heavy Node workload (zlib + Buffers,
// bench/native-heap-child.mjs) in child processes without and with libwasmprof_heap.so at the
// default interval (512 KiB) and with an aggregator draining the rings in this process. The two
// variants alternate (order rotated each round); the ratio is the median over rounds of
// with/without of the same round. Target: ≤ 1.05. A third variant loads the library without a
// ring directory (hooks pass through, nothing sampled) to split the cost between the hooks
// themselves and sampling.
//
//   node --import ./test/helpers/ts-loader.mjs bench/native-heap.ts
//   BENCH_ROUNDS=9 BENCH_ITER=6000 WASMPROF_NATIVE_HEAP_INTERVAL=65536 ...   (other settings)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeHeapAggregator, targetEnv } from '../sdk/native-heap/index.js';

const CHILD = fileURLToPath(new URL('./native-heap-child.mjs', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 7;
const ITER = Number(process.env.BENCH_ITER) || 4000;
const INTERVAL = process.env.WASMPROF_NATIVE_HEAP_INTERVAL ? Number(process.env.WASMPROF_NATIVE_HEAP_INTERVAL) : undefined;

interface Run { ms: number; cpuMs: number }

function run(env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [CHILD, String(ITER)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Run) : reject(new Error(`child exit ${code}`))));
  });
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'wasmprof-bench-nh-'));
const agg = await NativeHeapAggregator.start({ dir, drainMs: Number(process.env.BENCH_DRAIN_MS ?? 50), periodMs: 0, warn: (m) => process.stderr.write(`${m}\n`) });
const base = { ...process.env };
delete base.LD_PRELOAD;
const withEnv = { ...base, ...targetEnv(dir, base, INTERVAL) };
const passEnv = { ...base, LD_PRELOAD: withEnv.LD_PRELOAD };
const ratios: number[] = [], cpuRatios: number[] = [], passRatios: number[] = [], passCpu: number[] = [];
const without: number[] = [], withP: number[] = [];
await run(base); // warm the page cache
for (let r = 0; r < ROUNDS; r++) {
  const orders = [['without', 'with', 'pass'], ['with', 'pass', 'without'], ['pass', 'without', 'with']];
  const order = orders[r % 3];
  const res: Record<string, Run> = {};
  for (const v of order) res[v] = await run(v === 'with' ? withEnv : v === 'pass' ? passEnv : base);
  passRatios.push(res.pass.ms / res.without.ms);
  passCpu.push(res.pass.cpuMs / res.without.cpuMs);
  without.push(res.without.ms); withP.push(res.with.ms);
  ratios.push(res.with.ms / res.without.ms);
  cpuRatios.push(res.with.cpuMs / res.without.cpuMs);
  process.stderr.write(`round ${r + 1}/${ROUNDS}: without ${res.without.ms.toFixed(0)} ms, with ${res.with.ms.toFixed(0)} ms (${(res.with.ms / res.without.ms).toFixed(3)})\n`);
}
agg.drain();
const stats = { ...agg.stats };
agg.stop({ snapshot: false });
rmSync(dir, { recursive: true, force: true });
console.log(`native-heap preload overhead (${ITER} iterations of zlib + Buffers, interval ${INTERVAL ?? 524288} B, ${ROUNDS} rounds)`);
console.log(`  without: median ${median(without).toFixed(1)} ms   with: median ${median(withP).toFixed(1)} ms`);
console.log(`  ratio with/without (median of per-round ratios): wall ${median(ratios).toFixed(3)}, cpu ${median(cpuRatios).toFixed(3)}  (target ≤ 1.05)`);
console.log(`  hooks only (preloaded, no ring directory): wall ${median(passRatios).toFixed(3)}, cpu ${median(passCpu).toFixed(3)}`);
console.log(`  aggregator: ${stats.events} events from ${stats.ringsOpened} ring(s)`);
