// `wasmprof record --pid`: attaching to a plain `node` process started without wasmprof. The
// profiles come out of the same pipeline as `record -- cmd` (the hot function on top, the flame
// graph written), the target keeps running, and no listening socket of it is left; every
// refusal is one line and exit code 2, with the target untouched.
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';
import { CLI, decode, ensureBuilt, lineOf, profileFiles, ROOT, scratch, total, type Decoded } from '../profiler/helpers.js';
import { attach } from '../../sdk/cli/attach.js';
import { captured, freePort, listeningOf, runCli, running, startTarget, type Target } from './helpers.js';

ensureBuilt();
const FIXTURES = join(ROOT, 'test/attach/fixtures');
const SPIN = join(FIXTURES, 'spin.cjs');
const { dir: base, cleanup } = scratch('attach');
t.teardown(cleanup);

const targets: Target[] = [];
t.teardown(() => { for (const x of targets) x.stop(); });
async function target(nodeArgs: string[], script = SPIN, env: Record<string, string> = {}): Promise<Target> {
  const x = await startTarget(nodeArgs, script, env);
  targets.push(x);
  return x;
}

/** The function with the largest flat value (index 1: wall or cpu nanoseconds). */
function top(d: Decoded): string {
  const flat = new Map<string, number>();
  for (const s of d.samples) if (s.stack[0]) flat.set(s.stack[0].name, (flat.get(s.stack[0].name) ?? 0) + s.values[1]);
  return [...flat].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '(none)';
}

function oneLine(t: Tap.Test, stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  t.equal(lines.length, 1, `one line: ${stderr.trim()}`);
  t.match(lines[0], /^wasmprof record: /);
  t.match(lines[0], pattern);
}

t.test('attach to a plain node process: pprof with the hot function on top, flame graph, target running, port closed', async (t) => {
  const x = await target([]);
  const before = listeningOf(x.pid);
  t.same(before, [], 'the target listens on nothing before');
  const dir = join(base, 'plain');
  const r = await runCli(CLI, ['record', '--pid', String(x.pid), '--duration', '2s', '--profiles', 'wall,cpu,heap', '-o', dir]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, `attached to pid ${x.pid} (inspector on 127.0.0.1:9229)`);
  t.match(r.stderr, /closed the inspector of pid \d+ again/);
  t.same(profileFiles(dir), [`cpu-${x.pid}-1.pb.gz`, `heap-${x.pid}-1.pb.gz`, `wall-${x.pid}-1.pb.gz`], 'record\'s file names');
  const cpu = decode(readFileSync(join(dir, `cpu-${x.pid}-1.pb.gz`)));
  const wall = decode(readFileSync(join(dir, `wall-${x.pid}-1.pb.gz`)));
  t.equal(top(cpu), 'spinHotLoop', 'cpu: the hot function on top');
  t.equal(top(wall), 'spinHotLoop', 'wall: the hot function on top');
  t.same(cpu.sampleTypes, ['samples/count', 'cpu/nanoseconds']);
  const hot = cpu.samples.find((s) => s.stack[0]?.name === 'spinHotLoop')!.stack[0];
  t.same(hot, { name: 'spinHotLoop', file: SPIN, line: lineOf(SPIN, 'function spinHotLoop(', readFileSync(SPIN, 'utf8')) }, 'file and 1-based line of the function');
  t.ok(wall.durationNanos > 1.8e9 && wall.durationNanos < 4e9, `duration ${(wall.durationNanos / 1e9).toFixed(2)} s`);
  t.ok(total(wall, 'spinHotLoop', 1) > 0.3 * wall.durationNanos, 'most wall time in the hot loop');
  t.ok(cpu.comments.some((c) => c.startsWith(`wasmprof attach: pid=${x.pid}`)), 'the profile says it was attached');
  const heap = decode(readFileSync(join(dir, `heap-${x.pid}-1.pb.gz`)));
  t.same(heap.sampleTypes.slice(-2), ['inuse_objects/count', 'inuse_space/bytes']);
  const html = readFileSync(join(dir, 'flamegraph.html'), 'utf8');
  t.match(html, /<html/i);
  t.match(html, 'spinHotLoop', 'the flame graph holds the hot function');

  t.ok(running(x.pid), 'the target still runs');
  await x.next(/beat \d+/);
  t.same(listeningOf(x.pid), [], 'no listening socket of the target remains');
  t.match(x.out(), /^ready\n(beat \d+\n)+$/, 'nothing but its own output on stdout');

  // Attaching again works (the close left nothing behind), and adds files instead of replacing them.
  const again = await runCli(CLI, ['record', '--pid', String(x.pid), '--duration', '500ms', '-o', dir, '--no-flamegraph']);
  t.equal(again.code, 0, again.stderr);
  t.ok(existsSync(join(dir, `wall-${x.pid}-2.pb.gz`)) && existsSync(join(dir, `cpu-${x.pid}-2.pb.gz`)), 'seq 2');
  t.same(listeningOf(x.pid), [], 'closed again');
  t.ok(running(x.pid));
});

t.test('an ESM target from TypeScript (minified bundle, inline source map), on a port the system picks; Ctrl-C stops early', async (t) => {
  const sub = join(base, 'esm');
  mkdirSync(sub);
  const tsFile = join(FIXTURES, 'spin-typed.ts');
  const js = join(sub, 'bundle.mjs');
  buildSync({ entryPoints: [tsFile], bundle: true, minify: true, format: 'esm', sourcemap: 'inline', outfile: js, logLevel: 'silent' });
  t.notMatch(readFileSync(js, 'utf8'), /function typedSpin/, 'the bundle renamed the function');
  const x = await target(['--inspect-port=0'], js);
  const dir = join(sub, 'out');
  const r = await runCli(CLI, ['record', '--pid', String(x.pid), '--duration', '30s', '-o', dir], {
    onStderr: { match: /attached to pid/, then: (c) => { setTimeout(() => c.kill('SIGINT'), 1200); } },
  });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /stopping early/);
  t.notMatch(r.stderr, /inspector on 127\.0\.0\.1:9229\)/, 'not the default port');
  t.ok(r.ms < 15_000, `stopped well before the 30 s (${(r.ms / 1000).toFixed(1)} s)`);
  const wall = decode(readFileSync(join(dir, `wall-${x.pid}-1.pb.gz`)));
  t.equal(top(wall), 'typedSpin', 'the original name, from the map');
  t.same(wall.samples.find((s) => s.stack[0]?.name === 'typedSpin')!.stack[0], { name: 'typedSpin', file: tsFile, line: 9 }, 'original file and line');
  t.match(wall.comments.join('\n'), /source maps: loaded=1/);
  t.ok(existsSync(join(dir, 'flamegraph.html')));
  t.ok(running(x.pid), 'the target still runs');
  t.same(listeningOf(x.pid), [], 'no listening socket remains');
});

t.test('a target that exits during the recording exits on time, with its code; the profiles up to then are kept', async (t) => {
  const x = await target([], SPIN, { EXIT_AFTER_ATTACH_MS: '1500' });
  const dir = join(base, 'exits');
  const r = await runCli(CLI, ['record', '--pid', String(x.pid), '--duration', '20s', '-o', dir]);
  const exit = await x.exited;
  t.equal(exit.code, 7, 'the target\'s own exit code');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /exited during the recording: its profiles up to then are kept/);
  t.ok(r.ms < 10_000, `not held until the duration (${(r.ms / 1000).toFixed(1)} s)`);
  t.equal(top(decode(readFileSync(join(dir, `cpu-${x.pid}-1.pb.gz`)))), 'spinHotLoop');
});

// The refusals and flag errors run the subcommand in this process (what bin/wasmprof.js runs, without
// a process start per case); the end-to-end exit code 2 is checked by the other user's case.
t.test('refusals: one line, exit 2, the target untouched', async (t) => {
  const dir = join(base, 'refused');
  const check = async (args: string[], pattern: RegExp, x?: Target): Promise<void> => {
    const r = await captured(() => attach([...args, '-o', dir]));
    t.equal(r.code, 2, args.join(' '));
    oneLine(t, r.stderr, pattern);
    t.same(profileFiles(dir), [], 'nothing written');
    if (x) {
      t.ok(running(x.pid), 'the target still runs');
      t.same(listeningOf(x.pid), [], 'no socket opened');
    }
  };
  await check(['--pid', 'abc'], /--pid must be a process id \(a positive integer\), got "abc"/);
  await check(['--pid', '0'], /not a valid process id/);
  const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(gone, 'exit');
  await check(['--pid', String(gone.pid)], new RegExp(`no process with pid ${gone.pid}$`));

  // `sleep` is not Node: its pid is refused without a signal being sent (SIGUSR1 would end it).
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.teardown(() => { sleeper.kill('SIGKILL'); });
  await once(sleeper, 'spawn');
  await check(['--pid', String(sleeper.pid)], /is not a Node process \(\/proc\/\d+\/exe is \S*sleep/);
  t.ok(running(sleeper.pid!), 'sleep was not signalled');

  if (process.allowedNodeEnvironmentFlags.has('--disable-sigusr1')) {
    const x = await target(['--disable-sigusr1']);
    await check(['--pid', String(x.pid)], /was started with --disable-sigusr1/, x);
  } else {
    t.comment(`--disable-sigusr1 does not exist in Node ${process.version}`);
  }

  // Another inspector holds the port the target would use; that inspector itself is open already.
  const port = await freePort();
  const blocker = await target([`--inspect=127.0.0.1:${port}`]);
  const x = await target([`--inspect-port=${port}`]);
  await check(['--pid', String(x.pid)], new RegExp(`inspector port 127\\.0\\.0\\.1:${port} of pid ${x.pid} is in use by pid ${blocker.pid}`), x);
  const r = await captured(() => attach(['--pid', String(blocker.pid), '-o', dir]));
  t.equal(r.code, 2);
  oneLine(t, r.stderr, new RegExp(`pid ${blocker.pid} already listens on 127\\.0\\.0\\.1:${port}, its inspector port: the inspector is open already`));
  t.equal(listeningOf(blocker.pid).length, 1, 'the open inspector was left open (not ours to close)');

  const blocked = process.getuid?.() === 0 ? closedToOthers([process.execPath, CLI]) : undefined;
  if (blocked !== undefined) {
    t.comment(`as root, but nobody could not run the CLI (${blocked} is closed to other users): the other-user refusal is not tried`);
  } else if (process.getuid?.() === 0) {
    // tap's process-info hook in the child writes into a directory it may write to, as nobody.
    const infoDir = join(base, 'nobody-info');
    mkdirSync(infoDir);
    chmodSync(infoDir, 0o777);
    chmodSync(base, 0o755); // mkdtemp's 0700 would keep nobody out
    const r2 = await runCli(CLI, ['record', '--pid', String(x.pid), '-o', join(base, 'nobody')], { uid: 65534, env: { _TAPJS_PROCESSINFO_CWD_: infoDir } });
    t.equal(r2.code, 2, r2.stderr);
    oneLine(t, r2.stderr, new RegExp(`pid ${x.pid} belongs to another user \\(uid 0\\): only its owner or root can attach`));
  } else if (/^Uid:\s+0\s/m.test(readFileSync('/proc/1/status', 'latin1'))) {
    const r2 = await captured(() => attach(['--pid', '1', '-o', join(base, 'root')]));
    t.equal(r2.code, 2);
    oneLine(t, r2.stderr, /pid 1 belongs to another user \(uid 0\): only its owner or root can attach/);
  } else {
    t.comment('another user\'s process: none to try');
  }
  t.ok(running(x.pid), 'the target still runs');
});

/** The first directory above one of `files` that other users cannot enter (e.g. a 0700 /root
 *  holding the Node release), or undefined when they can reach every file. */
function closedToOthers(files: string[]): string | undefined {
  for (const file of files) {
    for (let dir = dirname(file); ; dir = dirname(dir)) {
      if ((statSync(dir).mode & 0o001) === 0) return dir;
      if (dir === dirname(dir)) break;
    }
  }
  return undefined;
}

t.test('bad flags: one line, exit 2', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--pid', '1'], /missing -o DIR/],
    [['--pid', '1', '-o', base, '--duration', 'forever'], /invalid --duration "forever": expected a duration from 100ms to 24h/],
    [['--pid', '1', '-o', base, '--profiles', 'wall,native-heap'], /native-heap cannot be attached/],
    [['--pid', '1', '-o', base, '--period', '10s'], /--period does not apply with --pid/],
    [['--pid', '1', '-o', base, '--interval', '0'], /invalid --interval "0": out of range/],
    [['--pid', '1', '-o', base, '--', 'node', 'x.js'], /--pid attaches to a running process: no command is run/],
  ];
  for (const [args, pattern] of cases) {
    const r = await captured(() => attach(args));
    t.equal(r.code, 2, args.join(' '));
    oneLine(t, r.stderr, pattern);
  }
  const help = await runCli(CLI, ['record', '--pid', '1', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /usage: wasmprof record --pid PID/);
});
