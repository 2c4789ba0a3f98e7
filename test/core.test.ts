// Runs the core's shared test cases (test/core-cases) under tap in Node. The same cases run
// in headless Chromium (test/browser) and in Deno (test/deno).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { compileCore } from '../sdk/core.js';
import { allCases } from './core-cases/index.js';
import type { Assert, CaseContext } from './core-cases/harness.js';

const module = await compileCore();
const debugModule = await compileCore(undefined, true);
const ctx: CaseContext = {
  module,
  debugModule,
  fixture: (name) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url))),
  stress: process.env.WASMPROF_STRESS === '1',
  env: (name) => process.env[name],
  withEnv(name, value, fn) {
    const old = process.env[name];
    if (value === undefined) delete process.env[name]; else process.env[name] = value;
    try { fn(); } finally { if (old === undefined) delete process.env[name]; else process.env[name] = old; }
    return true;
  },
};

function adapt(tt: Tap.Test): Assert {
  return {
    ok: (v, m) => { tt.ok(v, m); },
    equal: (a, b, m) => { tt.equal(a, b, m); },
    notEqual: (a, b, m) => { tt.not(a, b, m); },
    deepEqual: (a, b, m) => { tt.strictSame(a, b, m); },
    throws(fn, match, m) {
      let caught: unknown;
      try { fn(); } catch (err) { caught = err; }
      tt.ok(caught !== undefined, m ?? 'expected an exception');
      if (caught !== undefined && match) tt.match(caught instanceof Error ? caught.message : String(caught), match, m);
      return caught;
    },
  };
}

declare namespace Tap { type Test = Parameters<Parameters<typeof t.test>[1]>[0]; }

for (const c of allCases) {
  t.test(c.name, async (tt) => { await c.run(adapt(tt), ctx); });
}
