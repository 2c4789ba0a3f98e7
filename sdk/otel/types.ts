// What wasmprof/otel needs of a profiler: runWithLabels and currentLabels (a started Profiler has
// both), so the processor works with any object that labels samples the same way.
import type { Profiler } from '../profiler/types.js';

export type LabelRunner = Pick<Profiler, 'runWithLabels' | 'currentLabels'>;
