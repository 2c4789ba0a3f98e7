// Where a span becomes active, its samples get their labels: the `with` of the registered
// OpenTelemetry context manager runs, for a context whose span this package linked to a local
// root, inside runWithLabels({span_id, span_name}) — so the labels follow the context into the
// async work it starts (across `await`), exactly as far as the context manager carries the span.
//
// Why the manager and not `context.with` of the API: every path that activates a context ends in
// the manager's `with` — context.with of any copy of @opentelemetry/api in the process,
// startActiveSpan, and the functions and event emitters the manager binds (its bind calls its own
// `with`) — while the API object is one per copy and bind goes around it. The manager is found
// where every 1.x copy of the API finds it, the process-wide registry under
// Symbol.for('opentelemetry.js.api.1') (a contract between API copies, fixed for 1.x). It is
// looked up again at each root span start, so a manager registered after the processor was made,
// or replaced later, is hooked before its first root span is activated.
//
// Cost: with no linked span in the context, one WeakMap lookup per `with`; inside a root already
// labelled (child spans, re-entries), that plus currentLabels(); only entering a root's context
// from outside it costs a runWithLabels.
import { trace, type Context, type ContextManager } from '@opentelemetry/api';
import { warnOnce } from '../runtime/report.js';
import { linkOf, SPAN_ID_LABEL } from './span-links.js';

type With = ContextManager['with'];

interface Hooked {
  manager: ContextManager;
  /** The manager's own `with` property before the hook (usually none: `with` is a method). */
  own: PropertyDescriptor | undefined;
  wrapper: With;
}

const REGISTRY = Symbol.for('opentelemetry.js.api.1');
const hooked: Hooked[] = [];
let users = 0;

function registeredManager(): ContextManager | undefined {
  const registry = (globalThis as Record<symbol, { context?: ContextManager } | undefined>)[REGISTRY];
  const manager = registry?.context;
  return manager && typeof manager.with === 'function' ? manager : undefined;
}

function spanOf(ctx: Context | undefined): object | undefined {
  return ctx && typeof ctx.getValue === 'function' ? trace.getSpan(ctx) : undefined;
}

/** The manager's `with`, called as the manager calls it (generic in the API's type; plain here). */
type PlainWith = (this: ContextManager, ctx: Context, fn: (...args: unknown[]) => unknown, thisArg?: unknown, ...args: unknown[]) => unknown;

function wrap(original: With): With {
  const call = original as unknown as PlainWith;
  const withLabels: PlainWith = function (ctx, fn, thisArg, ...args) {
    const link = linkOf(spanOf(ctx));
    if (link === undefined) return call.call(this, ctx, fn, thisArg, ...args);
    const profiler = link.owner.profiler;
    if (profiler.currentLabels()?.[SPAN_ID_LABEL] === link.spanId) return call.call(this, ctx, fn, thisArg, ...args);
    return profiler.runWithLabels(link.labels, () => call.call(this, ctx, fn, thisArg, ...args));
  };
  return withLabels as unknown as With;
}

/** Hooks the registered context manager if it is not hooked yet (none registered: nothing to do,
 *  the next root span start looks again). */
export function hookContextManager(): void {
  if (users === 0) return;
  const manager = registeredManager();
  if (manager === undefined || hooked.some((h) => h.manager === manager)) return;
  const wrapper = wrap(manager.with);
  try {
    const own = Object.getOwnPropertyDescriptor(manager, 'with');
    Object.defineProperty(manager, 'with', { value: wrapper, writable: true, configurable: true, enumerable: false });
    hooked.push({ manager, own, wrapper });
  } catch {
    warnOnce('otel:hook', 'wasmprof/otel: the OpenTelemetry context manager cannot be extended (frozen?); spans will not label samples');
  }
}

/** A processor starts using the hook. */
export function acquireHook(): void {
  users++;
  hookContextManager();
}

/** A processor is done with it; the last one puts every hooked manager back as it was. */
export function releaseHook(): void {
  if (users === 0 || --users > 0) return;
  for (const h of hooked.splice(0)) {
    if (h.manager.with !== h.wrapper) continue; // someone wrapped it again since: leave theirs in place
    if (h.own) Object.defineProperty(h.manager, 'with', h.own);
    else delete (h.manager as { with?: With }).with;
  }
}
