// Workload for bench/native-heap.ts: allocation-heavy Node work (zlib round trips, Buffers of
// many sizes, some kept alive for a while). Prints the wall and CPU ms of the work as JSON.
import { deflateSync, inflateSync, gzipSync, gunzipSync } from 'node:zlib';
const ITER = Number(process.argv[2] || 4000);
const keep = [];
const src = Buffer.alloc(64 * 1024);
for (let i = 0; i < src.length; i++) src[i] = (i * 31 + (i >> 7)) & 0x3f;
const t0 = performance.now();
const c0 = process.cpuUsage();
let sum = 0;
for (let i = 0; i < ITER; i++) {
  const z = (i & 1) ? deflateSync(src.subarray(0, 8192 + (i % 7) * 8192)) : gzipSync(src.subarray(0, 4096 + (i % 13) * 4096));
  const back = (i & 1) ? inflateSync(z) : gunzipSync(z);
  sum += back.length;
  const b = Buffer.allocUnsafeSlow(1024 + ((i * 7919) % 200000));
  b[0] = i & 255;
  keep.push(b);
  if (keep.length > 256) keep.splice(0, 64);
}
const cpu = process.cpuUsage(c0);
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, sum }) + '\n');
