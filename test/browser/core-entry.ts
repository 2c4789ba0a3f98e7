// Browser entry of the core's shared test cases: bundled by run.mjs and loaded in a page.
// The runner hands over the wasm builds and fixtures as bytes; nothing is fetched.
import { compileCore } from '../../sdk/core.js';
import { allCases } from '../core-cases/index.js';
import { throwingAssert, type CaseContext } from '../core-cases/harness.js';

export interface CaseResult { name: string; ok: boolean; assertions: number; ms: number; error?: string }

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function runCoreCases(files: Record<string, string>, only?: string): Promise<CaseResult[]> {
  const bytes = (name: string) => {
    const b = files[name];
    if (b === undefined) throw new Error(`fixture ${name} was not handed to the page`);
    return fromBase64(b);
  };
  const ctx: CaseContext = {
    module: await compileCore(bytes('core.wasm') as Uint8Array<ArrayBuffer>),
    debugModule: await compileCore(bytes('core.debug.wasm') as Uint8Array<ArrayBuffer>),
    fixture: (name) => bytes(`fixtures/${name}`),
    stress: false,
    env: () => undefined,
  };
  const results: CaseResult[] = [];
  for (const c of allCases) {
    if (only && !c.name.includes(only)) continue;
    const t = throwingAssert();
    const t0 = performance.now();
    try {
      await c.run(t, ctx);
      results.push({ name: c.name, ok: true, assertions: t.count, ms: performance.now() - t0 });
    } catch (err) {
      results.push({ name: c.name, ok: false, assertions: t.count, ms: performance.now() - t0, error: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) });
    }
  }
  return results;
}

(globalThis as { runCoreCases?: typeof runCoreCases }).runCoreCases = runCoreCases;
