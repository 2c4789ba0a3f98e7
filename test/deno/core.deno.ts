// The core's shared test cases (test/core-cases) under `deno test`, asserting with node:assert
// (JSR's std is not reachable here). Run through test/deno/run.mjs.
import assert from 'node:assert';
import { writeFileSync, mkdirSync } from 'node:fs';
import { compileCore } from '../../sdk/core.ts';
import { allCases } from '../core-cases/index.ts';
import type { Assert, CaseContext } from '../core-cases/harness.ts';

declare const Deno: {
  test(name: string, fn: () => Promise<void> | void): void;
  env: { get(n: string): string | undefined; set(n: string, v: string): void; delete(n: string): void };
  readFileSync?: never;
};

const module = await compileCore();
const debugModule = await compileCore(undefined, true);
const root = new URL('../..', import.meta.url);
let assertions = 0;

const ctx: CaseContext = {
  module,
  debugModule,
  fixture: (name) => new Uint8Array((globalThis as unknown as { Deno: { readFileSync(u: URL): Uint8Array } }).Deno.readFileSync(new URL(`test/fixtures/${name}`, root))),
  stress: Deno.env.get('WASMPROF_STRESS') === '1',
  env: (name) => Deno.env.get(name),
  withEnv(name, value, fn) {
    const old = Deno.env.get(name);
    if (value === undefined) Deno.env.delete(name); else Deno.env.set(name, value);
    try { fn(); } finally { if (old === undefined) Deno.env.delete(name); else Deno.env.set(name, old); }
    return true;
  },
};

const t: Assert = {
  ok(v, m) { assertions++; assert.ok(v, m); },
  equal(a, b, m) { assertions++; assert.strictEqual(a, b, m); },
  notEqual(a, b, m) { assertions++; assert.notStrictEqual(a, b, m); },
  deepEqual(a, b, m) { assertions++; assert.deepStrictEqual(a, b, m); },
  throws(fn, match, m) {
    assertions++;
    let caught: unknown;
    try { fn(); } catch (err) { caught = err; }
    assert.ok(caught !== undefined, m ?? 'expected an exception');
    if (match) assert.match(caught instanceof Error ? caught.message : String(caught), match, m);
    return caught;
  },
};

allCases.forEach((c, i) => {
  Deno.test(c.name, async () => {
    await c.run(t, ctx);
    if (i === allCases.length - 1) {
      mkdirSync(new URL('test-results/', root), { recursive: true });
      writeFileSync(new URL('test-results/deno-assertions.json', root), JSON.stringify({ assertions }) + '\n');
    }
  });
});
