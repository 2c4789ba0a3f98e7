// `wasmprof record`: runs a program with the register hook, writes pprof files and flamegraph.html,
// keeps the program's exit code, passes signals on, and rejects bad flags before running anything.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withPreload } from '../../sdk/cli/record.js';
import { CLI, decode, ensureBuilt, FIXTURES, profileFiles, ROOT, runChild, scratch, total } from './helpers.js';

ensureBuilt();
const { dir: base, cleanup } = scratch('record');
t.teardown(cleanup);

t.test('record -o DIR -- node examples/busy.js', async (t) => {
  const dir = join(base, 'busy');
  const r = await runChild(process.execPath, [CLI, 'record', '-o', dir, '--profiles', 'wall,cpu,heap', '--', process.execPath, join(ROOT, 'examples/busy.js')], { env: { BUSY_MS: '1200' } });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, `into ${dir}`, 'says where the files go');
  t.match(r.stderr, /3 profile files \(cpu, heap, wall; 1 process\)/);
  t.match(r.stderr, `flame graph: ${join(dir, 'flamegraph.html')}`);
  const files = profileFiles(dir);
  t.same(files.map((f) => f.replace(/-\d+-/, '-PID-')), ['cpu-PID-1.pb.gz', 'heap-PID-1.pb.gz', 'wall-PID-1.pb.gz']);
  const cpu = decode(readFileSync(join(dir, files[0])));
  const heavy = total(cpu, 'renderThumbnails', 1), light = total(cpu, 'checksumRecords', 1);
  t.ok(heavy > light * 2, `renderThumbnails (${(heavy / 1e6).toFixed(0)} ms) well ahead of checksumRecords (${(light / 1e6).toFixed(0)} ms)`);
  const html = readFileSync(join(dir, 'flamegraph.html'), 'utf8');
  t.match(html, /<html/i);
  t.match(html, 'renderThumbnails', 'the page holds the hot function');
});

t.test('several periods are merged for the flame graph', async (t) => {
  const dir = join(base, 'periods');
  const r = await runChild(process.execPath, [CLI, 'record', '-o', dir, '--profiles', 'wall', '--period', '200ms', '--', process.execPath, join(FIXTURES, 'serve.mjs')], { env: { RUN_MS: '700', WASMPROF_SOURCE: 'inspector' } });
  t.equal(r.code, 0, r.stderr);
  t.ok(profileFiles(dir).length >= 3, profileFiles(dir).join(', '));
  t.match(r.stderr, /flame graph: /);
  t.match(readFileSync(join(dir, 'flamegraph.html'), 'utf8'), /\d+ periods/, 'named after the merged periods');
});

t.test('the exit code is the program\'s', async (t) => {
  const dir = join(base, 'exit');
  const r = await runChild(process.execPath, [CLI, 'record', '-o', dir, '--', process.execPath, '-e', 'process.exitCode = 5'], { env: { WASMPROF_SOURCE: 'inspector' } });
  t.equal(r.code, 5);
  const r2 = await runChild(process.execPath, [CLI, 'record', '-o', join(base, 'nothing'), '--', 'sh', '-c', 'exit 4']);
  t.equal(r2.code, 4, 'also for a program that is not Node');
  t.match(r2.stderr, /no profiles were written/);
  const r3 = await runChild(process.execPath, [CLI, 'record', '-o', join(base, 'missing'), '--', join(base, 'no-such-program')]);
  t.equal(r3.code, 127);
  t.match(r3.stderr, /cannot run/);
});

t.test('a signal sent to record reaches the program; record exits like it', async (t) => {
  const dir = join(base, 'signal');
  const r = await runChild(process.execPath, [CLI, 'record', '-o', dir, '--', process.execPath, join(FIXTURES, 'serve.mjs')], {
    env: { WASMPROF_SOURCE: 'inspector' },
    onLine: { line: 'ready', then: (c) => setTimeout(() => c.kill('SIGTERM'), 150) },
  });
  t.equal(r.code, 128 + 15, `exit code 143 (${r.stderr})`);
  t.equal(profileFiles(dir).length, 2, 'the last period was written');
  t.ok(existsSync(join(dir, 'flamegraph.html')));
});

t.test('bad flags fail before the program runs', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--interval', '0', '--', 'true'], /^wasmprof record: invalid --interval "0": out of range: expected a duration from 100us to 1s/],
    [['--profiles', 'wall,gpu', '--', 'true'], /invalid --profiles "wall,gpu": unknown profile type "gpu"; accepted: wall, cpu, heap/],
    [['--period', 'forever', '--', 'true'], /invalid --period "forever": expected a duration from 100ms to 24h/],
    [['--heap-interval', '12', '--', 'true'], /invalid --heap-interval "12": out of range/],
    [['-o', '', '--', 'true'], /bad -o\/--output value/],
    [['--frobnicate', 'x'], /Unknown option '--frobnicate'.*after --/],
    [[], /missing command/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runChild(process.execPath, [CLI, 'record', ...args]);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, pattern);
    t.notMatch(r.stderr, /recording/, 'nothing was run');
  }
  const help = await runChild(process.execPath, [CLI, 'record', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /usage: wasmprof record/);
});

t.test('NODE_OPTIONS: the hook is appended, quoted', async (t) => {
  t.equal(withPreload(undefined, '/a/register.cjs'), '--require="/a/register.cjs"');
  t.equal(withPreload('--max-old-space-size=100 ', '/my dir/r.cjs'), '--max-old-space-size=100 --require="/my dir/r.cjs"');
  t.equal(withPreload('', '/q"x/r.cjs'), '--require="/q\\"x/r.cjs"');
});
