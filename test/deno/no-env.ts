// Run by test/deno/run.mjs without --allow-env (and with WASMPROF_PROFILES=bogus in the
// environment): start() works from its code options; the WASMPROF_* variables do not apply.
import { start } from '../../sdk/index.ts';
const profiler = await start({ profiles: ['wall'], period: '1h' });
const r = await profiler.stop();
console.log(JSON.stringify({ wall: r.wall !== undefined, profiles: profiler.options.profiles }));
