// Live map of the native-heap aggregator → a `native-heap` pprof profile.
// Sample types: alloc_objects/count, alloc_space/bytes (sampled allocations of the period),
// inuse_objects/count, inuse_space/bytes (live at the end of the period); default inuse_space.
// Every value is an unbiased estimate: a sampled allocation of s bytes under byte-weighted
// sampling with mean interval m was sampled with probability p = 1 - exp(-s/m), so it stands for
// 1/p allocations and s/p bytes. Each sample carries the owner's pid as the label `pid`.
import { Label, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { PprofLocations } from './locations.js';
import type { CoreTables } from '../core/core.js';

export interface AllocAccumulator { owner: number; stack: number; objects: number; bytes: number }

export interface NativeHeapProfileInput {
  tables: CoreTables;
  /** Mean sampling interval per owner (bytes). */
  intervalOf: (owner: number) => number;
  /** Sampled allocations of the period, already weighted. */
  allocs: Iterable<AllocAccumulator>;
  timeNanos: number;
  durationNanos: number;
  period: number;
  comments: string[];
}

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
  const locs = new PprofLocations(tables, str);
  // (owner, stack) → [alloc_objects, alloc_space, inuse_objects, inuse_space]
  const rows = new Map<string, { owner: number; stack: number; v: [number, number, number, number] }>();
  const row = (owner: number, stack: number) => {
    const k = `${owner}:${stack}`;
    let r = rows.get(k);
    if (!r) { r = { owner, stack, v: [0, 0, 0, 0] }; rows.set(k, r); }
    return r;
  };
  for (const e of tables.liveEntries()) {
    const [o, b] = sampleWeight(e.size, input.intervalOf(e.owner));
    const r = row(e.owner, e.stack);
    r.v[2] += o; r.v[3] += b;
  }
  for (const a of input.allocs) {
    const r = row(a.owner, a.stack);
    r.v[0] += a.objects; r.v[1] += a.bytes;
  }
  const samples: Sample[] = [];
  for (const r of rows.values()) {
    samples.push(new Sample({ locationId: locs.stack(r.stack), value: r.v.map((x) => Math.round(x)), label: [new Label({ key: str('pid'), str: str(String(r.owner)) })] }));
  }
  const sampleType = [['alloc_objects', 'count'], ['alloc_space', 'bytes'], ['inuse_objects', 'count'], ['inuse_space', 'bytes']]
    .map(([t, u]) => new ValueType({ type: str(t), unit: str(u) }));
  return new Profile({
    sampleType, sample: samples, location: locs.locations, function: locs.functions, stringTable: strings,
    timeNanos: input.timeNanos, durationNanos: input.durationNanos,
    periodType: new ValueType({ type: str('space'), unit: str('bytes') }), period: input.period,
    comment: input.comments.map(str), defaultSampleType: str('inuse_space'),
  });
}
