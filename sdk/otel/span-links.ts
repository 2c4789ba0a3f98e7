// Which labels each span started by a WasmprofSpanProcessor stands for: the labels of its local
// root span ({span_id, span_name}), shared by every span under that root. Kept per span object,
// weakly, so a span (and what it links to) goes when the application drops it.
import type { Labels } from '../sources/labels.js';
import type { LabelRunner } from './types.js';

/** Label keys of Pyroscope's span profiles: the local root span's id (16 hex digits, as
 *  OpenTelemetry writes it) and its name. */
export const SPAN_ID_LABEL = 'span_id';
export const SPAN_NAME_LABEL = 'span_name';
/** Attribute put on each local root span: the value of its samples' span_id label. */
export const PROFILE_ID_ATTRIBUTE = 'pyroscope.profile.id';

/** One processor's side of the links: the profiler its spans label, and whether it still does. */
export interface LinkOwner {
  readonly profiler: LabelRunner;
  closed: boolean;
}

export interface SpanLink {
  readonly owner: LinkOwner;
  /** {span_id, span_name} of the local root span. */
  readonly labels: Labels;
  readonly spanId: string;
}

const links = new WeakMap<object, SpanLink>();

export function linkOf(span: object | undefined): SpanLink | undefined {
  if (span === undefined) return undefined;
  const link = links.get(span);
  return link === undefined || link.owner.closed ? undefined : link;
}

export function setLink(span: object, link: SpanLink): void {
  links.set(span, link);
}
