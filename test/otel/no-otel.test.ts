// `wasmprof` never loads OpenTelemetry: a child process imports the SDK's entry point, profiles a
// labelled burst and lists every @opentelemetry module it resolved (module hooks) or has in the
// CommonJS cache — none. The same child importing wasmprof/otel sees @opentelemetry/api, which
// shows the check can see a load. And the package's "./otel" export is where the build puts it.
import t from 'tap';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runChild } from '../profiler/helpers.js';

const CHILD = join(ROOT, 'test/otel/fixtures/loads.mjs');
const SDK_INDEX = join(ROOT, 'sdk/index.ts');

async function loads(entry: string): Promise<{ resolved: string[]; cached: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'wasmprof-otel-'));
  try {
    const r = await runChild(process.execPath, ['--import', './test/helpers/ts-loader.mjs', CHILD, entry, SDK_INDEX, join(dir, 'log')]);
    if (r.code !== 0) throw new Error(`child exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { resolved: string[]; cached: string[] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Both children at once: each is mostly start-up.
const [plain, otel] = await Promise.all([loads(SDK_INDEX), loads(join(ROOT, 'sdk/otel/index.ts'))]);

t.test('importing and using wasmprof loads no @opentelemetry module', async (t) => {
  const { resolved, cached } = plain;
  t.same(resolved, [], 'nothing resolved under node_modules/@opentelemetry');
  t.same(cached, [], 'nothing in the CommonJS cache either');
});

t.test('wasmprof/otel does load @opentelemetry/api (the check sees it)', async (t) => {
  const { resolved, cached } = otel;
  t.ok(resolved.some((u) => u.includes('/@opentelemetry/api/')), `resolved: ${resolved.map((u) => u.replace(/.*node_modules\//, '')).join(', ')}`);
  t.ok(cached.some((u) => u.includes('/@opentelemetry/api/')) || resolved.length > 0, 'and loaded it');
});

t.test('the "./otel" export points at the built entry point', async (t) => {
  const url = import.meta.resolve('wasmprof/otel');
  t.equal(url, `file://${join(ROOT, 'dist/sdk/otel/index.js')}`, 'wasmprof/otel → dist/sdk/otel/index.js');
  t.ok(!existsSync(join(ROOT, 'dist/sdk/otel')) || existsSync(join(ROOT, 'dist/sdk/otel/index.d.ts')), 'with its types beside it once built');
});
