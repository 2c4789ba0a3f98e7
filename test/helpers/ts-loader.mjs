// `--import ./test/helpers/ts-loader.mjs`: lets plain `node` run the TypeScript tests, benches
// and sources (node --import ./test/helpers/ts-loader.mjs bench/core.ts); tap's test processes
// get it through the "node-arg" of package.json's tap config. See esbuild-hooks.mjs.
import * as mod from 'node:module';

if (typeof mod.registerHooks === 'function') {
  const { resolveSync, loadSync } = await import('./esbuild-hooks.mjs');
  mod.registerHooks({ resolve: resolveSync, load: loadSync });
} else {
  mod.register('./esbuild-hooks.mjs', import.meta.url);
}
