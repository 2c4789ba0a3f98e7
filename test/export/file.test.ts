// File exporter: names, atomic visibility (no partial file is ever seen under its final name),
// retention by count and by bytes (oldest first), and a read-only or full disk reported once
// without throwing.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { FileExporter, type FileOps } from '../../sdk/export/file.js';
import { nodeFileOps } from '../../sdk/export/file-writer.js';
import type { ProfileBatch } from '../../sdk/export/types.js';
import { makePprof, readPprof, summary } from './helpers/pprof.js';

const realFs: FileOps = nodeFileOps;
const sleepSync = (ms: number): void => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); };

// The polling reader of the atomicity test. It runs on its own thread because the writes are
// synchronous: a reader on the writer's thread could never look in the middle of one.
const READER = `
const { workerData, parentPort } = require('node:worker_threads');
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { gunzipSync } = require('node:zlib');
const { Profile } = require('node:module').createRequire(workerData.from)('pprof-format');
const stop = new Int32Array(workerData.stop);
let checked = 0;
const bad = [];
while (Atomics.load(stop, 0) === 0) {
  for (const name of readdirSync(workerData.dir)) {
    if (!name.endsWith('.pb.gz')) continue;
    try {
      Profile.decode(gunzipSync(readFileSync(join(workerData.dir, name)))); // throws on a truncated gzip / pprof
      checked++;
    } catch (err) {
      if (err.code !== 'ENOENT') bad.push(name + ': ' + String(err));
    }
  }
  Atomics.wait(stop, 0, 0, 1);
}
parentPort.postMessage({ checked, bad });
`;

function batch(marker: string, types: string[] = ['wall'], padBytes = 0, seq?: number): ProfileBatch {
  return {
    start: new Date(1_700_000_000_000), end: new Date(1_700_000_060_000), seq,
    profiles: types.map((type) => ({ type, pprof: makePprof({ type: type === 'heap' ? 'heap' : 'wall', marker: `${marker}-${type}`, padBytes }) })),
  };
}

const profileFiles = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.pb.gz')).sort();

t.test('writes <type>-<pid>-<seq>.pb.gz that decode, creating the directory', async (t) => {
  const dir = join(t.testdirName, 'nested', 'out');
  t.testdir({});
  const errors: string[] = [];
  const ex = new FileExporter({ dir, pid: 4242, onError: (l) => errors.push(l) });
  ex.export(batch('a', ['wall', 'heap']));
  ex.export(batch('b', ['wall']));
  ex.export(batch('c', ['cpu'], 0, 17));
  await ex.flush(5000);
  t.same(profileFiles(dir), ['cpu-4242-17.pb.gz', 'heap-4242-1.pb.gz', 'wall-4242-1.pb.gz', 'wall-4242-2.pb.gz']);
  const p = summary(readPprof(new Uint8Array(await readFile(join(dir, 'heap-4242-1.pb.gz')))));
  t.same(p.functions, ['a-heap']);
  t.same(p.sampleTypes, ['inuse_objects/count', 'inuse_space/bytes']);
  t.same(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temp files left');
  t.equal(ex.stats().delivered, 4);
  t.same(errors, []);
  await ex.close(1000);
});

t.test('atomic: a reader polling the directory never sees a partial profile', async (t) => {
  const dir = t.testdir({});
  // Slow writes: the temp file sits on disk half-written for 15 ms, as on a slow or busy disk.
  const slowFs: FileOps = {
    ...realFs,
    writeFile: (path, data, opts) => {
      const half = Math.floor(data.byteLength / 2);
      writeFileSync(path, data.subarray(0, half), opts);
      sleepSync(15);
      appendFileSync(path, data.subarray(half));
    },
  };
  const ex = new FileExporter({ dir, fs: slowFs, maxFiles: 6, onError: () => undefined });
  const expected = new Map<string, number>();
  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(READER, { eval: true, workerData: { dir, from: import.meta.url, stop: stopFlag.buffer } });
  const reader = new Promise<{ checked: number; bad: string[] }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  for (let i = 0; i < 20; i++) {
    const b = batch(`m${i}`, ['wall', 'heap'], 200 * 1024);
    for (const p of b.profiles) expected.set(p.type, p.pprof.byteLength);
    ex.export(b);
    await new Promise((r) => setTimeout(r, 10));
  }
  await ex.flush(20_000);
  Atomics.store(stopFlag, 0, 1);
  const { checked, bad } = await reader;
  t.same(bad, [], 'every visible .pb.gz was complete');
  t.ok(checked > 20, `the reader checked ${checked} files while writes were in progress`);
  t.same(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  await ex.close(100);
});

t.test('retention by count: oldest removed first, other writers\' old files included', async (t) => {
  const dir = t.testdir({});
  // An old profile from an earlier process, and an unrelated file that must be left alone.
  writeFileSync(join(dir, 'wall-1-99.pb.gz'), makePprof());
  utimesSync(join(dir, 'wall-1-99.pb.gz'), new Date(1_000_000), new Date(1_000_000));
  writeFileSync(join(dir, 'notes.txt'), 'keep me');
  const ex = new FileExporter({ dir, pid: 7, maxFiles: 5, maxBytes: 0, onError: () => undefined });
  for (let i = 1; i <= 12; i++) {
    ex.export(batch(`n${i}`));
    await ex.flush(5000); // distinct mtimes in write order
  }
  t.same(profileFiles(dir), ['wall-7-10.pb.gz', 'wall-7-11.pb.gz', 'wall-7-12.pb.gz', 'wall-7-8.pb.gz', 'wall-7-9.pb.gz']);
  t.ok(readdirSync(dir).includes('notes.txt'), 'files that are not profiles are never touched');
  await ex.close(100);
});

t.test('retention by bytes; the batch just written is always kept', async (t) => {
  const dir = t.testdir({});
  const size = batch('x', ['wall'], 20 * 1024).profiles[0].pprof.byteLength;
  const ex = new FileExporter({ dir, pid: 8, maxFiles: 0, maxBytes: Math.floor(size * 3.5), onError: () => undefined });
  for (let i = 1; i <= 8; i++) { ex.export(batch(`y${i}`, ['wall'], 20 * 1024)); await ex.flush(5000); }
  const files = profileFiles(dir);
  t.same(files, ['wall-8-6.pb.gz', 'wall-8-7.pb.gz', 'wall-8-8.pb.gz']);
  const total = files.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  t.ok(total <= size * 3.5, `directory holds ${total} bytes`);
  // A batch bigger than the whole budget is still written (and everything older removed).
  const ex2 = new FileExporter({ dir, pid: 9, maxFiles: 0, maxBytes: 10, onError: () => undefined });
  ex2.export(batch('huge', ['wall', 'heap']));
  await ex2.flush(5000);
  t.same(profileFiles(dir), ['heap-9-1.pb.gz', 'wall-9-1.pb.gz']);
  await Promise.all([ex.close(100), ex2.close(100)]);
});

function mountReadOnly(dir: string): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir]).status === 0;
}

t.test('a read-only directory is reported once and never throws', async (t) => {
  // Outside tap's fixture tree, and unmounted before anything tries to remove it.
  const ro = mkdtempSync(join(tmpdir(), 'wasmprof-ro-'));
  let how: string | undefined;
  let cleanup = (): void => { rmSync(ro, { recursive: true, force: true }); };
  if (mountReadOnly(ro)) {
    how = 'read-only tmpfs mount';
    cleanup = () => { spawnSync('umount', [ro]); rmSync(ro, { recursive: true, force: true }); };
  } else if (process.getuid?.() !== 0) {
    how = 'chmod 0555';
    chmodSync(ro, 0o555);
    cleanup = () => { chmodSync(ro, 0o755); rmSync(ro, { recursive: true, force: true }); };
  }
  try {
    if (!how) {
      t.skip('root without mount permission: no real read-only directory available (the injected-failure test covers the logic)');
      return;
    }
    t.comment(`using a ${how}`);
    const errors: string[] = [];
    const ex = new FileExporter({ dir: ro, onError: (l) => errors.push(l) });
    for (let i = 0; i < 3; i++) t.doesNotThrow(() => ex.export(batch(`ro${i}`, ['wall', 'heap'])));
    await ex.flush(5000);
    t.equal(errors.length, 1, `reported once: ${errors.join(' | ')}`);
    t.match(errors[0], /cannot write .*(read-only file system \(EROFS\)|permission denied \(EACCES\))/);
    t.equal(ex.stats().dropped, 6);
    t.equal(ex.stats().delivered, 0);
    t.match(ex.takeDropComment(), /dropped 6 profile/);
    await ex.close(100);
  } finally {
    cleanup();
  }
});

t.test('disk full (injected ENOSPC): reported once per outage, recovers, reported again after', async (t) => {
  const dir = t.testdir({});
  let full = true;
  const fs: FileOps = {
    ...realFs,
    writeFile: (path, data, opts) => {
      if (full) { writeFileSync(path, data.subarray(0, 3), opts); throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); }
      writeFileSync(path, data, opts);
    },
  };
  const errors: string[] = [];
  const ex = new FileExporter({ dir, fs, pid: 3, onError: (l) => errors.push(l) });
  for (let i = 0; i < 3; i++) ex.export(batch(`f${i}`));
  await ex.flush(5000);
  t.equal(errors.length, 1);
  t.match(errors[0], /no space left on device \(ENOSPC\)/);
  t.same(readdirSync(dir), [], 'the partial temp files were removed');
  full = false;
  ex.export(batch('ok'));
  await ex.flush(5000);
  t.same(profileFiles(dir), ['wall-3-4.pb.gz']);
  t.equal(ex.stats().lastError, undefined);
  full = true;
  ex.export(batch('again'));
  await ex.flush(5000);
  t.equal(errors.length, 2, 'a new outage after a success is reported again');
  t.equal(ex.stats().dropped, 4);
  await ex.close(100);
});

t.test('a directory path that cannot exist (a file in the way) is reported, not thrown', async (t) => {
  const dir = t.testdir({ file: 'x' });
  const errors: string[] = [];
  const ex = new FileExporter({ dir: join(dir, 'file', 'sub'), onError: (l) => errors.push(l) });
  t.doesNotThrow(() => ex.export(batch('z')));
  await ex.flush(5000);
  t.match(errors.join('\n'), /ENOTDIR|EEXIST/);
  await ex.close(100);
  t.doesNotThrow(() => ex.export(batch('after-close')));
  t.throws(() => new FileExporter({ dir: '' }), /dir is required/);
  t.throws(() => new FileExporter({ dir: 'x', maxFiles: -1 }), /maxFiles/);
  mkdirSync(join(dir, 'ok'));
});
