// wasmprof/otel with the real OpenTelemetry SDK (sdk-trace-base 2.x, AsyncLocalStorage context
// manager): samples taken while a span is active carry its local root's span_id and span_name,
// across `await` and with root spans interleaving; child spans (also activated on their own,
// outside the root's context) carry their root's; roots get pyroscope.profile.id; and the Datadog
// upload names them as dd-trace-js does.
import t from 'tap';
import { gunzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { Profile } from 'pprof-format';
import { context, ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { start, type PeriodResult } from '../../sdk/index.js';
import { DatadogExporter } from '../../sdk/export/datadog.js';
import { WasmprofSpanProcessor } from '../../sdk/otel/index.js';
import { decode, total, type Decoded, type DecodedSample } from '../profiler/helpers.js';
import { parseMultipart } from '../export/helpers/multipart.js';

const ROOTS = 6;

function spin(ms: number): number {
  const end = performance.now() + ms;
  let acc = 0;
  while (performance.now() < end) for (let i = 0; i < 20000; i++) acc = (acc * 31 + i * i) % 1000003;
  return acc;
}
// Hot functions, each a frame of its own: the roots' work, their children's, a child's activated
// later from outside its root, and work outside every span.
function otelRootWork(ms: number): number { return spin(ms); }
function otelChildWork(ms: number): number { return spin(ms); }
function otelDetachedWork(ms: number): number { return spin(ms); }
function otelOutsideWork(ms: number): number { return spin(ms); }

interface Run {
  result: PeriodResult;
  spans: ReadableSpan[];
  /** root span name → its span id */
  roots: Map<string, string>;
  detachedRoot: string;
}

const manager = new AsyncLocalStorageContextManager();
context.setGlobalContextManager(manager);
t.teardown(() => { context.disable(); });

async function run(): Promise<Run> {
  const profiler = await start({ profiles: ['wall', 'cpu'], interval: '1ms', env: {} });
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new WasmprofSpanProcessor(profiler), new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('wasmprof-test');
  let kept: Span | undefined;
  // Six roots, two at a time, so that their continuations interleave on the event loop.
  const root = (i: number): Promise<void> => tracer.startActiveSpan(`job-${i}`, async (span) => {
    otelRootWork(60);
    await sleep(5);
    await tracer.startActiveSpan('child', async (child) => {
      otelChildWork(30);
      await Promise.resolve();
      otelChildWork(30);
      if (i === 0) kept = child;
      child.end();
    });
    otelRootWork(60);
    span.end();
  });
  for (let i = 0; i < ROOTS; i += 2) await Promise.all([root(i), root(i + 1)]);
  // A child span's context activated later, from outside its root's context.
  await sleep(1);
  context.with(trace.setSpan(ROOT_CONTEXT, kept!), () => otelDetachedWork(80));
  otelOutsideWork(40);
  const result = await profiler.stop();
  const roots = new Map<string, string>();
  const spans = exporter.getFinishedSpans();
  for (const s of spans) if (s.name.startsWith('job-')) roots.set(s.name, s.spanContext().spanId);
  await provider.shutdown(); // (the in-memory exporter forgets its spans here)
  return { result, spans, roots, detachedRoot: roots.get('job-0')! };
}

const spanOf = (s: DecodedSample): string | undefined => s.labels.span_id;

function checkProfile(t: Tap, d: Decoded, r: Run, kind: string, index: number): void {
  const ids = new Set(r.roots.values());
  const names = new Map([...r.roots].map(([name, id]) => [id, name]));
  const inSpan = (s: DecodedSample) => spanOf(s) !== undefined && ids.has(spanOf(s)!);
  const rootAll = total(d, 'otelRootWork', index, 'cum');
  const rootIn = total(d, 'otelRootWork', index, 'cum', inSpan);
  t.ok(rootAll > 0 && rootIn / rootAll >= 0.8, `${kind}: ${(rootIn / rootAll * 100).toFixed(1)}% of the roots' work carries one of their span ids`);
  const childAll = total(d, 'otelChildWork', index, 'cum');
  const childIn = total(d, 'otelChildWork', index, 'cum', inSpan);
  t.ok(childAll > 0 && childIn / childAll >= 0.8, `${kind}: ${(childIn / childAll * 100).toFixed(1)}% of the children's work carries its root's span id`);
  const consistent = d.samples.filter((s) => spanOf(s) !== undefined).every((s) => ids.has(spanOf(s)!) && s.labels.span_name === names.get(spanOf(s)!));
  t.ok(consistent, `${kind}: every span_id is an exported root span's, with that root's span_name`);
  const perRoot = [...ids].map((id) => total(d, 'otelRootWork', index, 'cum', (s) => spanOf(s) === id));
  t.ok(perRoot.length === ROOTS && perRoot.every((v) => v > 0), `${kind}: each of the ${ROOTS} roots has samples of its own`);
  const detachedAll = total(d, 'otelDetachedWork', index, 'cum');
  const detachedIn = total(d, 'otelDetachedWork', index, 'cum', (s) => spanOf(s) === r.detachedRoot);
  t.ok(detachedAll > 0 && detachedIn / detachedAll >= 0.8, `${kind}: a child activated outside its root carries the root's id (${(detachedIn / detachedAll * 100).toFixed(1)}%)`);
  const outsideAll = total(d, 'otelOutsideWork', index, 'cum');
  const outsideIn = total(d, 'otelOutsideWork', index, 'cum', (s) => spanOf(s) !== undefined);
  t.ok(outsideAll > 0 && outsideIn / outsideAll <= 0.2, `${kind}: work outside every span has no span_id (${(outsideIn / outsideAll * 100).toFixed(1)}% has)`);
}

type Tap = typeof t;

t.test('root spans around hot work: span_id and span_name on wall and CPU samples', async (t) => {
  const r = await run();
  t.comment(`source: ${r.result.source}`);
  t.equal(r.roots.size, ROOTS, 'six root spans exported');
  t.equal(r.spans.length, ROOTS * 2, 'and their six children');
  for (const s of r.spans) {
    if (s.name.startsWith('job-')) {
      t.equal(s.attributes['pyroscope.profile.id'], s.spanContext().spanId, `${s.name} has pyroscope.profile.id = its span id`);
      t.equal(s.parentSpanContext, undefined, `${s.name} is a root`);
    } else {
      t.equal(s.attributes['pyroscope.profile.id'], undefined, 'a child span has no pyroscope.profile.id');
    }
  }
  checkProfile(t as unknown as Tap, decode(r.result.wall!), r, 'wall', 1);
  checkProfile(t as unknown as Tap, decode(r.result.cpu!), r, 'cpu', 1);

  // The same period as the Datadog exporter uploads it.
  let body: Uint8Array | undefined, contentType: string | undefined;
  const dd = new DatadogExporter({
    service: 'otel-test', origin: {},
    transport: async (req) => { body = req.body; contentType = req.headers['content-type']; return { status: 202, header: () => null, snippet: async () => '' }; },
  });
  dd.export({ start: r.result.start, end: r.result.end, profiles: [{ type: 'wall', pprof: r.result.wall! }, { type: 'cpu', pprof: r.result.cpu! }] });
  await dd.flush(10_000);
  await dd.close(1000);
  const parts = parseMultipart(Buffer.from(body!), contentType);
  const event = JSON.parse(parts.find((p) => p.name === 'event')!.data.toString('utf8')) as { custom_attributes?: string[] };
  const p = Profile.decode(new Uint8Array(gunzipSync(parts.find((x) => x.name === 'wall.pprof')!.data)));
  const S = p.stringTable.strings;
  const decimal = new Map([...r.roots].map(([name, hex]) => [BigInt(`0x${hex}`).toString(10), name]));
  let spanSamples = 0, bad = 0;
  for (const s of p.sample) {
    const l = Object.fromEntries(s.label.map((x) => [S[Number(x.key)], S[Number(x.str)]]));
    if (l.span_id !== undefined || l.span_name !== undefined) bad++;
    if (l['local root span id'] === undefined) continue;
    spanSamples++;
    if (l['span id'] !== l['local root span id'] || decimal.get(l['local root span id']) !== l['trace endpoint']) bad++;
  }
  t.ok(spanSamples > 20, `wall.pprof: ${spanSamples} samples with span id / local root span id / trace endpoint`);
  t.equal(bad, 0, 'each names an exported root in decimal, with that root\'s name as trace endpoint, and no span_id/span_name is left');
  t.notOk(event.custom_attributes?.some((k) => k === 'span_id' || k === 'span_name'), 'span labels are not custom attributes');
});

t.test('after shutdown spans label nothing, and the context manager is as it was', async (t) => {
  const profiler = await start({ profiles: ['wall'], interval: '1ms', source: 'inspector', env: {} });
  const processor = new WasmprofSpanProcessor(profiler);
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer('wasmprof-test');
  t.ok(Object.prototype.hasOwnProperty.call(manager, 'with'), 'hooked once a processor exists');
  tracer.startActiveSpan('before', (span) => { t.equal(profiler.currentLabels()?.span_name, 'before', 'labels inside a root'); span.end(); });
  await provider.shutdown();
  t.notOk(Object.prototype.hasOwnProperty.call(manager, 'with'), 'the manager has its own with back');
  const other = new BasicTracerProvider({ spanProcessors: [] }).getTracer('x');
  other.startActiveSpan('after', (span) => { t.equal(profiler.currentLabels(), undefined, 'no labels'); span.end(); });
  t.throws(() => new WasmprofSpanProcessor({} as never), /needs the profiler/);
  await profiler.stop();
});
