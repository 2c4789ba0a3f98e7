// wasmprof/otel: trace/span linking with OpenTelemetry (docs/otel.md).
//
//   import { WasmprofSpanProcessor } from 'wasmprof/otel';
//   const provider = new BasicTracerProvider({ spanProcessors: [new WasmprofSpanProcessor(profiler), …] });
//
// While a span is active, wall and CPU samples carry span_id (its local root span's id) and
// span_name (that root's name); each local root span gets pyroscope.profile.id. Only this entry
// point loads @opentelemetry/api; `wasmprof` itself never does.
export { WasmprofSpanProcessor, type StartedSpan } from './span-processor.js';
export { SPAN_ID_LABEL, SPAN_NAME_LABEL, PROFILE_ID_ATTRIBUTE } from './span-links.js';
export type { LabelRunner } from './types.js';
