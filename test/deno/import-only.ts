// Run by test/deno/run.mjs with no permissions at all: importing the SDK and the core must not
// touch anything Deno guards (no env, sys, read, ffi on the import path).
import * as sdk from '../../sdk/index.ts';
import * as core from '../../sdk/core.ts';
console.log(JSON.stringify({ start: typeof sdk.start, Core: typeof core.Core }));
