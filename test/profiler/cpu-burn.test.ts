// A live profile of the CPU-burn fixture (two hot functions sharing the thread 3:1 by time):
// both functions are found with the right share, names, files and 1-based start lines, for the
// node:inspector source and — when it is built — the native bridge, and the two agree.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, type PeriodResult } from '../../sdk/index.js';
import { loadNativeBridge } from '../../sdk/sources/select.js';
import { burnMix } from './fixtures/burn.mjs';
import { decode, FIXTURES, lineOf, sumAll, total } from './helpers.js';

const BURN_FILE = join(FIXTURES, 'burn.mjs');
const source = readFileSync(BURN_FILE, 'utf8');
const HEAVY_LINE = lineOf(BURN_FILE, 'export function burnHeavy(', source);
const LIGHT_LINE = lineOf(BURN_FILE, 'export function burnLight(', source);
const TOLERANCE = 0.08;

async function profileBurn(which: 'inspector' | 'native'): Promise<PeriodResult> {
  const profiler = await start({ profiles: ['wall', 'cpu'], interval: '1ms', source: which, env: {} });
  t.equal(profiler.source, which);
  burnMix(1200, 0.75);
  return profiler.stop();
}

function checkBurn(t: Tap, r: PeriodResult, which: string): number {
  const wall = decode(r.wall!);
  const cpu = decode(r.cpu!);
  const heavy = total(wall, 'burnHeavy', 1), light = total(wall, 'burnLight', 1);
  const share = heavy / (heavy + light);
  t.ok(Math.abs(share - 0.75) <= TOLERANCE, `${which}: burnHeavy has ${(share * 100).toFixed(1)}% of the two (expected 75% ± ${TOLERANCE * 100})`);
  t.ok((heavy + light) / sumAll(wall) > 0.7, `${which}: the two functions hold most of the wall time (${((heavy + light) / sumAll(wall) * 100).toFixed(1)}%)`);
  const heavyFrame = wall.samples.find((s) => s.stack[0].name === 'burnHeavy')!.stack[0];
  t.same(heavyFrame, { name: 'burnHeavy', file: BURN_FILE, line: HEAVY_LINE }, `${which}: file and 1-based line of burnHeavy`);
  const lightFrame = wall.samples.find((s) => s.stack[0].name === 'burnLight')!.stack[0];
  t.same(lightFrame, { name: 'burnLight', file: BURN_FILE, line: LIGHT_LINE }, `${which}: file and 1-based line of burnLight`);
  t.ok(wall.samples.find((s) => s.stack[0].name === 'burnHeavy')!.stack.some((f) => f.name === 'burnMix'), 'the caller is on the stack');
  const cpuHeavy = total(cpu, 'burnHeavy', 1), cpuLight = total(cpu, 'burnLight', 1);
  t.ok(Math.abs(cpuHeavy / (cpuHeavy + cpuLight) - 0.75) <= TOLERANCE, `${which}: CPU profile has the same split`);
  t.ok(cpuHeavy + cpuLight > 0.3e9, `${which}: CPU time attributed (${((cpuHeavy + cpuLight) / 1e6).toFixed(0)} ms)`);
  t.ok(r.stats.samples > 500, `${which}: ${r.stats.samples} samples at 1 ms over 1.2 s`);
  t.equal(wall.period, 1_000_000, 'period = 1 ms in ns');
  t.ok(wall.durationNanos > 1.1e9 && wall.durationNanos < 10e9, 'duration covers the run');
  t.ok(Math.abs(wall.timeNanos / 1e6 - r.start.getTime()) < 5, 'timeNanos is the period start');
  t.ok(wall.comments.some((c) => c.startsWith('wasmprof core drops:')), 'core drop counters as a comment');
  t.ok(wall.comments.some((c) => c.startsWith('wasmprof frame cache:')), 'frame cache stats as a comment');
  return share;
}

type Tap = typeof t;

const shares: Record<string, number> = {};

t.test('node:inspector source', async (t) => {
  const r = await profileBurn('inspector');
  t.equal(r.source, 'inspector');
  shares.inspector = checkBurn(t as unknown as Tap, r, 'inspector');
});

t.test('native bridge source', async (t) => {
  const bridge = await loadNativeBridge();
  if ('error' in bridge) {
    t.skip(`native bridge unavailable: ${bridge.error}`);
    return;
  }
  const r = await profileBurn('native');
  t.equal(r.source, 'native');
  shares.native = checkBurn(t as unknown as Tap, r, 'native');
});

t.test('native and inspector paths agree on the same fixture', async (t) => {
  if (shares.native === undefined) {
    t.skip('native bridge unavailable (see above)');
    return;
  }
  t.ok(Math.abs(shares.native - shares.inspector) <= 0.1, `burnHeavy share: native ${shares.native.toFixed(3)} vs inspector ${shares.inspector.toFixed(3)}`);
});

t.test('collect() ends a period and the next one starts', async (t) => {
  const profiler = await start({ profiles: ['wall'], interval: '2ms', source: 'inspector', env: {} });
  burnMix(300, 1);
  const first = await profiler.collect();
  burnMix(300, 0);
  const second = await profiler.collect();
  const last = await profiler.stop();
  t.same([first.seq, second.seq, last.seq], [1, 2, 3]);
  t.equal(first.cpu, undefined, 'only the requested profile types');
  const a = decode(first.wall!), b = decode(second.wall!);
  const ms = (p: typeof a) => `burnHeavy ${(total(p, 'burnHeavy', 1) / 1e6).toFixed(1)} ms, burnLight ${(total(p, 'burnLight', 1) / 1e6).toFixed(1)} ms`;
  t.ok(total(a, 'burnHeavy', 1) > 0 && total(a, 'burnLight', 1) === 0, `first period: burnHeavy only (${ms(a)})`);
  t.ok(total(b, 'burnLight', 1) > 0 && total(b, 'burnHeavy', 1) === 0, `second period: burnLight only (${ms(b)})`);
  t.ok(second.start.getTime() >= first.end.getTime() - 1, 'periods follow each other');
  await t.rejects(profiler.collect(), /stopped/);
  t.equal(await profiler.stop(), last, 'stop() again returns the last period');
  const again = await start({ profiles: ['wall'], source: 'inspector', env: {} });
  await t.rejects(start({ env: {} }), /already running in this thread/);
  await again.stop();
});
