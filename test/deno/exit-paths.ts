// Run by test/export/deno.test.ts under Deno: `wasmprof/register` configured by WASMPROF_*, then a
// program that ends one of four ways (Deno.args[0]): `end` (its event loop runs dry), `exit`
// (process.exit(0) from a timer), `deno-exit` (Deno.exit(0) from a timer), `term` (SIGTERM to
// itself, with no handler of its own).
import '../../sdk/register.ts';
import process from 'node:process';

declare const Deno: { args: string[]; exit(code?: number): never };

const kept: Array<{ acc: number }> = [];
function exitPathsHotLoop(ms: number): number {
  const end = performance.now() + ms;
  let acc = 0;
  while (performance.now() < end) { for (let i = 0; i < 10000; i++) acc = (acc * 31 + i) % 1000003; kept.push({ acc }); }
  return acc;
}
exitPathsHotLoop(600);
const how = Deno.args[0];
// When the program starts to end (the test measures how long the exit takes from here).
const ending = (): void => console.log(`ending at ${Date.now()}`);
if (how === 'end') setTimeout(ending, 10);
if (how === 'exit') setTimeout(() => { ending(); process.exit(0); }, 10);
if (how === 'deno-exit') setTimeout(() => { ending(); Deno.exit(0); }, 10);
if (how === 'term') {
  setInterval(() => undefined, 1000);
  setTimeout(() => { ending(); process.kill(process.pid, 'SIGTERM'); }, 10);
}
