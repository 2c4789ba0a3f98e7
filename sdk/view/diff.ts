// `--diff-base`: NEW and BASE merged into one model so that every function and every call
// path has both values side by side. Functions and stacks are matched the way the viewer
// identifies them everywhere (name and file, root first), so a function only in one profile
// simply has zero on the other side.
import { ViewInputError } from './errors.js';
import { ProfileBuilder, type ProfileModel, type SampleType } from './model.js';
import { decideNormalization, type NormalizeChoice, type Normalization } from './normalize.js';
import { describeSampleTypes, resolveSampleType } from './sample-type.js';

export interface DiffModel {
  newName: string;
  baseName: string;
  /** The sample types both profiles have (same type and unit), in NEW's order. */
  sampleTypes: SampleType[];
  /**
   * Both profiles on one call tree. A sample's values are NEW's for each of `sampleTypes`,
   * then BASE's (raw, not scaled) for each: index `t` is NEW, `sampleTypes.length + t` BASE.
   */
  merged: ProfileModel;
  /** Per entry of `sampleTypes`: how BASE is scaled before it is subtracted. */
  normalization: Normalization[];
}

const key = (t: SampleType): string => `${t.type}/${t.unit}`;

function addProfile(builder: ProfileBuilder, model: ProfileModel, typeIndexes: number[], offset: number, width: number): void {
  const frames = model.frames.map((f) => builder.frame(f.name, f.file, f.line));
  const { parent, frame } = model.tree;
  const nodes = new Int32Array(parent.length);
  for (let i = 1; i < parent.length; i++) nodes[i] = builder.child(nodes[parent[i]], frames[frame[i]]);
  const labelSets = model.labelSets.map((set) => builder.labelSet(set));
  for (const s of model.samples) {
    const values = new Array<number>(width).fill(0);
    typeIndexes.forEach((ti, j) => (values[offset + j] = s.values[ti]));
    builder.add(nodes[s.node], labelSets[s.labels], values);
  }
}

function totalOf(model: ProfileModel, type: number): number {
  let sum = 0;
  for (const s of model.samples) sum += s.values[type];
  return sum;
}

export function diffProfiles(newModel: ProfileModel, baseModel: ProfileModel, choice: NormalizeChoice = 'auto'): DiffModel {
  const baseIndex = new Map(baseModel.sampleTypes.map((t, i) => [key(t), i]));
  const newIndexes: number[] = [];
  const baseIndexes: number[] = [];
  newModel.sampleTypes.forEach((t, i) => {
    const b = baseIndex.get(key(t));
    if (b !== undefined && !baseIndexes.includes(b)) {
      newIndexes.push(i);
      baseIndexes.push(b);
    }
  });
  if (newIndexes.length === 0) {
    throw new ViewInputError(
      `cannot compare ${newModel.name} with ${baseModel.name}: no sample type in common (${newModel.name} has ${describeSampleTypes(newModel)}; ${baseModel.name} has ${describeSampleTypes(baseModel)})`,
    );
  }
  const k = newIndexes.length;
  const builder = new ProfileBuilder(2 * k);
  addProfile(builder, newModel, newIndexes, 0, 2 * k);
  addProfile(builder, baseModel, baseIndexes, k, 2 * k);
  const sampleTypes = newIndexes.map((i) => ({ ...newModel.sampleTypes[i] }));
  const defaultIndex = Math.max(0, newIndexes.indexOf(newModel.defaultSampleType));
  const merged = builder.build(`${newModel.name} vs ${baseModel.name}`, newModel.format, [...sampleTypes, ...sampleTypes.map((t) => ({ ...t }))], defaultIndex, newModel.durationNanos);
  const normalization = sampleTypes.map((t, j) =>
    decideNormalization({
      choice,
      unit: t.unit,
      newTotal: totalOf(newModel, newIndexes[j]),
      baseTotal: totalOf(baseModel, baseIndexes[j]),
      newDuration: newModel.durationNanos,
      baseDuration: baseModel.durationNanos,
    }),
  );
  return { newName: newModel.name, baseName: baseModel.name, sampleTypes, merged, normalization };
}

/**
 * Index into `diff.sampleTypes` for `--sample-type` (resolved in NEW, which must share it with
 * BASE), or NEW's default when BASE has that too. Anything else is an error naming both
 * profiles' types, since silently comparing some other type would mislead.
 */
export function resolveDiffSampleType(diff: DiffModel, newModel: ProfileModel, baseModel: ProfileModel, requested: string | undefined): number {
  const both = `${newModel.name} has ${describeSampleTypes(newModel)}; ${baseModel.name} has ${describeSampleTypes(baseModel)}`;
  const common = diff.sampleTypes.map(key).join(', ');
  let wanted: SampleType;
  if (requested === undefined) {
    wanted = newModel.sampleTypes[newModel.defaultSampleType];
  } else {
    let inNew: number;
    try {
      inNew = resolveSampleType(newModel, requested);
    } catch {
      throw new ViewInputError(`unknown sample type "${requested}": it is not in ${newModel.name} (${both})`);
    }
    wanted = newModel.sampleTypes[inNew];
  }
  const found = diff.sampleTypes.findIndex((t) => key(t) === key(wanted));
  if (found >= 0) return found;
  const what = requested === undefined ? `the default sample type of ${newModel.name}, ${key(wanted)},` : `sample type ${key(wanted)}`;
  throw new ViewInputError(`sample types differ: ${what} is not in ${baseModel.name} (${both}); pick one both have with --sample-type (${common})`);
}
