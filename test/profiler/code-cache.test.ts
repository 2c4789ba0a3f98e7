// The CommonJS preload's V8 code cache (sdk/preload-loader.ts): written once, by the first
// process's exit, into WASMPROF_CODE_CACHE; used (not rewritten) by the next; a cache V8 rejects
// is replaced; `off`, or a directory others may write to, means no cache — and the program is
// profiled the same in every case.
import t from 'tap';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, FIXTURES, profileFiles, ROOT, runChild, scratch } from './helpers.js';

ensureBuilt();
const { dir: base, cleanup } = scratch('code-cache');
t.teardown(cleanup);
let n = 0;

async function profiled(cacheSetting: string) {
  const out = join(base, `out-${++n}`);
  const r = await runChild(process.execPath, ['--require', join(ROOT, 'register.cjs'), join(FIXTURES, 'burn.mjs')], {
    env: { WASMPROF_OUTPUT_DIR: out, WASMPROF_CODE_CACHE: cacheSetting, WASMPROF_PROFILES: 'wall', BURN_MS: '50' },
  });
  return { ...r, files: profileFiles(out) };
}

const cacheFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.bin'));

t.test('written by the first process, used by the next', async (t) => {
  const dir = join(base, 'cache');
  const first = await profiled(dir);
  t.equal(first.code, 0, first.stderr);
  t.equal(first.files.length, 1, 'the first process is profiled');
  const files = cacheFiles(dir);
  t.equal(files.length, 1, 'one cache file');
  t.match(files[0], new RegExp(`^preload-${process.version}-${process.arch}-[0-9a-f]{16}-[0-9a-f]{8}\\.bin$`), 'named for the release, the bundle build and the options');
  t.equal(statSync(dir).mode & 0o777, 0o700, 'a directory only its owner reads');
  const before = statSync(join(dir, files[0]));
  const second = await profiled(dir);
  t.equal(second.code, 0, second.stderr);
  t.equal(second.files.length, 1, 'the second process is profiled');
  const after = statSync(join(dir, files[0]));
  t.equal(after.mtimeMs, before.mtimeMs, 'V8 took the cache: it was not written again');
  t.same(cacheFiles(dir), files, 'and no other file appeared');
});

t.test('the newest 16 caches are kept', async (t) => {
  const dir = join(base, 'pruned');
  mkdirSync(dir, { mode: 0o700 });
  const old = Date.now() / 1000 - 3600;
  for (let i = 0; i < 20; i++) {
    const f = join(dir, `preload-v0.0.${i}-x64-0000000000000000-00000000.bin`);
    writeFileSync(f, 'stale');
    utimesSync(f, old + i, old + i);
  }
  writeFileSync(join(dir, 'unrelated.txt'), 'kept');
  const r = await profiled(dir);
  t.equal(r.code, 0, r.stderr);
  const left = cacheFiles(dir);
  t.equal(left.length, 16, 'sixteen left');
  t.ok(left.some((f) => f.startsWith(`preload-${process.version}-`)), 'the new one among them');
  t.notOk(left.includes('preload-v0.0.0-x64-0000000000000000-00000000.bin'), 'the oldest went');
  t.ok(readdirSync(dir).includes('unrelated.txt'), 'files that are not caches are left alone');
});

t.test('a cache V8 rejects is replaced', async (t) => {
  const dir = join(base, 'rejected');
  await profiled(dir);
  const [file] = cacheFiles(dir);
  writeFileSync(join(dir, file), Buffer.alloc(4096, 7));
  const r = await profiled(dir);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.files.length, 1, 'profiled with garbage in the cache');
  t.not(readFileSync(join(dir, file))[0], 7, 'a real cache took its place');
});

t.test('off, or a directory others may write to: no cache, profiled all the same', async (t) => {
  const off = await profiled('off');
  t.equal(off.code, 0, off.stderr);
  t.equal(off.files.length, 1);
  const open = join(base, 'shared');
  mkdirSync(open);
  chmodSync(open, 0o777);
  const r = await profiled(open);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.files.length, 1);
  t.same(cacheFiles(open), [], 'nothing written where others could change it');
});
