// The native-heap aggregator's per-process values → a `native-heap` pprof profile.
// Sample types (docs/native-heap.md): alloc_objects/count, alloc_space/bytes (sampled
// allocations of the period, freed ones included), inuse_objects/count, inuse_space/bytes (live
// at the end of the period, or when the process started to exit), peak_inuse_objects/count,
// peak_inuse_space/bytes (live at the moment the process's estimated live bytes reached their
// maximum in the period), temporary_objects/count, temporary_space/bytes (allocations freed
// before their thread allocated anything else); default inuse_space.
// Every value is an unbiased estimate: a sampled allocation of s bytes under byte-weighted
// sampling with mean interval m was sampled with probability p = 1 - exp(-s/m), so it stands for
// 1/p allocations and s/p bytes. Each sample carries the owner's pid as the label `pid`, and the
// samples of a process that ended in the period the label `exit` (why it ended).
import { Label, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { PprofLocations, type LocationExtras } from './locations.js';
import type { CoreTables } from '../core/core.js';

/** [objects, bytes], both estimates. */
export type Weighted = [number, number];
/** Stack handle → values. */
export type StackValues = Map<number, Weighted>;

/** One process's values for one period. */
export interface NativeHeapValues {
  inuse: StackValues;
  peak: StackValues;
  allocs: StackValues;
  temporary: StackValues;
}

export interface NativeHeapOwnerInput {
  pid: number;
  /** Further labels of every sample of this process (e.g. ['exit', 'exit code 0']). */
  labels: Array<[string, string]>;
  values: NativeHeapValues;
}

export interface NativeHeapProfileInput {
  tables: CoreTables;
  owners: readonly NativeHeapOwnerInput[];
  timeNanos: number;
  durationNanos: number;
  period: number;
  comments: string[];
  /** Addresses and mappings (with build ids) for native frames. */
  extras?: LocationExtras;
}

export const NATIVE_HEAP_SAMPLE_TYPES: ReadonlyArray<readonly [string, string]> = [
  ['alloc_objects', 'count'], ['alloc_space', 'bytes'], ['inuse_objects', 'count'], ['inuse_space', 'bytes'],
  ['peak_inuse_objects', 'count'], ['peak_inuse_space', 'bytes'], ['temporary_objects', 'count'], ['temporary_space', 'bytes'],
];

/** Weight of one sampled allocation of `size` bytes under mean interval `mean`: [objects, bytes]. */
export function sampleWeight(size: number, mean: number): [number, number] {
  if (size <= 0) return [0, 0];
  const p = mean <= 1 ? 1 : -Math.expm1(-size / mean);
  return [1 / p, size / p];
}

export function buildNativeHeapProfile(input: NativeHeapProfileInput): Profile {
  const { tables } = input;
  const strings = new StringTable();
  const str = (s: string): number => strings.dedup(s);
  const locs = new PprofLocations(tables, str, input.extras);
  const samples: Sample[] = [];
  for (const owner of input.owners) {
    const rows = new Map<number, number[]>();
    const put = (m: StackValues, at: number) => {
      for (const [stack, [o, b]] of m) {
        if (stack === 0) continue;
        let v = rows.get(stack);
        if (!v) { v = [0, 0, 0, 0, 0, 0, 0, 0]; rows.set(stack, v); }
        v[at] += o; v[at + 1] += b;
      }
    };
    put(owner.values.allocs, 0); put(owner.values.inuse, 2); put(owner.values.peak, 4); put(owner.values.temporary, 6);
    const label = [new Label({ key: str('pid'), str: str(String(owner.pid)) }), ...owner.labels.map(([k, v]) => new Label({ key: str(k), str: str(v) }))];
    for (const [stack, v] of rows) {
      const values = v.map((x) => Math.round(x));
      if (values.every((x) => x === 0)) continue;
      samples.push(new Sample({ locationId: locs.stack(stack), value: values, label }));
    }
  }
  const sampleType = NATIVE_HEAP_SAMPLE_TYPES.map(([t, u]) => new ValueType({ type: str(t), unit: str(u) }));
  return new Profile({
    sampleType, sample: samples, location: locs.locations, function: locs.functions, mapping: locs.mappings, stringTable: strings,
    timeNanos: input.timeNanos, durationNanos: input.durationNanos,
    periodType: new ValueType({ type: str('space'), unit: str('bytes') }), period: input.period,
    comment: input.comments.map(str), defaultSampleType: str('inuse_space'),
  });
}
