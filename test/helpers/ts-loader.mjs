// Lets plain `node` run the TypeScript sources of benches and scripts (tap's own loader,
// transpile-only): node --import ./test/helpers/ts-loader.mjs bench/core.ts
process.env.TS_NODE_TRANSPILE_ONLY ??= '1';
await import('@tapjs/typescript/import');
