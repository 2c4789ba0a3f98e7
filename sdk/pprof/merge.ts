// Merges several pprof profiles of the same type (consecutive periods of one process) into one,
// for a flame graph of a whole run. Strings, functions and locations are re-indexed into one
// table; samples are concatenated (viewers add up samples with equal stacks). The sample types
// must be the same in every input.
import { gunzipSync } from 'node:zlib';
import { Function as PprofFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';

type Numeric = number | bigint;

function decode(bytes: Uint8Array): Profile {
  const raw = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return Profile.decode(raw);
}

export function mergeProfiles(inputs: Uint8Array[]): Profile {
  if (inputs.length === 0) throw new Error('wasmprof: nothing to merge');
  const profiles = inputs.map(decode);
  const strings = new StringTable();
  const str = (s: string): number => strings.dedup(s);
  const first = profiles[0];
  const typeKey = (p: Profile) => p.sampleType.map((t) => `${p.stringTable.strings[Number(t.type)]}/${p.stringTable.strings[Number(t.unit)]}`).join(',');
  const want = typeKey(first);
  const functions: PprofFunction[] = [];
  const locations: Location[] = [];
  const samples: Sample[] = [];
  const comments = new Set<string>();
  const fnIds = new Map<string, number>();
  const locIds = new Map<string, number>();
  let start = Infinity, end = -Infinity;

  for (const p of profiles) {
    if (typeKey(p) !== want) throw new Error(`wasmprof: cannot merge profiles with sample types ${want} and ${typeKey(p)}`);
    const S = p.stringTable.strings;
    const s = (i: Numeric): number => str(S[Number(i)] ?? '');
    const fnMap = new Map<number, number>();
    for (const f of p.function) {
      const key = `${S[Number(f.name)]}\u0000${S[Number(f.filename)]}\u0000${f.startLine}`;
      let id = fnIds.get(key);
      if (id === undefined) {
        id = functions.length + 1;
        functions.push(new PprofFunction({ id, name: s(f.name), systemName: s(f.systemName), filename: s(f.filename), startLine: f.startLine }));
        fnIds.set(key, id);
      }
      fnMap.set(Number(f.id), id);
    }
    const locMap = new Map<number, number>();
    for (const l of p.location) {
      const lines = l.line.map((ln) => ({ functionId: fnMap.get(Number(ln.functionId)) ?? 0, line: Number(ln.line) }));
      const key = lines.map((ln) => `${ln.functionId}:${ln.line}`).join(';');
      let id = locIds.get(key);
      if (id === undefined) {
        id = locations.length + 1;
        locations.push(new Location({ id, line: lines.map((ln) => new Line(ln)) }));
        locIds.set(key, id);
      }
      locMap.set(Number(l.id), id);
    }
    for (const sm of p.sample) {
      samples.push(new Sample({
        locationId: sm.locationId.map((id) => locMap.get(Number(id)) ?? 0),
        value: sm.value,
        label: sm.label.map((lb) => new Label({ key: s(lb.key), str: s(lb.str), num: lb.num, numUnit: Number(lb.numUnit) === 0 ? 0 : s(lb.numUnit) })),
      }));
    }
    for (const c of p.comment) comments.add(S[Number(c)]);
    const t = Number(p.timeNanos);
    if (t > 0) { start = Math.min(start, t); end = Math.max(end, t + Number(p.durationNanos)); }
  }
  const FS = first.stringTable.strings;
  return new Profile({
    sampleType: first.sampleType.map((t) => new ValueType({ type: str(FS[Number(t.type)]), unit: str(FS[Number(t.unit)]) })),
    sample: samples, location: locations, function: functions, stringTable: strings,
    timeNanos: Number.isFinite(start) ? start : 0, durationNanos: Number.isFinite(start) ? end - start : 0,
    periodType: first.periodType ? new ValueType({ type: str(FS[Number(first.periodType.type)]), unit: str(FS[Number(first.periodType.unit)]) }) : undefined,
    period: first.period,
    comment: [...comments].map(str),
    defaultSampleType: Number(first.defaultSampleType) === 0 ? 0 : str(FS[Number(first.defaultSampleType)]),
  });
}
