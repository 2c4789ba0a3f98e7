// Spawn storm: Node 20 on Linux spawns every child process with a real fork(), so the bridge's
// atfork handlers run at each spawn (the child handler before exec). With the addon loaded, the
// test addon's busy thread mutating epoch-stamped state, and V8 sampling at 1 ms, a storm of
// spawns must all succeed, none may hang, and the prepare/parent counters must advance by at
// least one per spawn.
//
// CI size: 500 sequential + 500 at 8 concurrent (run on every release). WASMPROF_STRESS=1: 5,000 + 5,000.
import t from 'tap';
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { forkBridge } from '../../sdk/runtime/fork-bridge.js';
import { attachedTestAddon } from './fixtures/test-addon.js';

const STRESS = process.env.WASMPROF_STRESS === '1';
const N = STRESS ? 5_000 : 500;
const CONCURRENCY = 8;
const SPAWN_DEADLINE_MS = 10_000;
t.setTimeout(STRESS ? 600_000 : 120_000);

interface Outcome {
  ok: boolean;
  detail: string;
}

function spawnTrue(): Promise<Outcome> {
  return new Promise((done) => {
    const child = spawn('/bin/true', [], { stdio: 'ignore' });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done({ ok: false, detail: `timeout after ${SPAWN_DEADLINE_MS} ms` });
    }, SPAWN_DEADLINE_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      done({ ok: false, detail: `error: ${err.message}` });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      done({ ok: code === 0, detail: `exit ${code} signal ${signal}` });
    });
  });
}

async function storm(total: number, concurrency: number): Promise<{ ok: number; failures: string[]; ms: number }> {
  const t0 = performance.now();
  let next = 0;
  let ok = 0;
  const failures: string[] = [];
  const lane = async () => {
    while (next < total) {
      next++;
      const r = await spawnTrue();
      if (r.ok) ok++;
      else if (failures.length < 10) failures.push(r.detail);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { ok, failures, ms: performance.now() - t0 };
}

t.test(`spawn storm: ${N} sequential + ${N} at ${CONCURRENCY} concurrent`, async (t) => {
  const loaded = forkBridge();
  if (!loaded.bridge) return t.fail(`bridge not built: ${loaded.reason}`);
  const bridge = loaded.bridge;
  const build = await attachedTestAddon(bridge);
  if (typeof build === 'string') return t.fail(build);
  const addon = build.addon;

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  t.equal(addon.startBusyThread(), true);

  try {
    for (const [label, concurrency] of [
      ['sequential', 1],
      [`${CONCURRENCY} at a time`, CONCURRENCY],
    ] as const) {
      const before = bridge.state();
      const r = await storm(N, concurrency);
      const after = bridge.state();
      t.comment(`${label}: ${r.ok}/${N} in ${(r.ms / 1000).toFixed(2)} s (${(r.ms / N).toFixed(2)} ms/spawn)`);
      t.same(r.failures, [], `${label}: no spawn failed or hung`);
      t.equal(r.ok, N, `${label}: every spawn exited 0`);
      t.ok(after.prepared - before.prepared >= N, `${label}: prepare ran for each spawn (${after.prepared - before.prepared})`);
      t.ok(after.parentResumes - before.parentResumes >= N, `${label}: parent handler ran for each spawn`);
      t.equal(after.prepared - after.parentResumes, 0, `${label}: no fork left half-done`);
      t.equal(after.childResets, 0, `${label}: the child handler only ran in the children`);
      t.equal(addon.state().threadRunning, true, `${label}: busy thread survived`);
    }
  } finally {
    addon.stopBusyThread();
    const { profile } = (await session.post('Profiler.stop')) as { profile: { samples?: number[] } };
    await session.post('Profiler.disable');
    session.disconnect();
    t.ok((profile.samples ?? []).length > 0, 'profiler still produced samples');
  }
});
