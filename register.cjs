// `node --require wasmprof/register.cjs app.js`: profiles the program from its first line
// without changing how its main module is loaded (see dist/sdk/preload.js). Needs require() of
// ES modules (Node 20.19+, 22.12+). The preload is one bundle, run through a V8 code cache
// (sdk/preload-loader.ts).
'use strict';
require('./dist/register-loader.cjs').register('now');
