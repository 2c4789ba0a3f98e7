// pprof → ProfileModel. The protobuf decoder (pprof-format) happily returns a half-empty object
// for many byte strings that are not profiles at all, so everything it hands back is checked
// before use: a bad index must become a clear "not a profile" message, not a crash later on.
import { Profile } from 'pprof-format';
import { ViewInputError } from './errors.js';
import { ProfileBuilder, type ProfileModel, type SampleType } from './model.js';
import { messageOf } from '../runtime/report.js';

type Numeric = number | bigint;

export function loadPprof(bytes: Uint8Array, name: string): ProfileModel {
  let profile: Profile;
  try {
    profile = Profile.decode(bytes);
  } catch (err) {
    throw new ViewInputError(`not a profile: neither pprof nor V8 .cpuprofile (protobuf decoding failed: ${messageOf(err)})`);
  }
  const strings = profile.stringTable.strings;
  const str = (index: Numeric, what: string): string => {
    const i = Number(index);
    if (!Number.isInteger(i) || i < 0 || i >= strings.length) {
      throw new ViewInputError(`not a pprof profile (${what} points past the string table)`);
    }
    return strings[i];
  };

  if (profile.sampleType.length === 0) throw new ViewInputError('not a pprof profile (it declares no sample types)');
  const sampleTypes: SampleType[] = profile.sampleType.map((t) => ({ type: str(t.type, 'sample type'), unit: str(t.unit, 'sample unit') }));
  // pprof's rule: default_sample_type names a type; without it, tools show the last one.
  const defaultName = Number(profile.defaultSampleType) === 0 ? '' : str(profile.defaultSampleType, 'default sample type');
  const named = sampleTypes.findIndex((t) => t.type === defaultName);
  const defaultSampleType = named >= 0 ? named : sampleTypes.length - 1;

  const builder = new ProfileBuilder(sampleTypes.length);
  const functions = new Map<number, { name: string; file: string; startLine: number }>();
  for (const fn of profile.function) {
    const name = str(fn.name, 'function name') || str(fn.systemName, 'function system name');
    functions.set(Number(fn.id), { name, file: str(fn.filename, 'file name'), startLine: Number(fn.startLine) });
  }
  const mappingFiles = new Map<number, string>();
  for (const m of profile.mapping) mappingFiles.set(Number(m.id), str(m.filename, 'mapping file name'));

  // A location expands to one frame per line entry: line[0] is the innermost inlined function
  // and the last entry the function it was inlined into, which is already leaf-first order.
  const locationFrames = new Map<number, number[]>();
  for (const loc of profile.location) {
    const frames: number[] = [];
    for (const line of loc.line) {
      const fn = functions.get(Number(line.functionId));
      if (!fn) throw new ViewInputError(`not a pprof profile (location ${loc.id} uses unknown function ${line.functionId})`);
      frames.push(builder.frame(fn.name || '(unknown)', fn.file, fn.startLine > 0 ? fn.startLine : Number(line.line)));
    }
    if (frames.length === 0) {
      // Unsymbolized code (e.g. a native frame): the address is all there is to show.
      frames.push(builder.frame(`0x${BigInt(loc.address).toString(16)}`, mappingFiles.get(Number(loc.mappingId)) ?? '', 0));
    }
    locationFrames.set(Number(loc.id), frames);
  }

  for (const sample of profile.sample) {
    if (sample.value.length !== sampleTypes.length) {
      throw new ViewInputError(`not a pprof profile (a sample has ${sample.value.length} values for ${sampleTypes.length} sample types)`);
    }
    const stack: number[] = [];
    for (const id of sample.locationId) {
      const frames = locationFrames.get(Number(id));
      if (!frames) throw new ViewInputError(`not a pprof profile (a sample uses unknown location ${id})`);
      for (const f of frames) stack.push(f);
    }
    const labels: Array<[string, string]> = sample.label.map((l) => {
      const key = str(l.key, 'label key');
      if (Number(l.str) !== 0) return [key, str(l.str, 'label value')];
      const unit = Number(l.numUnit) !== 0 ? str(l.numUnit, 'label unit') : '';
      return [key, unit ? `${l.num} ${unit}` : String(l.num)];
    });
    builder.add(builder.stack(stack), builder.labelSet(labels), sample.value.map((v) => Number(v)));
  }
  return builder.build(name, 'pprof', sampleTypes, defaultSampleType, Number(profile.durationNanos));
}
