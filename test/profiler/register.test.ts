// `node --import wasmprof/register`: profiles go to WASMPROF_OUTPUT_DIR as <type>-<pid>-<seq>.pb.gz
// every period and at the end — natural exit, process.exit(), SIGTERM (re-raised: the process
// still dies of SIGTERM) — and neither a broken output directory nor a bad setting breaks the app.
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNativeBridge } from '../../sdk/sources/select.js';
import { decode, ensureBuilt, FIXTURES, profileFiles, REGISTER, runChild, scratch, sumAll, total } from './helpers.js';

ensureBuilt();
const { dir: base, cleanup } = scratch('register');
t.teardown(cleanup);
const native = await loadNativeBridge();
const sources = ['inspector', ...('error' in native ? [] : ['native'])] as const;
let n = 0;
const outDir = () => join(base, `out-${++n}`);

function node(script: string, env: Record<string, string>, extra: Parameters<typeof runChild>[2] = {}) {
  return runChild(process.execPath, ['--import', REGISTER, join(FIXTURES, script)], { ...extra, env: { ...env, ...extra.env } });
}

for (const source of sources) {
  t.test(`${source}: files at natural exit`, async (t) => {
    const dir = outDir();
    const r = await node('burn.mjs', { WASMPROF_OUTPUT_DIR: dir, WASMPROF_PROFILES: 'wall,cpu,heap', WASMPROF_SOURCE: source, BURN_MS: '400' });
    t.equal(r.code, 0, r.stderr);
    const files = profileFiles(dir);
    t.same(files.map((f) => f.replace(/-\d+-/, '-PID-')), ['cpu-PID-1.pb.gz', 'heap-PID-1.pb.gz', 'wall-PID-1.pb.gz']);
    const pid = /-(\d+)-/.exec(files[0])![1];
    t.ok(Number(pid) > 0, 'named after the program\'s pid');
    const wall = decode(readFileSync(join(dir, `wall-${pid}-1.pb.gz`)));
    t.ok(total(wall, 'burnHeavy', 1) > 200e6, 'the program\'s hot function is in the wall profile');
    // CPU time depends on how much of the machine the child got; its share of the profile does not.
    const cpu = decode(readFileSync(join(dir, `cpu-${pid}-1.pb.gz`)));
    t.ok(total(cpu, 'burnHeavy', 1) > 0.5 * sumAll(cpu, 1), 'and it holds most of the CPU profile');
    t.ok(decode(readFileSync(join(dir, `heap-${pid}-1.pb.gz`))).sampleTypes.includes('inuse_space/bytes'));
    t.notOk(readFileSync(join(dir, `wall-${pid}-1.pb.gz`)).length === 0);
    t.same(profileFiles(dir).filter((f) => f.startsWith('.')), [], 'no temporary files left');
  });

  t.test(`${source}: SIGTERM writes the last period, then the process dies of SIGTERM`, async (t) => {
    const dir = outDir();
    const r = await node('serve.mjs', { WASMPROF_OUTPUT_DIR: dir, WASMPROF_SOURCE: source }, { onLine: { line: 'ready', then: (c) => setTimeout(() => c.kill('SIGTERM'), 150) } });
    t.equal(r.signal, 'SIGTERM', `killed by the re-raised signal (code ${r.code}, stderr: ${r.stderr})`);
    const files = profileFiles(dir);
    t.equal(files.length, 2, `wall and cpu written: ${files.join(', ')}`);
    const wall = decode(readFileSync(join(dir, files.find((f) => f.startsWith('wall'))!)));
    t.ok(total(wall, 'burnHeavy', 1) > 100e6, 'with the samples up to the signal');
  });
}

t.test('inspector: process.exit(n) writes the last period synchronously; the exit code stays n', async (t) => {
  const dir = outDir();
  const r = await node('serve.mjs', { WASMPROF_OUTPUT_DIR: dir, WASMPROF_SOURCE: 'inspector', EXIT_CODE: '3' });
  t.equal(r.code, 3);
  t.equal(profileFiles(dir).length, 2, profileFiles(dir).join(', '));
});

t.test('native: process.exit(n) writes the last period when the source can stop synchronously', async (t) => {
  if ('error' in native) return t.skip(`native bridge unavailable: ${native.error}`);
  const dir = outDir();
  const r = await node('serve.mjs', { WASMPROF_OUTPUT_DIR: dir, WASMPROF_SOURCE: 'native', EXIT_CODE: '3' });
  t.equal(r.code, 3);
  t.equal(profileFiles(dir).length, 2, profileFiles(dir).join(', '));
});

t.test('a program with its own SIGTERM handler keeps it; the data so far is written', async (t) => {
  const dir = outDir();
  const r = await node('serve.mjs', { WASMPROF_OUTPUT_DIR: dir, WASMPROF_SOURCE: 'inspector', APP_HANDLES_SIGTERM: '1' }, { onLine: { line: 'ready', then: (c) => setTimeout(() => c.kill('SIGTERM'), 100) } });
  t.equal(r.code, 0, 'the program exited the way it wanted');
  t.equal(r.signal, null);
  t.match(r.stdout, 'app: SIGTERM');
  const files = profileFiles(dir);
  t.ok(files.includes(files.find((f) => /^wall-\d+-1\.pb\.gz$/.test(f)) ?? '-'), 'a period written at the signal');
  t.ok(files.some((f) => /^wall-\d+-2\.pb\.gz$/.test(f)), 'and the last one at exit');
});

t.test('every period is written while the program runs', async (t) => {
  const dir = outDir();
  const r = await node('serve.mjs', { WASMPROF_OUTPUT_DIR: dir, WASMPROF_SOURCE: 'inspector', WASMPROF_PROFILES: 'wall', WASMPROF_PERIOD: '200ms', RUN_MS: '900' });
  t.equal(r.code, 0, r.stderr);
  const seqs = profileFiles(dir).map((f) => Number(/-(\d+)\.pb\.gz$/.exec(f)![1])).sort((a, b) => a - b);
  t.ok(seqs.length >= 3, `${seqs.length} periods: ${seqs.join(',')}`);
  t.same(seqs, seqs.map((_, i) => i + 1), 'numbered 1, 2, 3, ...');
});

t.test('an unwritable output directory is reported once and never breaks the program', async (t) => {
  const blocker = join(base, 'a-file');
  writeFileSync(blocker, 'not a directory');
  const r = await node('serve.mjs', { WASMPROF_OUTPUT_DIR: join(blocker, 'profiles'), WASMPROF_SOURCE: 'inspector', WASMPROF_PERIOD: '150ms', RUN_MS: '600' });
  t.equal(r.code, 0, 'the program exits normally');
  t.match(r.stdout, 'ready', 'and did its work');
  const lines = r.stderr.split('\n').filter((l) => l.includes('cannot write profiles'));
  t.equal(lines.length, 1, `reported once: ${r.stderr}`);
  t.match(lines[0], /a path component is not a directory|ENOTDIR/);
  t.match(lines[0], 'the application keeps running');
});

t.test('a bad setting: one clear line, and the program runs unprofiled', async (t) => {
  const dir = outDir();
  const r = await node('burn.mjs', { WASMPROF_OUTPUT_DIR: dir, WASMPROF_INTERVAL: '0ms', BURN_MS: '100' });
  t.equal(r.code, 0);
  t.match(r.stderr, /^wasmprof: invalid interval "0ms" \(from WASMPROF_INTERVAL\): out of range: expected a duration from 100us to 1s.*; profiling is off\n$/);
  t.notOk(existsSync(dir), 'nothing written');
});
