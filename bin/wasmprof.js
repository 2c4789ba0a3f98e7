#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled SDK so that `npx wasmprof` needs no TypeScript at run time.
import { main } from '../dist/sdk/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`wasmprof: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 2; },
);
