// `wasmprof view --top` must agree with a direct reading of the profile through pprof-format.
import t from 'tap';
import { decodeFixture, expectedTop, fixture, parseHuman, parseTop, runCli, sampleTypeIndex, stackNames } from '../fixtures/view/helpers.js';

const pct = (part: number, total: number): number => Number(((part / total) * 100).toFixed(2));

for (const [file, type] of [['hot.pb.gz', 'wall'], ['hot.pb.gz', 'samples'], ['hot.pb', 'wall'], ['go-cpu.pb.gz', 'cpu'], ['heap.pb.gz', 'inuse_space']] as const) {
  t.test(`--top on ${file} (${type}) matches pprof-format's totals`, async (t) => {
    const p = decodeFixture(file);
    const want = expectedTop(p, sampleTypeIndex(p, type));
    const r = runCli([fixture(file), '--top', '50', '--sample-type', type]);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stderr, '');
    const rows = parseTop(r.stdout);
    const names = new Set([...want.flat.keys(), ...want.cum.keys()]);
    t.equal(rows.length, names.size, 'one row per function');
    let sum = 0;
    let previousFlat = Infinity;
    for (const row of rows) {
      t.ok(names.has(row.name), `${row.name} is a function of the profile`);
      const flat = want.flat.get(row.name) ?? 0;
      const cum = want.cum.get(row.name) ?? 0;
      sum += flat;
      // Values print with two decimals of their unit: compare within that rounding.
      t.ok(Math.abs(parseHuman(row.flat) - flat) <= Math.max(1, flat * 0.005), `${row.name} flat ${row.flat} ≈ ${flat}`);
      t.ok(Math.abs(parseHuman(row.cum) - cum) <= Math.max(1, cum * 0.005), `${row.name} cum ${row.cum} ≈ ${cum}`);
      t.equal(row.flatPct, pct(flat, want.total), `${row.name} flat%`);
      t.equal(row.cumPct, pct(cum, want.total), `${row.name} cum%`);
      t.equal(row.sumPct, pct(sum, want.total), `${row.name} sum%`);
      t.ok(parseHuman(row.flat) <= previousFlat, 'sorted by flat');
      previousFlat = parseHuman(row.flat);
    }
  });
}

t.test('count sample types print exact integers; recursion is not double counted', async (t) => {
  const r = runCli([fixture('hot.pb.gz'), '--sample-type', 'samples']);
  t.equal(r.code, 0);
  const rows = new Map(parseTop(r.stdout).map((row) => [row.name, row]));
  t.equal(rows.get('hotLoop')?.flat, '65');
  t.equal(rows.get('hotLoop')?.cum, '65');
  // recurse appears three times in one stack and twice in another: 10 + 5, not 3·10 + 2·5.
  t.equal(rows.get('recurse')?.flat, '10');
  t.equal(rows.get('recurse')?.cum, '15');
  t.match(r.stdout, /Type: samples \(count\)/);
  t.match(r.stdout, /of 100 total/);
});

t.test('default sample type: default_sample_type, else the last one', async (t) => {
  t.match(runCli([fixture('hot.pb.gz')]).stdout, /Type: wall \(nanoseconds\)/);
  t.match(runCli([fixture('heap.pb.gz')]).stdout, /Type: inuse_space \(bytes\)/);
  t.match(runCli([fixture('go-cpu.pb.gz')]).stdout, /Type: cpu \(nanoseconds\)/, 'Go profiles have no default_sample_type');
});

t.test('--top N limits the rows and the header says so', async (t) => {
  const r = runCli([fixture('hot.pb.gz'), '--top', '2']);
  const rows = parseTop(r.stdout);
  t.same(rows.map((x) => x.name), ['hotLoop', 'parseJson']);
  t.match(r.stdout, /Showing 2 of 8 functions, 840ms \(84\.00%\) of 1s total/);
});

t.test('--focus keeps only samples through a matching frame', async (t) => {
  const p = decodeFixture('hot.pb.gz');
  const wall = sampleTypeIndex(p, 'wall');
  // Independent expectation: samples whose stack has recurse.
  let total = 0;
  let hotFlat = 0;
  for (const s of p.sample) {
    const names = stackNames(p, s.locationId);
    if (!names.includes('recurse')) continue;
    total += Number(s.value[wall]);
    if (names[0] === 'hotLoop') hotFlat += Number(s.value[wall]);
  }
  const r = runCli([fixture('hot.pb.gz'), '--focus', '^rec']);
  t.equal(r.code, 0);
  t.match(r.stdout, /Focus: \^rec/);
  t.match(r.stdout, new RegExp(`of ${total / 1e6}ms total`));
  const rows = new Map(parseTop(r.stdout).map((row) => [row.name, row]));
  t.equal(parseHuman(rows.get('hotLoop')!.flat), hotFlat);
  t.equal(rows.get('hotLoop')!.flatPct, pct(hotFlat, total));
  t.notOk(rows.has('parseJson'));
  // Matching the file name works too.
  t.match(runCli([fixture('hot.pb.gz'), '--focus', 'node_modules']).stdout, /of 100ms total/);
});

t.test('V8 .cpuprofile: time per sample is the gap to the next sample', async (t) => {
  const r = runCli([fixture('node.cpuprofile')]);
  t.equal(r.code, 0, r.stderr);
  const rows = new Map(parseTop(r.stdout).map((row) => [row.name, row]));
  t.match(r.stdout, /of 8ms total/);
  t.equal(rows.get('crunch')?.flat, '3ms');
  t.equal(rows.get('crunch')?.cum, '5ms');
  t.equal(rows.get('main')?.cum, '6ms');
  t.equal(rows.get('(anonymous)')?.flat, '2ms');
  t.notOk(rows.has('(root)'), 'V8 synthetic root is not a function');
  const counts = runCli([fixture('node.cpuprofile'), '--sample-type', 'samples']);
  t.equal(new Map(parseTop(counts.stdout).map((row) => [row.name, row])).get('crunch')?.flat, '3');
});
