// Builds and reads gzipped pprof with pprof-format, for fake collectors and server-side checks.
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';

export function makePprof(opts: { type?: 'wall' | 'cpu' | 'heap'; marker?: string; padBytes?: number; value?: number } = {}): Uint8Array {
  const type = opts.type ?? 'wall';
  const st = new StringTable();
  const s = (x: string): number => st.dedup(x);
  const sampleType = type === 'heap'
    ? [new ValueType({ type: s('inuse_objects'), unit: s('count') }), new ValueType({ type: s('inuse_space'), unit: s('bytes') })]
    : [new ValueType({ type: s('samples'), unit: s('count') }), new ValueType({ type: s(type), unit: s('nanoseconds') })];
  const fn = new PprofFunction({ id: 1, name: s(opts.marker ?? 'main'), systemName: s(opts.marker ?? 'main'), filename: s('/app/main.js'), startLine: 3 });
  const loc = new Location({ id: 1, line: [new Line({ functionId: 1, line: 3 })] });
  const comments: number[] = [];
  if (opts.padBytes) {
    // Random filler (base64: gzip keeps about 3/4 of it) so that profiles have real sizes.
    comments.push(s(randomBytes(Math.ceil(opts.padBytes * 3 / 4)).toString('base64').slice(0, opts.padBytes)));
  }
  const v = opts.value ?? 7;
  const profile = new Profile({
    sampleType,
    sample: [new Sample({ locationId: [1], value: [v, v * 10_000_000] })],
    location: [loc],
    function: [fn],
    stringTable: st,
    timeNanos: 1_700_000_000_000_000_000n,
    durationNanos: 10_000_000_000,
    periodType: sampleType[1],
    period: type === 'heap' ? 524288 : 10_000_000,
    comment: comments,
  });
  return new Uint8Array(gzipSync(profile.encode()));
}

export function readPprof(gz: Uint8Array): Profile {
  return Profile.decode(new Uint8Array(gunzipSync(gz)));
}

/** Sample type names and the marker function name of a decoded profile. */
export function summary(p: Profile): { sampleTypes: string[]; functions: string[]; total: number } {
  const str = (i: number | bigint): string => p.stringTable.strings[Number(i)];
  return {
    sampleTypes: p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`),
    functions: p.function.map((f) => str(f.name)),
    total: p.sample.reduce((n, smp) => n + Number(smp.value[0]), 0),
  };
}
