// A busy Deno program profiled by wasmprof: one clearly hot function (renderThumbnails, ~75 % of
// the time) and a lighter one (checksumRecords, ~25 %), for about two seconds, plus allocations
// kept by cacheThumbnail (the heap profile's top). Writes wall and heap pprof files.
//
//   deno run --allow-sys --allow-read --allow-write=profiles --allow-env examples/deno/busy.ts [outDir]
//   go tool pprof -top profiles/wall-*.pb.gz      # renderThumbnails on top
//
// Inside this repository npm:wasmprof resolves to the package itself (its package.json), i.e. to
// dist/: run `npm run build:ts` first.
//
// Users import "npm:wasmprof"; this example imports the package through the specifier given in
// WASMPROF_EXAMPLE_IMPORT (the tests point it at the working tree), defaulting to npm:wasmprof.
// Without --allow-sys, start() prints one warning line and the program runs unprofiled.
declare const Deno: {
  env: { get(name: string): string | undefined };
  args: string[];
  permissions: { querySync(d: { name: 'env' }): { state: string } };
};

// Without --allow-env, reading WASMPROF_* would throw: pass env: {} so start() skips the environment.
let envOk = Deno.permissions.querySync({ name: 'env' }).state === 'granted';
function env(name: string): string | undefined {
  if (!envOk) return undefined;
  try { return Deno.env.get(name); } catch { envOk = false; return undefined; } // no --allow-env
}

const RUN_MS = Number(env('BUSY_MS') ?? 2000);
const SLICE_MS = 40;
const HEAVY_MS = 30;
const OUT = Deno.args[0] ?? env('WASMPROF_EXAMPLE_OUT') ?? 'profiles';

function renderThumbnails(ms: number): number {
  const end = performance.now() + ms;
  let acc = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 20000; i++) acc = (acc * 31 + i * i) % 1000003;
  }
  return acc;
}

function checksumRecords(ms: number): number {
  const end = performance.now() + ms;
  let acc = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 20000; i++) acc = (acc ^ (i * 2654435761)) >>> 0;
  }
  return acc;
}

/** Allocates and keeps ~64 KiB per call: what the heap profile shows. */
function cacheThumbnail(cache: number[][], seed: number): void {
  cache.push(new Array<number>(8192).fill(seed + 0.5)); // on the JS heap (typed arrays' buffers are not sampled)
}

const specifier = env('WASMPROF_EXAMPLE_IMPORT') ?? 'npm:wasmprof';
const { start } = await import(specifier) as typeof import('../../sdk/index.ts');

const profiler = await start({ profiles: ['wall', 'heap'], outputDir: OUT, ...(envOk ? {} : { env: {} }) });
const stopAt = performance.now() + RUN_MS;
let sink = 0;
const kept: number[][] = [];
while (performance.now() < stopAt) {
  sink ^= renderThumbnails(HEAVY_MS);
  sink ^= checksumRecords(SLICE_MS - HEAVY_MS);
  for (let i = 0; i < 16; i++) cacheThumbnail(kept, sink + i); // ~1 MiB kept per slice, for the heap profile
}
const last = await profiler.stop();
console.log(`busy: sink=${sink} source=${last.source} files=${last.files.join(',') || '(none)'}`);
