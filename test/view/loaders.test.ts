// The normalised model that both views are built from: what each input format turns into.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { Function as PFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { focusProfile } from '../../sdk/view/focus.js';
import { formatValue } from '../../sdk/view/format-value.js';
import { renderFlameGraphHtml } from '../../sdk/view/html/write-flame-graph.js';
import type { ProfileModel } from '../../sdk/view/model.js';
import { parseProfile } from '../../sdk/view/read-profile.js';
import { fixture } from '../fixtures/view/helpers.js';

const load = (name: string): ProfileModel => parseProfile(readFileSync(fixture(name)), name);

/** Stacks as "a;b;c" (root first) with their values, for readable assertions. */
function folded(model: ProfileModel, type: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of model.samples) {
    const names: string[] = [];
    for (let n = s.node; n !== 0; n = model.tree.parent[n]) names.unshift(model.frames[model.tree.frame[n]].name);
    const key = names.join(';');
    out[key] = (out[key] ?? 0) + s.values[type];
  }
  return out;
}

t.test('pprof: sample types, default type, merged duplicate samples, labels', async (t) => {
  const m = load('hot.pb.gz');
  t.same(m.sampleTypes, [{ type: 'samples', unit: 'count' }, { type: 'wall', unit: 'nanoseconds' }]);
  t.equal(m.defaultSampleType, 1);
  t.equal(m.format, 'pprof');
  const f = folded(m, 0);
  t.equal(f['processTicksAndRejections;main;handleRequest;hotLoop'], 60);
  t.equal(f['processTicksAndRejections;main;recurse;recurse;recurse'], 10);
  t.equal(f['(garbage collector)'], 3);
  const labelled = m.labelSets.map((set) => set.map(([k, v]) => `${k}=${v}`).join(','));
  t.ok(labelled.includes('request_bytes=512 bytes,route=/api'), 'numeric labels keep their unit');
  t.ok(labelled.includes('route=/tree'));
  const hot = m.frames.find((fr) => fr.name === 'hotLoop');
  t.same(hot, { name: 'hotLoop', file: '/srv/app/src/hot.js', line: 3 });
  // Parents always come before children: the page and the top table rely on it.
  t.ok(m.tree.parent.every((p, i) => i === 0 || p < i));
});

t.test('pprof from Go: inlined frames expand, unsymbolized addresses get a name', async (t) => {
  const m = load('go-cpu.pb.gz');
  t.equal(m.sampleTypes[m.defaultSampleType].type, 'cpu');
  const f = folded(m, 1);
  t.equal(f['runtime.main;main.main;main.compute;main.add'], 300e6);
  t.equal(f['runtime.main;main.main;0x4a1b2c'], 20e6);
  t.equal(m.frames.find((fr) => fr.name === '0x4a1b2c')?.file, '/tmp/go-build/app', 'file from the mapping');
});

t.test('.cpuprofile: both the current and the old (head) format', async (t) => {
  const m = load('node.cpuprofile');
  t.equal(m.format, 'cpuprofile');
  t.same(folded(m, 1), { 'main;crunch': 3e6, 'main;crunch;(anonymous)': 2e6, main: 1e6, '(program)': 1e6, '(garbage collector)': 1e6 });
  t.equal(m.frames.find((fr) => fr.name === 'crunch')?.line, 10, 'V8 lines are 0-based');

  const old = {
    head: { id: 1, functionName: '(root)', url: '', lineNumber: 0, hitCount: 0, children: [
      { id: 2, functionName: 'work', url: 'a.js', lineNumber: 4, hitCount: 3, children: [] },
    ] },
    startTime: 0,
    endTime: 1,
  };
  const m2 = parseProfile(new TextEncoder().encode(JSON.stringify(old)), 'old.cpuprofile');
  t.same(m2.sampleTypes, [{ type: 'samples', unit: 'count' }], 'without a timeline only counts are known');
  t.same(folded(m2, 0), { work: 3 });
});

t.test('gzip and plain pprof read the same', async (t) => {
  const a = load('hot.pb.gz');
  const b = load('hot.pb');
  t.same({ ...a, name: '' }, { ...b, name: '' });
});

t.test('focus keeps whole samples that pass through a match', async (t) => {
  const m = focusProfile(load('hot.pb.gz'), /^recurse$/);
  t.same(folded(m, 0), { 'processTicksAndRejections;main;recurse;recurse;recurse': 10, 'processTicksAndRejections;main;recurse;recurse;hotLoop': 5 });
});

t.test('formatValue picks readable units', async (t) => {
  t.equal(formatValue(1.5e9, 'nanoseconds'), '1.5s');
  t.equal(formatValue(740e6, 'nanoseconds'), '740ms');
  t.equal(formatValue(1234, 'nanoseconds'), '1.23us');
  t.equal(formatValue(90e9, 'nanoseconds'), '1.5min');
  t.equal(formatValue(3, 'milliseconds'), '3ms');
  t.equal(formatValue(3 * 1024 * 1024, 'bytes'), '3MB');
  t.equal(formatValue(1536, 'bytes'), '1.5kB');
  t.equal(formatValue(0, 'bytes'), '0B');
  t.equal(formatValue(42, 'count'), '42');
});

t.test('names cannot break out of the page', async (t) => {
  const st = new StringTable();
  const evil = '</script><script>alert(1)</script><!--';
  const p = new Profile({
    sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') })],
    function: [new PFunction({ id: 1, name: st.dedup(evil), filename: st.dedup('x.js') })],
    location: [new Location({ id: 1, line: [new Line({ functionId: 1, line: 1 })] })],
    sample: [new Sample({ locationId: [1], value: [1] })],
    stringTable: st,
  });
  const html = renderFlameGraphHtml([parseProfile(p.encode(), '<b>title</b>')]);
  t.notOk(html.includes(evil), 'the raw name never appears');
  t.equal(html.match(/<\/script>/g)?.length, 2, 'only the page\'s own two script elements close');
  t.notOk(html.includes('<b>title</b>'), 'the title is escaped');
});
