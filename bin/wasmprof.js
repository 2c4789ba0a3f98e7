#!/usr/bin/env node
// Thin launcher: the CLI is compiled (no TypeScript at run time) and bundled into one file per
// subcommand (scripts/bundle.mjs), so that each command starts without loading dozens of modules.
import { main } from '../dist/bundle/cli.mjs';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`wasmprof: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 2; },
);
