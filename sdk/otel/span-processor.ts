// WasmprofSpanProcessor: an OpenTelemetry SpanProcessor that links spans to profiles the way
// Pyroscope's span profiles do. Each local root span (no parent, or a remote parent) gets the
// attribute pyroscope.profile.id = its span id; every span under it (its local subtree) stands
// for the labels {span_id: root's id, span_name: root's name}, which the hooked context manager
// (context-hook.ts) puts on the samples taken while such a span's context is active.
import { trace, type Context, type Span } from '@opentelemetry/api';
import { acquireHook, hookContextManager, releaseHook } from './context-hook.js';
import { linkOf, PROFILE_ID_ATTRIBUTE, setLink, SPAN_ID_LABEL, SPAN_NAME_LABEL, type LinkOwner } from './span-links.js';
import type { LabelRunner } from './types.js';

/** The span the SDK hands to onStart: an API span with its name (sdk-trace-base's Span). */
export interface StartedSpan extends Span {
  readonly name: string;
}

function isLabelRunner(p: unknown): p is LabelRunner {
  const o = p as Partial<LabelRunner> | null;
  return typeof o === 'object' && o !== null && typeof o.runWithLabels === 'function' && typeof o.currentLabels === 'function';
}

/** For `new BasicTracerProvider({ spanProcessors: [new WasmprofSpanProcessor(profiler)] })`
 *  (@opentelemetry/sdk-trace-base 2.x, or NodeTracerProvider); needs a registered context
 *  manager that carries contexts across `await` (AsyncLocalStorageContextManager). */
export class WasmprofSpanProcessor {
  private readonly owner: LinkOwner;

  constructor(profiler: LabelRunner) {
    if (!isLabelRunner(profiler)) {
      throw new TypeError('wasmprof/otel: new WasmprofSpanProcessor(profiler) needs the profiler that start() resolves to (an object with runWithLabels and currentLabels)');
    }
    this.owner = { profiler, closed: false };
    acquireHook();
  }

  onStart(span: StartedSpan, parentContext: Context): void {
    if (this.owner.closed) return;
    const parent = trace.getSpanContext(parentContext);
    if (parent !== undefined && trace.isSpanContextValid(parent) && !parent.isRemote) {
      // A local child: it stands for its root's labels (when this processor saw that root).
      const link = linkOf(trace.getSpan(parentContext));
      if (link !== undefined) setLink(span, link);
      return;
    }
    const spanId = span.spanContext().spanId;
    const name = typeof span.name === 'string' ? span.name : '';
    span.setAttribute(PROFILE_ID_ATTRIBUTE, spanId);
    setLink(span, { owner: this.owner, spanId, labels: Object.freeze({ [SPAN_ID_LABEL]: spanId, [SPAN_NAME_LABEL]: name }) });
    // Before startActiveSpan (or the caller) activates the span's context.
    hookContextManager();
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Spans stop labelling samples, also those started before; the hook goes when no processor uses it. */
  shutdown(): Promise<void> {
    if (!this.owner.closed) {
      this.owner.closed = true;
      releaseHook();
    }
    return Promise.resolve();
  }
}
