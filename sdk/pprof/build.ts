// The core's tables of one period → pprof Profiles (pprof-format); gzip.ts turns them into bytes.
// Sample types are named as the ecosystem names them (go tool pprof, speedscope, Datadog):
//   wall: samples/count + wall/nanoseconds      (period: wall/nanoseconds = sampling interval)
//   cpu:  samples/count + cpu/nanoseconds       (period: cpu/nanoseconds = sampling interval)
//   heap: inuse_objects/count + inuse_space/bytes (period: inuse_space/bytes = heap sampling interval,
//         as @datadog/pprof — and so the Pyroscope and Datadog Node clients — name it: Pyroscope
//         builds series names from it, memory:inuse_space:bytes:inuse_space:bytes); with allocations
//         counted, alloc_objects/count + alloc_space/bytes first, as Go's heap profile orders them
//         (default still inuse_space)
// Functions carry name, file name and 1-based start line; each core frame becomes one location
// whose line is the function's line. Label sets become pprof string labels.
import { Label, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { PprofLocations } from './locations.js';
import type { CoreTables } from '../core/core.js';
import { KIND_CPU } from '../ingest/cpu.js';
import { KIND_HEAP } from '../ingest/heap.js';
import type { JsProfileType } from './profile-types.js';
import { runNow, TimeSlicer, type Steps } from '../runtime/slices.js';

export interface BuildInput {
  tables: CoreTables;
  type: JsProfileType;
  /** Wall-clock start of the period, ns since the epoch. */
  timeNanos: number;
  durationNanos: number;
  /** Sampling interval: ns for wall/cpu, bytes for heap. */
  period: number;
  comments: string[];
  /** heap: the source counted allocations, so alloc_objects/alloc_space are added. */
  allocations?: boolean;
}

/** `values`: which of the core's four values each sample type takes; `defaultType`: its index. */
interface TypeSpec { kind: number; sampleTypes: Array<[string, string]>; periodType: [string, string]; values: number[]; defaultType: number; keep: (v: readonly number[]) => boolean }

const SPECS: Record<JsProfileType, TypeSpec> = {
  wall: { kind: KIND_CPU, sampleTypes: [['samples', 'count'], ['wall', 'nanoseconds']], periodType: ['wall', 'nanoseconds'], values: [0, 1], defaultType: 1, keep: () => true },
  cpu: { kind: KIND_CPU, sampleTypes: [['samples', 'count'], ['cpu', 'nanoseconds']], periodType: ['cpu', 'nanoseconds'], values: [0, 2], defaultType: 1, keep: (v) => v[2] > 0 },
  heap: { kind: KIND_HEAP, sampleTypes: [['inuse_objects', 'count'], ['inuse_space', 'bytes']], periodType: ['inuse_space', 'bytes'], values: [0, 1], defaultType: 1, keep: (v) => v[1] > 0 },
};

const HEAP_WITH_ALLOCATIONS: TypeSpec = {
  kind: KIND_HEAP,
  sampleTypes: [['alloc_objects', 'count'], ['alloc_space', 'bytes'], ['inuse_objects', 'count'], ['inuse_space', 'bytes']],
  periodType: ['inuse_space', 'bytes'], values: [2, 3, 0, 1], defaultType: 3, keep: (v) => v[1] > 0 || v[3] > 0,
};

/** buildProfileSteps in one go. */
export function buildProfile(input: BuildInput): Profile {
  return runNow(buildProfileSteps(input, new TimeSlicer(Infinity)));
}

export function* buildProfileSteps(input: BuildInput, slicer: TimeSlicer): Steps<Profile> {
  const spec = input.type === 'heap' && input.allocations ? HEAP_WITH_ALLOCATIONS : SPECS[input.type];
  const { tables } = input;
  const strings = new StringTable();
  const str = (s: string): number => strings.dedup(s);
  const locs = new PprofLocations(tables, str);
  const labelCache = new Map<number, Label[]>();

  const labels = (handle: number): Label[] => {
    let out = labelCache.get(handle);
    if (!out) {
      out = handle === 0 ? [] : tables.labels(handle).map(([k, v]) => new Label({ key: str(k), str: str(v) }));
      labelCache.set(handle, out);
    }
    return out;
  };

  const samples: Sample[] = [];
  for (const row of tables.samples(spec.kind)) {
    if (!spec.keep(row.values)) continue;
    samples.push(new Sample({ locationId: locs.stack(row.stack), value: spec.values.map((i) => row.values[i]), label: labels(row.labels) }));
    if (slicer.due()) yield;
  }

  const sampleType = spec.sampleTypes.map(([t, u]) => new ValueType({ type: str(t), unit: str(u) }));
  const periodType = new ValueType({ type: str(spec.periodType[0]), unit: str(spec.periodType[1]) });
  const comment = input.comments.map(str);
  const defaultSampleType = str(spec.sampleTypes[spec.defaultType][0]);
  return new Profile({
    sampleType, sample: samples, location: locs.locations, function: locs.functions, stringTable: strings,
    timeNanos: input.timeNanos, durationNanos: input.durationNanos, periodType, period: input.period,
    comment, defaultSampleType,
  });
}

