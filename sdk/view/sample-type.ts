// Picking a sample type by the name people type (`wall`, `inuse_space`), or `type/unit` when a
// profile has two types of the same name.
import { ViewInputError } from './errors.js';
import type { ProfileModel } from './model.js';

export function describeSampleTypes(model: ProfileModel): string {
  return model.sampleTypes.map((t) => `${t.type}/${t.unit}`).join(', ');
}

/** Index of the requested sample type, or the profile's default when none is requested. */
export function resolveSampleType(model: ProfileModel, requested: string | undefined): number {
  if (requested === undefined) return model.defaultSampleType;
  const want = requested.toLowerCase();
  const byFull = model.sampleTypes.findIndex((t) => `${t.type}/${t.unit}`.toLowerCase() === want);
  if (byFull >= 0) return byFull;
  const byType = model.sampleTypes.findIndex((t) => t.type.toLowerCase() === want);
  if (byType >= 0) return byType;
  throw new ViewInputError(`unknown sample type "${requested}" for ${model.name} (it has: ${describeSampleTypes(model)})`);
}
