// What span linking (wasmprof/otel) costs per request, against what it is built on: runWithLabels.
// One process, the profiler running (10 ms), four variants interleaved round by round:
//   none          an async "request" (two awaits and a little work)
//   labels        the same inside profiler.runWithLabels({ route })
//   labels/unique the same with a label set of its own per request ({ span_id, span_name }, as
//                 the span processor makes for every root span)
//   otel          the same inside tracer.startActiveSpan (a provider without wasmprof's processor)
//   otel+wasmprof the same with WasmprofSpanProcessor on the provider
// Printed: CPU µs per request of each, and (otel+wasmprof − otel) / (labels/unique − none): the
// span processor's added cost as a multiple of runWithLabels' with the same kind of labels
// (target ≤ 1).
//
//   npm run bench:otel          (BENCH_QUICK=1 for fewer rounds)
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { start } from '../sdk/index.js';
import { WasmprofSpanProcessor } from '../sdk/otel/index.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 5 : 15;
const REQUESTS = QUICK ? 4000 : 10_000;

const profiler = await start({ profiles: ['wall', 'cpu'], interval: '10ms', env: {} });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const plain = new BasicTracerProvider().getTracer('bench');
const linked = new BasicTracerProvider({ spanProcessors: [new WasmprofSpanProcessor(profiler)] }).getTracer('bench');

let sink = 0;
async function handler(i: number): Promise<void> {
  await null;
  for (let k = 0; k < 50; k++) sink = (sink + k * i) % 1000003;
  await Promise.resolve();
}

const variants: Record<string, (i: number) => Promise<void>> = {
  none: (i) => handler(i),
  labels: (i) => profiler.runWithLabels({ route: '/bench' }, () => handler(i)),
  'labels/unique': (i) => profiler.runWithLabels({ span_id: (0x1000000000000 + i).toString(16), span_name: 'GET /bench' }, () => handler(i)),
  otel: (i) => plain.startActiveSpan('GET /bench', async (span) => { await handler(i); span.end(); }),
  'otel+wasmprof': (i) => linked.startActiveSpan('GET /bench', async (span) => { await handler(i); span.end(); }),
};

async function cpuMicrosPerRequest(run: (i: number) => Promise<void>): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i++) await run(i);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / REQUESTS;
}

const names = Object.keys(variants);
const got: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (const n of names) await cpuMicrosPerRequest(variants[n]); // warm-up (JIT)
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < names.length; k++) {
    const n = names[(k + round) % names.length];
    got[n].push(await cpuMicrosPerRequest(variants[n]));
  }
}
await profiler.stop();
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const m = Object.fromEntries(names.map((n) => [n, median(got[n])]));
console.log(`wasmprof/otel bench — node ${process.version}, labels ${profiler.labelSource.kind}, ${ROUNDS} rounds × ${REQUESTS} requests, CPU µs/request (median):`);
for (const n of names) console.log(`  ${n.padEnd(14)} ${m[n].toFixed(2)}`);
const labelsCost = m.labels - m.none, uniqueCost = m['labels/unique'] - m.none, linkCost = m['otel+wasmprof'] - m.otel;
console.log(`  runWithLabels adds ${labelsCost.toFixed(2)} µs (${uniqueCost.toFixed(2)} µs with a new label set per request); the span processor adds ${linkCost.toFixed(2)} µs to a root span: ${(linkCost / uniqueCost).toFixed(2)}× runWithLabels with a new label set [target ≤ 1]`);
