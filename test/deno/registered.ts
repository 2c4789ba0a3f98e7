// Run by test/deno/run.mjs: the preload entry point under Deno, configured by WASMPROF_*.
// The last period is written synchronously from process 'exit' / window 'unload' (docs/deno.md, Exits).
import '../../sdk/register.ts';

function registeredHotLoop(ms: number): number {
  const end = performance.now() + ms;
  let acc = 0;
  while (performance.now() < end) for (let i = 0; i < 20000; i++) acc = (acc * 31 + i) % 1000003;
  return acc;
}

setTimeout(() => console.log(`registered: ${registeredHotLoop(400)}`), 10);
