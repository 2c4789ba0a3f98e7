// What other parts of wasmprof (and users) may import from the viewer.
export { ViewInputError } from './errors.js';
export type { Frame, ProfileModel, Sample, SampleType, CallTree } from './model.js';
export { parseProfile, readProfileFile } from './read-profile.js';
export { resolveSampleType } from './sample-type.js';
export { compileFocus, focusProfile } from './focus.js';
export { computeTop, formatTop, type TopRow, type TopTable } from './top-table.js';
export { formatValue } from './format-value.js';
export { renderFlameGraphHtml, writeFlameGraphHtml, type FlameGraphOptions } from './html/write-flame-graph.js';
export { diffProfiles, resolveDiffSampleType, type DiffModel } from './diff.js';
export { computeDiffTop, formatDiffTop, formatDelta, type DiffTopRow, type DiffTopTable } from './diff-top.js';
export { decideNormalization, parseNormalizeChoice, type Normalization, type NormalizeChoice } from './normalize.js';
export { renderDiffFlameGraphHtml } from './html/write-flame-graph.js';
