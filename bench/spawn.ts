// Spawn latency with vs without the fork-safety addon loaded, both sides in one run.
//
// Run (from the repository root, after `node native-bridge/build.mjs`):
//   node --import ./test/helpers/ts-loader.mjs bench/spawn.ts [spawnsPerSide] [roundSize] [control]
// or, without that loader, with tap's TypeScript loader (a devDependency):
//   node --import @tapjs/typescript/import bench/spawn.ts [spawnsPerSide] [roundSize] [control]
// Defaults: 3000 spawns per side in rounds of 20 (short rounds follow drift in machine load
// best; rounds of 100 left a few percent of order noise in p50 here). `control` runs the same
// bench with the addon loaded on neither side (an A/A run): its ratio is the noise floor.
//
// Why this is fair: the addon's atfork handlers run in every process that loaded it, at every
// spawn, so the comparison is between two processes that differ only in that. This script starts
// two identical plain-JavaScript child Node processes (no TypeScript loader, same code, same
// modules); one of them require()s the addon, the other does not. Each round, one child runs
// `roundSize` sequential execFile('/bin/true') calls and reports each latency; the children
// take turns in ABBA order (A B B A A B ...) so that drift in machine load hits both equally,
// and only one side runs at a time. One warm-up round per side is discarded. The "with" side
// also checks that its prepare counter advanced once per spawn (i.e. the handlers really ran).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ADDON = join(ROOT, 'native-bridge', 'fork', 'build', 'Release', 'wasmprof_fork.node');
const PER_SIDE = Number(process.argv[2] ?? 3000);
const ROUND = Number(process.argv[3] ?? 20);
const CONTROL = process.argv[4] === 'control';

// The child: plain ESM, identical for both sides except the require() of the addon.
const CHILD = `
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
const withAddon = process.env.WASMPROF_BENCH_MODE === 'with';
const bridge = withAddon ? createRequire(import.meta.url)(process.env.WASMPROF_BENCH_ADDON) : undefined;
const once = () => new Promise((ok, ko) => {
  const t0 = process.hrtime.bigint();
  execFile('/bin/true', (err) => err ? ko(err) : ok(Number(process.hrtime.bigint() - t0) / 1e6));
});
process.on('message', async ({ n }) => {
  const before = bridge ? bridge.state().prepared : 0;
  const lat = [];
  for (let i = 0; i < n; i++) lat.push(await once());
  const prepared = bridge ? bridge.state().prepared - before : -1;
  process.send({ lat, prepared });
});
process.send({ ready: true, registered: bridge ? bridge.state().registered : false });
`;

interface Reply {
  lat: number[];
  prepared: number;
}

interface Side {
  name: 'with' | 'without';
  child: ChildProcess;
  lat: number[];
  preparedOk: boolean;
}

function startSide(name: 'with' | 'without'): Promise<Side> {
  const mode = CONTROL ? 'without' : name;
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, WASMPROF_BENCH_MODE: mode, WASMPROF_BENCH_ADDON: ADDON, NODE_OPTIONS: '' },
  });
  return new Promise((ok, ko) => {
    child.once('error', ko);
    child.once('exit', (code) => ko(new Error(`${name} child exited early (${code})`)));
    child.once('message', (m: { ready?: boolean; registered?: boolean }) => {
      child.removeAllListeners('exit');
      if (mode === 'with' && !m.registered) ko(new Error('addon loaded but atfork handlers not registered'));
      else ok({ name, child, lat: [], preparedOk: true });
    });
  });
}

function round(side: Side, n: number): Promise<Reply> {
  return new Promise((ok) => {
    side.child.once('message', (m: Reply) => ok(m));
    side.child.send({ n });
  });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(lat: number[]): { p50: number; p90: number; p99: number; mean: number; n: number } {
  const s = [...lat].sort((a, b) => a - b);
  return { p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length, n: s.length };
}

async function main(): Promise<void> {
  if (!existsSync(ADDON)) {
    console.error(`addon not built (${ADDON}); run: node native-bridge/build.mjs`);
    process.exitCode = 1;
    return;
  }
  if (!(PER_SIDE > 0 && ROUND > 0)) throw new Error('usage: bench/spawn.ts [spawnsPerSide>0] [roundSize>0]');
  const a = await startSide('with');
  const b = await startSide('without');
  try {
    // warm-up, discarded
    await round(a, Math.min(ROUND, 50));
    await round(b, Math.min(ROUND, 50));
    const rounds = Math.ceil(PER_SIDE / ROUND);
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [a, b] : [b, a]; // ABBA
      const n = Math.min(ROUND, PER_SIDE - r * ROUND);
      for (const side of order) {
        const reply = await round(side, n);
        side.lat.push(...reply.lat);
        if (side.name === 'with' && !CONTROL && reply.prepared < n) side.preparedOk = false;
      }
    }
  } finally {
    a.child.kill();
    b.child.kill();
  }
  const sa = summary(a.lat);
  const sb = summary(b.lat);
  const f = (x: number) => x.toFixed(3).padStart(8);
  console.log(
    `spawn latency of execFile('/bin/true'), ${PER_SIDE} per side, rounds of ${ROUND}, ABBA order (ms)` +
      (CONTROL ? ' -- CONTROL RUN: the addon is loaded on neither side' : ''),
  );
  console.log(`                 p50       p90       p99      mean`);
  console.log(`with addon    ${f(sa.p50)}  ${f(sa.p90)}  ${f(sa.p99)}  ${f(sa.mean)}`);
  console.log(`without       ${f(sb.p50)}  ${f(sb.p90)}  ${f(sb.p99)}  ${f(sb.mean)}`);
  console.log(
    `ratio with/without: p50 ${(sa.p50 / sb.p50).toFixed(3)}  p99 ${(sa.p99 / sb.p99).toFixed(3)}  mean ${(sa.mean / sb.mean).toFixed(3)}`,
  );
  if (!CONTROL) console.log(`atfork handlers ran once per spawn on the "with" side: ${a.preparedOk ? 'yes' : 'NO'}`);
  if (!a.preparedOk) process.exitCode = 1;
}

await main();
