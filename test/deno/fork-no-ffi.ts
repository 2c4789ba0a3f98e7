// Run by test/deno/run.mjs without --allow-ffi: loading the fork addon must give a one-line reason,
// not throw. Prints it as JSON on stdout.
import { loadForkBridge } from '../../sdk/runtime/fork-bridge.ts';
const r = loadForkBridge();
console.log(JSON.stringify({ loaded: r.bridge !== undefined, reason: r.reason }));
