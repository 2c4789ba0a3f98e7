// The JSON the HTML page embeds. It carries samples rather than a finished flame tree because
// the page must re-total the tree itself when the user filters by label or switches sample type.
import type { DiffModel } from '../diff.js';
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
  /**
   * Flattened samples: node, label set, then one value per sample type, repeated. A
   * differential profile has two values per sample type: all of NEW's, then all of BASE's.
   */
  samples: number[];
  /** Present on a differential profile (`--diff-base`). */
  diff?: ViewerDiff;
}

export interface ViewerDiff {
  baseName: string;
  /** Per sample type: the factor BASE's values are multiplied by before they are subtracted. */
  scale: number[];
  /** Per sample type: the normalization as a sentence, shown on the page. */
  normalization: string[];
}

export interface ViewerData {
  title: string;
  profiles: ViewerProfile[];
  /** What the page shows first. */
  initial: { profile: number; sampleType: number };
}

/**
 * Label keys with more distinct values than this (timestamps, span ids) are left out of the
 * page: nobody filters by one of 50,000 values from a menu, and dropping them lets samples that
 * differ only in such a label merge, which can shrink the page tenfold.
 */
export const MAX_LABEL_VALUES = 100;

/** The model's samples re-keyed on the label sets the page keeps, merged where they now coincide. */
function pageSamples(model: ProfileModel): { labelSets: Array<Array<[string, string]>>; samples: number[] } {
  const distinct = new Map<string, Set<string>>();
  for (const set of model.labelSets) {
    for (const [k, v] of set) {
      let values = distinct.get(k);
      if (!values) distinct.set(k, (values = new Set()));
      values.add(v);
    }
  }
  const keep = (k: string): boolean => (distinct.get(k)?.size ?? 0) <= MAX_LABEL_VALUES;
  const labelSets: Array<Array<[string, string]>> = [];
  const setIndex = new Map<string, number>();
  const remap = model.labelSets.map((set) => {
    const kept = set.filter(([k]) => keep(k));
    const key = JSON.stringify(kept);
    let i = setIndex.get(key);
    if (i === undefined) {
      setIndex.set(key, (i = labelSets.length));
      labelSets.push(kept);
    }
    return i;
  });
  const merged = new Map<string, number[]>();
  for (const s of model.samples) {
    const key = `${s.node}:${remap[s.labels]}`;
    const row = merged.get(key);
    if (row) s.values.forEach((v, i) => (row[2 + i] += v));
    else merged.set(key, [s.node, remap[s.labels], ...s.values]);
  }
  const samples: number[] = [];
  for (const row of merged.values()) for (const v of row) samples.push(v);
  return { labelSets, samples };
}

export function toViewerProfile(model: ProfileModel): ViewerProfile {
  const { labelSets, samples } = pageSamples(model);
  return {
    name: model.name,
    sampleTypes: model.sampleTypes.map((t) => ({ type: t.type, unit: t.unit })),
    defaultSampleType: model.defaultSampleType,
    frames: model.frames.map((f) => [f.name, f.file, f.line]),
    parent: model.tree.parent,
    frame: model.tree.frame,
    labelSets,
    samples,
  };
}

/** JSON that is safe inside a <script> element: no "</script>" or "<!--" can appear in it. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The page data of a `--diff-base` comparison: NEW's and BASE's samples on one call tree. */
export function toViewerDiffProfile(diff: DiffModel, initialSampleType: number): ViewerProfile {
  const merged = toViewerProfile(diff.merged);
  return {
    ...merged,
    name: diff.newName,
    sampleTypes: diff.sampleTypes.map((t) => ({ type: t.type, unit: t.unit })),
    defaultSampleType: initialSampleType,
    diff: {
      baseName: diff.baseName,
      scale: diff.normalization.map((n) => n.scale),
      normalization: diff.normalization.map((n) => n.statement),
    },
  };
}
