// Profiles for the differential-view tests, built with pprof-format so every number is known:
// BASE runs A and B 2:1 for 2 s, NEW runs them 1:2 for 1 s. Both call `helper` (a third of each
// one's time), so per function `helper` is unchanged while per call path it shrank under A and
// grew under B. `legacy` is only in BASE, `fresh` only in NEW. (Not a test file: tap only runs
// *.test.ts.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Function as PFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';

export const MS = 1_000_000;

const FILES: Record<string, string> = {
  main: '/srv/app/main.js',
  work: '/srv/app/work.js',
  A: '/srv/app/a.js',
  B: '/srv/app/b.js',
  helper: '/srv/app/node_modules/helper/index.js',
  legacy: '/srv/app/legacy.js',
  fresh: '/srv/app/fresh.js',
};

interface Build {
  /** Stacks leaf first, written "leaf;caller;...", with a wall time in ms. */
  stacks: Record<string, number>;
  durationMs: number;
  sampleTypes?: Array<[string, string]>;
  defaultType?: string;
}

export function buildProfile({ stacks, durationMs, sampleTypes = [['samples', 'count'], ['wall', 'nanoseconds']], defaultType = 'wall' }: Build): Uint8Array {
  const st = new StringTable();
  const names = Object.keys(FILES);
  const fns = names.map((name, i) => new PFunction({ id: i + 1, name: st.dedup(name), systemName: st.dedup(name), filename: st.dedup(FILES[name]), startLine: 10 * (i + 1) }));
  const locs = names.map((name, i) => new Location({ id: i + 1, address: BigInt(0x1000 + i * 16), line: [new Line({ functionId: i + 1, line: 10 * (i + 1) + 1 })] }));
  const sample = Object.entries(stacks).map(([stack, ms]) => new Sample({
    locationId: stack.split(';').map((n) => names.indexOf(n) + 1),
    // One sample per 10 ms, then the time; every further type (if any) gets the time too.
    value: sampleTypes.map(([type]) => (type === 'samples' ? ms / 10 : ms * MS)),
  }));
  const profile = new Profile({
    sampleType: sampleTypes.map(([type, unit]) => new ValueType({ type: st.dedup(type), unit: st.dedup(unit) })),
    sample,
    location: locs,
    function: fns,
    stringTable: st,
    timeNanos: 1_700_000_000_000_000_000n,
    durationNanos: durationMs * MS,
    periodType: new ValueType({ type: st.dedup('wall'), unit: st.dedup('nanoseconds') }),
    period: 10 * MS,
    defaultSampleType: st.dedup(defaultType),
  });
  return profile.encode();
}

/** A 2:1 for 2 s: A 1200 ms (400 of them in helper), B 600 ms (200 in helper), legacy 200 ms. */
export const BASE_STACKS = {
  'A;work;main': 800,
  'helper;A;work;main': 400,
  'B;work;main': 400,
  'helper;B;work;main': 200,
  'legacy;main': 200,
};
/** A 1:2 for 1 s: A 300 ms (100 in helper), B 600 ms (200 in helper), fresh 100 ms. */
export const NEW_STACKS = {
  'A;work;main': 200,
  'helper;A;work;main': 100,
  'B;work;main': 400,
  'helper;B;work;main': 200,
  'fresh;main': 100,
};

/** Writes base.pb.gz (2:1, 2 s) and new.pb.gz (1:2, 1 s) into `dir`, plus variants. */
export function writeDiffProfiles(dir: string): Record<'base' | 'fresh' | 'sameWindowBase' | 'cpuOnly', string> {
  const out = {
    base: join(dir, 'base.pb.gz'),
    fresh: join(dir, 'new.pb.gz'),
    // The same 2:1 workload recorded over NEW's 1 s window: nothing is scaled by default.
    sameWindowBase: join(dir, 'base-1s.pb.gz'),
    // A Go-style CPU profile: its types (samples/count, cpu/nanoseconds) differ from NEW's default.
    cpuOnly: join(dir, 'cpu.pb.gz'),
  };
  writeFileSync(out.base, gzipSync(buildProfile({ stacks: BASE_STACKS, durationMs: 2000 })));
  writeFileSync(out.fresh, gzipSync(buildProfile({ stacks: NEW_STACKS, durationMs: 1000 })));
  writeFileSync(out.sameWindowBase, gzipSync(buildProfile({ stacks: BASE_STACKS, durationMs: 1000 })));
  writeFileSync(out.cpuOnly, gzipSync(buildProfile({ stacks: BASE_STACKS, durationMs: 2000, sampleTypes: [['samples', 'count'], ['cpu', 'nanoseconds']], defaultType: 'cpu' })));
  return out;
}
