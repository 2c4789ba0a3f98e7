// `wasmprof view NEW --diff-base BASE --top`: signed per-function changes of a 2:1 workload
// (BASE) against a 1:2 one (NEW), checked against sums computed here straight from the stacks
// the profiles were built from, and against `go tool pprof -diff_base` when Go is installed.
// The command runs in-process (a process per case costs ~0.4 s); the first test and one error
// case go through bin/wasmprof.js to prove the wiring.
import { spawnSync } from 'node:child_process';
import t, { type Test } from 'tap';
import { view } from '../../sdk/cli/view.js';
import { fixture, parseHuman, runCli, type CliResult } from '../fixtures/view/helpers.js';
import { BASE_STACKS, MS, NEW_STACKS, writeDiffProfiles } from './diff-profiles.js';

const files = writeDiffProfiles(t.testdir({}));

async function runView(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await view(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

interface DiffLine { flat: string; baseFlatPct: number; newFlatPct: number; cum: string; baseCumPct: number; newCumPct: number; name: string }
function parseDiffTop(stdout: string): DiffLine[] {
  const rows: DiffLine[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s*([+-]?[\d.]+[a-zA-Z]*)\s+([\d.]+)%\s+([\d.]+)%\s+([+-]?[\d.]+[a-zA-Z]*)\s+([\d.]+)%\s+([\d.]+)%\s{2}(\S+)/.exec(line);
    if (m) rows.push({ flat: m[1], baseFlatPct: Number(m[2]), newFlatPct: Number(m[3]), cum: m[4], baseCumPct: Number(m[5]), newCumPct: Number(m[6]), name: m[7] });
  }
  return rows;
}

/** Textbook flat/cum per function (ms) of "leaf;caller;..." stacks. */
function byFunction(stacks: Record<string, number>): { total: number; flat: Map<string, number>; cum: Map<string, number> } {
  const flat = new Map<string, number>();
  const cum = new Map<string, number>();
  let total = 0;
  for (const [stack, ms] of Object.entries(stacks)) {
    const names = stack.split(';');
    total += ms;
    flat.set(names[0], (flat.get(names[0]) ?? 0) + ms);
    for (const n of new Set(names)) cum.set(n, (cum.get(n) ?? 0) + ms);
  }
  return { total, flat, cum };
}
/** parseHuman for signed deltas ("+200ms"). */
const signedHuman = (text: string): number => parseHuman(text.replace(/^\+/, ''));
const pct = (part: number, total: number): number => Number(((part / total) * 100).toFixed(2));

function checkAgainstStacks(t: Test, stdout: string, fresh: Record<string, number>, base: Record<string, number>, scale: number): DiffLine[] {
  const n = byFunction(fresh);
  const b = byFunction(base);
  const rows = parseDiffTop(stdout);
  const names = new Set([...n.cum.keys(), ...b.cum.keys()]);
  t.equal(rows.length, names.size, 'one row per function of either profile');
  let previous = Infinity;
  for (const row of rows) {
    const flatDelta = ((n.flat.get(row.name) ?? 0) - (b.flat.get(row.name) ?? 0) * scale) * MS;
    const cumDelta = ((n.cum.get(row.name) ?? 0) - (b.cum.get(row.name) ?? 0) * scale) * MS;
    t.equal(signedHuman(row.flat), flatDelta, `${row.name} flat delta ${row.flat}`);
    t.equal(signedHuman(row.cum), cumDelta, `${row.name} cum delta ${row.cum}`);
    if (flatDelta !== 0) t.equal(row.flat[0], flatDelta > 0 ? '+' : '-', `${row.name} flat delta carries its sign`);
    t.equal(row.baseFlatPct, pct(b.flat.get(row.name) ?? 0, b.total), `${row.name} share of BASE (flat)`);
    t.equal(row.newFlatPct, pct(n.flat.get(row.name) ?? 0, n.total), `${row.name} share of NEW (flat)`);
    t.equal(row.baseCumPct, pct(b.cum.get(row.name) ?? 0, b.total), `${row.name} share of BASE (cum)`);
    t.equal(row.newCumPct, pct(n.cum.get(row.name) ?? 0, n.total), `${row.name} share of NEW (cum)`);
    t.ok(Math.abs(flatDelta) <= previous, 'sorted by absolute flat delta');
    previous = Math.abs(flatDelta);
  }
  return rows;
}

t.test('1:2 against 2:1, durations differ: BASE scaled to NEW\'s total, A shrinks, B grows', async (t) => {
  const r = runCli([files.fresh, '--diff-base', files.base]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
  t.match(r.stdout, /^File: new\.pb\.gz\nBase: base\.pb\.gz \(subtracted\)\nType: wall \(nanoseconds\)\n/);
  t.match(r.stdout, /\nNormalization: by total: BASE values × 0\.5 \(its total 2s scaled to NEW's 1s\) because the durations differ \(NEW 1s, BASE 2s\)\n/);
  t.match(r.stdout, /\nTotal: NEW 1s, BASE 2s \(1s scaled\), change 0s\n/);
  const rows = checkAgainstStacks(t, r.stdout, NEW_STACKS, BASE_STACKS, 0.5);
  t.same(rows.map((x) => x.name), ['A', 'B', 'fresh', 'legacy', 'helper', 'main', 'work']);
  const row = new Map(rows.map((x) => [x.name, x]));
  t.same([row.get('A')!.flat, row.get('A')!.cum], ['-200ms', '-300ms']);
  t.same([row.get('B')!.flat, row.get('B')!.cum], ['+200ms', '+300ms']);
  t.same([row.get('A')!.baseCumPct, row.get('A')!.newCumPct], [60, 30], 'A: two thirds of the work in BASE, one third in NEW');
  t.same([row.get('B')!.baseCumPct, row.get('B')!.newCumPct], [30, 60]);
  t.equal(row.get('helper')!.flat, '0s', 'per function, helper did not change');
  t.same([row.get('legacy')!.newFlatPct, row.get('fresh')!.baseFlatPct], [0, 0], 'functions in one profile only');
});

t.test('swapping the profiles flips every sign', async (t) => {
  const r = await runView([files.base, '--diff-base', files.fresh, '--top', '2']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /by total: BASE values × 2 \(its total 1s scaled to NEW's 2s\)/);
  t.match(r.stdout, /Showing 2 of 7 functions/);
  const rows = parseDiffTop(r.stdout);
  t.same(rows.map((x) => [x.name, x.flat, x.cum]), [['A', '+400ms', '+600ms'], ['B', '-400ms', '-600ms']]);
});

t.test('--normalize none and equal durations subtract raw values', async (t) => {
  const none = await runView([files.fresh, '--diff-base', files.base, '--normalize', 'none']);
  t.equal(none.code, 0, none.stderr);
  t.match(none.stdout, /\nNormalization: none \(--normalize none\): BASE values are subtracted as they are\n/);
  t.match(none.stdout, /\nTotal: NEW 1s, BASE 2s, change -1s\n/);
  checkAgainstStacks(t, none.stdout, NEW_STACKS, BASE_STACKS, 1);

  const same = await runView([files.fresh, '--diff-base', files.sameWindowBase]);
  t.equal(same.code, 0, same.stderr);
  t.match(same.stdout, /\nNormalization: none: both profiles cover 1s, so BASE values are subtracted as they are/);
  checkAgainstStacks(t, same.stdout, NEW_STACKS, BASE_STACKS, 1);

  const forced = await runView([files.fresh, '--diff-base', files.sameWindowBase, '--normalize', 'total']);
  t.match(forced.stdout, /\nNormalization: by total: BASE values × 0\.5 .*\(--normalize total\)\n/);
  checkAgainstStacks(t, forced.stdout, NEW_STACKS, BASE_STACKS, 0.5);
});

t.test('count sample types, --focus on both sides, .cpuprofile against itself', async (t) => {
  const counts = await runView([files.fresh, '--diff-base', files.cpuOnly, '--sample-type', 'samples']);
  t.equal(counts.code, 0, counts.stderr);
  t.match(counts.stdout, /Type: samples \(count\)/);
  const rows = new Map(parseDiffTop(counts.stdout).map((x) => [x.name, x]));
  t.same([rows.get('A')!.flat, rows.get('B')!.flat], ['-20', '+20'], 'sample counts: 20 vs 80 × 0.5, 40 vs 40 × 0.5');

  const focus = await runView([files.fresh, '--diff-base', files.base, '--focus', '^B$']);
  t.equal(focus.code, 0, focus.stderr);
  t.match(focus.stdout, /Focus: \^B\$/);
  // Only B's stacks are left: 600 ms in NEW, 600 ms in BASE, and the same durations rule.
  t.match(focus.stdout, /BASE values × 1 \(its total 600ms scaled to NEW's 600ms\)/);
  t.same(parseDiffTop(focus.stdout).map((x) => [x.name, x.flat]), [['B', '0s'], ['helper', '0s'], ['main', '0s'], ['work', '0s']]);

  const cpu = await runView([fixture('node.cpuprofile'), '--diff-base', fixture('node.cpuprofile')]);
  t.equal(cpu.code, 0, cpu.stderr);
  t.match(cpu.stdout, /Normalization: none: both profiles cover 8ms/);
  t.ok(parseDiffTop(cpu.stdout).every((x) => x.flat === '0s' && x.cum === '0s'), 'a profile minus itself is zero everywhere');
});

const hasGo = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
t.test('agrees with go tool pprof -diff_base', { skip: hasGo ? false : 'go is not installed' }, async (t) => {
  const goTop = (extra: string[]): Map<string, [number, number]> => {
    const r = spawnSync('go', ['tool', 'pprof', '-top', '-sample_index=wall', ...extra, '-diff_base', files.base, files.fresh], { encoding: 'utf8', timeout: 30_000 });
    t.equal(r.status, 0, r.stderr);
    const out = new Map<string, [number, number]>();
    for (const line of r.stdout.split('\n')) {
      const m = /^\s*(-?[\d.]+[a-z]*)\s+[\d.]+%\s+[\d.]+%\s+(-?[\d.]+[a-z]*)\s+[\d.]+%\s+(\S+)$/.exec(line);
      if (m) out.set(m[3], [parseHuman(m[1]), parseHuman(m[2])]);
    }
    return out;
  };
  const ours = async (args: string[]): Promise<Map<string, [number, number]>> =>
    new Map(parseDiffTop((await runView([files.fresh, '--diff-base', files.base, ...args])).stdout).map((x) => [x.name, [signedHuman(x.flat), signedHuman(x.cum)]]));
  const raw = goTop([]);
  t.ok(raw.size >= 5, 'go tool pprof printed its table');
  const mine = await ours(['--normalize', 'none']);
  for (const [name, values] of raw) t.same(mine.get(name), values, `${name}: same raw deltas as pprof`);
  // pprof -normalize scales NEW to BASE's total; we scale BASE to NEW's: a factor of 2 here.
  const normalized = goTop(['-normalize']);
  const mineNormalized = await ours(['--normalize', 'total']);
  for (const [name, [flat, cum]] of normalized) t.same(mineNormalized.get(name), [flat / 2, cum / 2], `${name}: pprof -normalize ÷ 2`);
});

const errorCases: Array<[what: string, args: string[], message: RegExp]> = [
  ['a base without NEW\'s default type', [files.fresh, '--diff-base', files.cpuOnly],
    /sample types differ: the default sample type of new\.pb\.gz, wall\/nanoseconds, is not in cpu\.pb\.gz \(new\.pb\.gz has samples\/count, wall\/nanoseconds; cpu\.pb\.gz has samples\/count, cpu\/nanoseconds\); pick one both have with --sample-type \(samples\/count\)/],
  ['a --sample-type only BASE has', [files.fresh, '--diff-base', files.cpuOnly, '--sample-type', 'cpu'],
    /unknown sample type "cpu": it is not in new\.pb\.gz \(new\.pb\.gz has samples\/count, wall\/nanoseconds; cpu\.pb\.gz has samples\/count, cpu\/nanoseconds\)/],
  ['a --sample-type only NEW has', [files.cpuOnly, '--diff-base', files.fresh, '--sample-type', 'cpu'],
    /sample types differ: sample type cpu\/nanoseconds is not in new\.pb\.gz \(cpu\.pb\.gz has .*; new\.pb\.gz has .*\)/],
  ['no sample type in common', [files.fresh, '--diff-base', fixture('heap.pb.gz')],
    /cannot compare new\.pb\.gz with heap\.pb\.gz: no sample type in common \(new\.pb\.gz has samples\/count, wall\/nanoseconds; heap\.pb\.gz has inuse_objects\/count, inuse_space\/bytes\)/],
  ['a missing base', [files.fresh, '--diff-base', 'no-such-base.pb.gz'], /cannot read no-such-base\.pb\.gz: no such file/],
  ['a base that is not a profile', [files.fresh, '--diff-base', fixture('helpers.ts')], /helpers\.ts: not a profile/],
  ['a NEW that is not a profile', [fixture('generate.mjs'), '--diff-base', files.base], /generate\.mjs: not a profile/],
  ['an empty --diff-base', [files.fresh, '--diff-base='], /bad --diff-base value: expected a profile file/],
  ['two profiles with --diff-base', [files.fresh, files.base, '--diff-base', files.base], /--diff-base compares one profile with its base; got 2 profiles/],
  ['--normalize without --diff-base', [files.fresh, '--normalize', 'total'], /--normalize only applies with --diff-base/],
  ['a bad --normalize', [files.fresh, '--diff-base', files.base, '--normalize', 'duration'], /bad --normalize value "duration": expected auto, total, none/],
];
errorCases.forEach(([what, args, message], i) => {
  t.test(`error: ${what}`, async (t) => {
    // The first case through the real binary, the rest in-process.
    const r = i === 0 ? runCli(args) : await runView(args);
    t.equal(r.code, 2, 'exit code 2');
    t.equal(r.stdout, '');
    t.equal(r.stderr.split('\n').length, 2, `one line: ${JSON.stringify(r.stderr)}`);
    t.match(r.stderr, /^wasmprof view: /);
    t.match(r.stderr, message);
  });
});
