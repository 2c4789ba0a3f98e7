// --focus: keep only the samples whose stack has a frame matching a regular expression, like
// `go tool pprof -focus`. Matching is decided once per call-tree node (parents come first in
// the tree, so one forward pass suffices) instead of once per sample.
import { ViewInputError } from './errors.js';
import type { ProfileModel } from './model.js';
import { messageOf } from '../runtime/report.js';

export function compileFocus(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new ViewInputError(`bad --focus value "${source}": ${messageOf(err)}`);
  }
}

/** A copy of the model with only the matching samples; frames are tested by name and by file. */
export function focusProfile(model: ProfileModel, pattern: RegExp): ProfileModel {
  const frameMatches = model.frames.map((f) => pattern.test(f.name) || (f.file !== '' && pattern.test(f.file)));
  const { parent, frame } = model.tree;
  const nodeMatches = new Array<boolean>(parent.length).fill(false);
  for (let i = 1; i < parent.length; i++) nodeMatches[i] = frameMatches[frame[i]] || nodeMatches[parent[i]];
  return { ...model, samples: model.samples.filter((s) => nodeMatches[s.node]) };
}
