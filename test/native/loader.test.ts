// The SDK's loader for the fork-safety addon: loads the built addon, and otherwise explains in
// one line why it could not (so the SDK prints exactly one warning). Also the pid fallback.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createForkWatch, forkBridge, loadForkBridge, pidChanged } from '../../sdk/runtime/fork-bridge.js';

const scratch = mkdtempSync(join(tmpdir(), 'wasmprof-loader-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));

t.test('missing .node file: undefined plus a clear one-line reason', async (t) => {
  const missing = join(scratch, 'nope', 'wasmprof_fork.node');
  const r = loadForkBridge({ path: missing });
  t.equal(r.bridge, undefined);
  t.type(r.reason, 'string');
  t.match(r.reason, 'not found');
  t.match(r.reason, missing);
  t.match(r.reason, 'native-bridge/build.mjs', 'says how to build it');
  t.notMatch(r.reason, /\n/, 'one line');
});

t.test('missing build: the reason quotes the build status', async (t) => {
  const status = join(scratch, 'status.json');
  writeFileSync(status, JSON.stringify([{ addon: 'v8', ok: true }, { addon: 'fork', ok: false, reason: 'gcc: command not found' }]));
  const r = loadForkBridge({ path: join(scratch, 'x.node'), statusPath: status });
  t.equal(r.bridge, undefined);
  t.match(r.reason, 'build failed: gcc: command not found');
  t.notMatch(r.reason, /\n/);
  writeFileSync(status, '{ not json');
  t.match(loadForkBridge({ path: join(scratch, 'x.node'), statusPath: status }).reason, 'not built', 'unreadable status: generic hint');
});

t.test('a file that is not an addon: load error, one line', async (t) => {
  const bogus = join(scratch, 'bogus.node');
  writeFileSync(bogus, 'this is not an ELF file\n');
  const r = loadForkBridge({ path: bogus });
  t.equal(r.bridge, undefined);
  t.match(r.reason, 'failed to load');
  t.notMatch(r.reason, /\n/);
});

t.test('the built addon loads and reports sane state', async (t) => {
  const r = forkBridge();
  if (!r.bridge) {
    t.fail(`addon not built: ${r.reason} (run node native-bridge/build.mjs)`);
    return;
  }
  t.equal(r.reason, undefined);
  t.equal(forkBridge(), r, 'cached per module instance');
  const s = r.bridge.state();
  t.equal(s.registered, true);
  t.equal(s.pid, process.pid);
  t.equal(s.lastPid, process.pid);
  t.equal(s.forkGeneration, 0);
  t.equal(s.childResets, 0);
  // Only what the SDK reads: the ring, pool and busy thread the fork tests drive live in
  // test/native/fork-test-addon (fork-test-addon.test.ts).
  t.same(Object.keys(createRequire(import.meta.url)(r.bridge.path) as object).sort(), ['apiVersion', 'state']);
  t.equal(r.bridge.state().active, false, 'nothing in this process marked native state as used');
});

t.test('registered once per process even when several workers load it', async (t) => {
  const r = forkBridge();
  if (!r.bridge) return t.fail(r.reason);
  const path = r.bridge.path;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const b = require(workerData);
    parentPort.postMessage(b.state().registered);`;
  const workers = Array.from({ length: 3 }, () => new Worker(code, { eval: true, workerData: path }));
  const registered = await Promise.all(
    workers.map((w) => new Promise<boolean>((ok, ko) => (w.once('message', ok), w.once('error', ko)))),
  );
  await Promise.all(workers.map((w) => w.terminate()));
  t.same(registered, [true, true, true]);
  const before = r.bridge.state();
  execFileSync('/bin/true');
  const after = r.bridge.state();
  t.equal(after.prepared - before.prepared, 1, 'one spawn = one prepare (handlers registered once)');
  t.equal(after.parentResumes - before.parentResumes, 1);
});

t.test('fork watch: atfork counters, and the pid fallback', async (t) => {
  t.equal(pidChanged(), false);
  t.equal(pidChanged(process.pid + 1), true);
  const r = forkBridge();
  if (!r.bridge) return t.fail(r.reason);
  const w = createForkWatch(r.bridge);
  execFileSync('/bin/true');
  execFileSync('/bin/true');
  t.same(w.check(), { forks: 2, inChild: false, source: 'atfork' });
  t.same(w.check(), { forks: 0, inChild: false, source: 'atfork' });
  t.same(createForkWatch(undefined).check(), { forks: 0, inChild: false, source: 'pid' });
});
