// Label sets → the core's label-set handles for one period: the static labels (service, version,
// env) merged into every set, each distinct set interned once.
import type { Core } from '../core/core.js';
import type { LabelHandles } from '../ingest/cpu.js';
import type { LabelSet } from '../sources/labels.js';

export function labelHandles(core: Core, staticLabels: ReadonlyArray<[string, string]>): LabelHandles {
  const fixed = Object.fromEntries(staticLabels);
  const cache = new Map<LabelSet | undefined, number>();
  let unknown = -1;
  return {
    handle(set) {
      let h = cache.get(set);
      if (h === undefined) {
        h = core.internLabels(set ? { ...fixed, ...set.labels } : fixed);
        cache.set(set, h);
      }
      return h;
    },
    unknown() {
      if (unknown < 0) unknown = core.internLabels({ ...fixed, wasmprof_labels: 'unknown' });
      return unknown;
    },
  };
}
