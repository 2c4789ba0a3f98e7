// The files load in `go tool pprof` (the reference reader of the format), with the example's hot
// functions on top and the same totals as our own decoding. Skipped when Go is not installed
// (Debian: apt-get install golang-go).
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, ensureBuilt, profileFiles, REGISTER, ROOT, runChild, scratch, sumAll } from './helpers.js';

const go = spawnSync('go', ['version'], { encoding: 'utf8' });
if (go.error || go.status !== 0) {
  t.skip(`go is not installed (${go.error?.message ?? go.stderr.trim()}); install golang-go to run this check`);
} else {
  ensureBuilt();
  const { dir, cleanup } = scratch('gopprof');
  t.teardown(cleanup);

  t.test('go tool pprof -top reads wall, cpu and heap profiles', async (t) => {
    const r = await runChild(process.execPath, ['--import', REGISTER, join(ROOT, 'examples/busy.js')], {
      env: { BUSY_MS: '1200', WASMPROF_OUTPUT_DIR: dir, WASMPROF_PROFILES: 'wall,cpu,heap' },
    });
    t.equal(r.code, 0, r.stderr);
    const files = profileFiles(dir);
    t.equal(files.length, 3);
    const top = (file: string, index: string) =>
      execFileSync('go', ['tool', 'pprof', '-top', `-sample_index=${index}`, join(dir, file)], { encoding: 'utf8', env: { ...process.env, PPROF_TMPDIR: dir }, timeout: 60_000 });
    for (const [type, index] of [['cpu', 'cpu'], ['wall', 'wall']] as const) {
      const file = files.find((f) => f.startsWith(type))!;
      const out = top(file, index);
      const rows = out.split('\n').filter((l) => /^\s+[\d.]+\w*\s+[\d.]+%/.test(l));
      t.match(rows[0], /renderThumbnails$/, `${type}: the heavier function is on top`);
      if (!/renderThumbnails$/.test(rows[0] ?? '')) t.comment(out);
      t.match(rows[1], /checksumRecords$/, `${type}: the lighter one second`);
      t.match(out, new RegExp(`Type: ${type}`));
      // Totals agree with our own decoding ("Total samples = 1.23s" in go's units).
      const m = /Total samples = ([\d.]+)(ms|s)/.exec(out);
      t.ok(m, 'go prints a total');
      const goNanos = Number(m![1]) * (m![2] === 's' ? 1e9 : 1e6);
      const ours = sumAll(decode(readFileSync(join(dir, file))), 1);
      t.ok(Math.abs(goNanos - ours) / ours < 0.01, `${type}: go total ${goNanos} ns vs ours ${ours} ns`);
    }
    const heap = top(files.find((f) => f.startsWith('heap'))!, 'inuse_space');
    t.match(heap, /Type: inuse_space/);
    const tags = execFileSync('go', ['tool', 'pprof', '-raw', join(dir, files.find((f) => f.startsWith('wall'))!)], { encoding: 'utf8', timeout: 60_000 });
    t.match(tags, /renderThumbnails/, '-raw lists the stacks');
  });
}
