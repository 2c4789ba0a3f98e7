// `wasmprof record --profiles native-heap -- <C program>`: the program runs under the preload,
// the aggregator in the wasmprof process writes native-heap profiles (the program's end labelled
// `exit`), the flame graph and a summary, and `go tool pprof` reads them (alloc_space by
// function, file:line of the allocation sites of a program built with -g, build ids).
import t from 'tap';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { buildFixture, ensurePreload, exitOf, here, repo, tempDir, waitLine } from './helpers.js';

const lib = ensurePreload();
const cli = join(repo, 'bin', 'wasmprof.js');
const built = existsSync(join(repo, 'dist', 'sdk', 'native-heap', 'record.js'));
if (typeof lib !== 'string') t.skip(lib.skip);
else if (!built) t.skip('dist/ is not built (npm run build:ts)');
else {
  t.test('record --profiles native-heap -- a C program', async (t) => {
    const exe = buildFixture('alloc');
    const out = tempDir('record');
    t.teardown(() => rmSync(out, { recursive: true, force: true }));
    const child = spawn(process.execPath, [cli, 'record', '-o', out, '--profiles', 'native-heap', '--', exe], {
      env: { ...process.env, WASMPROF_NATIVE_HEAP_INTERVAL: '4096' }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    await waitLine(child, /^ready$/);
    child.stdin?.write('free\n');
    await waitLine(child, /^freed$/);
    // Symbols come from /proc/<pid>/maps: give the aggregator one drain (50 ms) while the process lives.
    await new Promise((r) => setTimeout(r, 200));
    child.stdin?.write('exit\n');
    t.same(await exitOf(child), { code: 0, signal: null }, 'exit code is the program\'s');
    t.match(err, /native-heap: 1 profile file/);
    t.match(err, /native-heap summary[^]*pid \d+ \(exit code 0\): peak [\d.]+[kM]B[^]*in use at exit/, 'the summary names peak and in use at exit');
    t.match(err, /f_malloc|f_calloc|f_mmap/, 'and the top stacks');
    t.ok(existsSync(join(out, 'flamegraph.html')), 'flame graph written');
    const files = readdirSync(out).filter((f) => /^native-heap-\d+-\d+\.pb\.gz$/.test(f));
    t.equal(files.length, 1);
    t.match(files[0], /^native-heap-\d+-1\.pb\.gz$/, 'numbered from 1, like every profile file');
    t.same(readdirSync(out).filter((f) => f.endsWith('.tmp')), [], 'written through a temp file that was renamed');
    const p = Profile.decode(gunzipSync(readFileSync(join(out, files[0]))));
    const st = (i: number | bigint) => p.stringTable.strings[Number(i)];
    t.same(p.sampleType.map((v) => st(v.type)), ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space', 'peak_inuse_objects', 'peak_inuse_space', 'temporary_objects', 'temporary_space']);
    t.ok(p.sample.every((s) => s.label.some((l) => st(l.key) === 'exit' && st(l.str) === 'exit code 0')), 'every sample of the ended program is labelled exit=exit code 0');
    const exeMapping = p.mapping.find((m) => st(m.filename) === exe);
    t.match(exeMapping ? st(exeMapping.buildId) : '', /^[0-9a-f]{40}$/, 'the fixture\'s mapping carries its build id');
    t.ok(exeMapping?.hasLineNumbers, 'and says it has line numbers');
    const go = spawnSync('go', ['version'], { encoding: 'utf8' });
    if (go.status !== 0) { t.comment('go not installed: go tool pprof check skipped'); return; }
    const top = execFileSync('go', ['tool', 'pprof', '-top', '-sample_index=alloc_space', join(out, files[0])], { encoding: 'utf8', env: { ...process.env, PPROF_TMPDIR: out }, timeout: 60_000 });
    for (const f of ['f_malloc', 'f_calloc', 'f_mmap', 'f_shm', 'f_mremap']) t.match(top, new RegExp(`\\b${f}\\b`), `go tool pprof shows ${f}`);
    const row = top.split('\n').find((l) => /\bf_mmap$/.test(l.trim()));
    t.match(row ?? '', /4MB/, `f_mmap allocated 4 MB: ${row?.trim()}`);
    // -lines: file:line of each allocation site (the fixture is built with -g).
    const src = readFileSync(join(here, 'fixtures', 'alloc.c'), 'utf8').split('\n');
    const want = src.findIndex((l) => /^NOINLINE void f_calloc/.test(l)) + 1;
    const lines = execFileSync('go', ['tool', 'pprof', '-top', '-lines', '-sample_index=alloc_space', join(out, files[0])], { encoding: 'utf8', env: { ...process.env, PPROF_TMPDIR: out }, timeout: 60_000 });
    t.match(lines, new RegExp(`f_calloc [^\\n]*alloc\\.c:${want}\\b`), `go tool pprof -lines shows alloc.c:${want} for f_calloc`);
  });
}
