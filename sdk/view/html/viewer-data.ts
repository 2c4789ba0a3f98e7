// The JSON the HTML page embeds. It carries samples rather than a finished flame tree because
// the page must re-total the tree itself when the user filters by label or switches sample type.
import type { ProfileModel } from '../model.js';

export interface ViewerProfile {
  name: string;
  sampleTypes: Array<{ type: string; unit: string }>;
  defaultSampleType: number;
  /** [name, file, line] per frame; arrays instead of objects keep big profiles small. */
  frames: Array<[string, string, number]>;
  /** The call tree: node i has parent[i] (smaller than i) and frame[i]; node 0 is the root. */
  parent: number[];
  frame: number[];
  labelSets: Array<Array<[string, string]>>;
  /** Flattened samples: node, label set, then one value per sample type, repeated. */
  samples: number[];
}

export interface ViewerData {
  title: string;
  profiles: ViewerProfile[];
  /** What the page shows first. */
  initial: { profile: number; sampleType: number };
}

export function toViewerProfile(model: ProfileModel): ViewerProfile {
  const samples: number[] = [];
  for (const s of model.samples) samples.push(s.node, s.labels, ...s.values);
  return {
    name: model.name,
    sampleTypes: model.sampleTypes.map((t) => ({ type: t.type, unit: t.unit })),
    defaultSampleType: model.defaultSampleType,
    frames: model.frames.map((f) => [f.name, f.file, f.line]),
    parent: model.tree.parent,
    frame: model.tree.frame,
    labelSets: model.labelSets,
    samples,
  };
}

/** JSON that is safe inside a <script> element: no "</script>" or "<!--" can appear in it. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
