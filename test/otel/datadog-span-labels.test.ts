// The Datadog rename of wasmprof/otel's labels, sample by sample: a 16-hex-digit span_id becomes
// `local root span id` and `span id` in decimal (all 64 bits, past 2^53), span_name beside it
// `trace endpoint`; anything else called span_id (and the span_name next to it) stays a custom
// label; other labels are untouched. Also through combineWallCpu's merge and for space.pprof.
import t from 'tap';
import { gzipSync } from 'node:zlib';
import { Function as PprofFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { datadogAttachmentsSync } from '../../sdk/export/datadog-profile.js';
import { readPprof } from '../export/helpers/pprof.js';

type Labels = Record<string, string>;

function profile(type: 'wall' | 'cpu' | 'heap', samples: Labels[]): Uint8Array {
  const st = new StringTable();
  const s = (x: string): number => st.dedup(x);
  const sampleType = type === 'heap'
    ? [new ValueType({ type: s('inuse_objects'), unit: s('count') }), new ValueType({ type: s('inuse_space'), unit: s('bytes') })]
    : [new ValueType({ type: s('samples'), unit: s('count') }), new ValueType({ type: s(type), unit: s('nanoseconds') })];
  const p = new Profile({
    sampleType,
    sample: samples.map((labels, i) => new Sample({ locationId: [1], value: [i + 1, (i + 1) * 1000], label: Object.entries(labels).map(([k, v]) => new Label({ key: s(k), str: s(v) })) })),
    location: [new Location({ id: 1, line: [new Line({ functionId: 1, line: 3 })] })],
    function: [new PprofFunction({ id: 1, name: s('work'), systemName: s('work'), filename: s('/app/main.js'), startLine: 3 })],
    stringTable: st, periodType: sampleType[1], period: 1000,
  });
  return new Uint8Array(gzipSync(p.encode()));
}

const labelsOf = (p: Profile): Labels[] => p.sample.map((smp) => {
  const l = Object.fromEntries(smp.label.map((x) => [p.stringTable.strings[Number(x.key)], p.stringTable.strings[Number(x.str)]]));
  for (const k of ['thread name', 'thread id', 'os thread id']) delete l[k];
  return l;
});

const SAMPLES: Labels[] = [
  { span_id: 'ffffffffffffffff', span_name: 'GET /users/:id', route: 'users' },
  { span_id: '00000000000000ff', span_name: 'job' },
  { span_id: 'not-a-span-id', span_name: 'mine' },
  { span_id: '0123456789abcdef' },
  { route: 'plain' },
];
const EXPECTED: Labels[] = [
  { 'local root span id': '18446744073709551615', 'span id': '18446744073709551615', 'trace endpoint': 'GET /users/:id', route: 'users' },
  { 'local root span id': '255', 'span id': '255', 'trace endpoint': 'job' },
  { span_id: 'not-a-span-id', span_name: 'mine' },
  { 'local root span id': '81985529216486895', 'span id': '81985529216486895' },
  { route: 'plain' },
];

t.test('wall + cpu → wall.pprof', async (t) => {
  const out = datadogAttachmentsSync([{ type: 'wall', pprof: profile('wall', SAMPLES) }, { type: 'cpu', pprof: profile('cpu', SAMPLES) }], { 'thread name': 'Main Event Loop', 'thread id': '0' });
  const wall = out.attachments.find((a) => a.name === 'wall.pprof')!;
  const p = readPprof(wall.data);
  t.same(labelsOf(p), EXPECTED, 'span labels renamed, others kept');
  t.same(p.sample.map((s) => s.value.map(Number)), SAMPLES.map((_, i) => [i + 1, (i + 1) * 1000, (i + 1) * 1000]), 'each wall sample still met its cpu partner');
  t.same(out.customAttributes, ['route', 'span_id', 'span_name'], 'only the labels that were not span ids are custom attributes');
});

t.test('cpu only, and the heap', async (t) => {
  const cpu = readPprof(datadogAttachmentsSync([{ type: 'cpu', pprof: profile('cpu', SAMPLES) }], {}).attachments[0].data);
  t.same(labelsOf(cpu), EXPECTED);
  const space = datadogAttachmentsSync([{ type: 'heap', pprof: profile('heap', SAMPLES) }], {}).attachments.find((a) => a.name === 'space.pprof')!;
  t.same(labelsOf(readPprof(space.data)), EXPECTED);
  const none = readPprof(datadogAttachmentsSync([{ type: 'wall', pprof: profile('wall', [{ route: 'a' }]) }], {}).attachments[0].data);
  t.notOk(none.stringTable.strings.includes('local root span id'), 'a profile without span_id gains no span strings');
});
