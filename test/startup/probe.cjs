// Preloaded before wasmprof (first --require): writes the built-in modules loaded after it, once
// the process has run its exit listeners (the probe's own goes in last).
'use strict';
const before = new Set(process.moduleLoadList);
const out = process.env.WASMPROF_STARTUP_PROBE_OUT;
setImmediate(() => process.on('exit', () => {
  const loaded = process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
  require('node:fs').writeFileSync(out, JSON.stringify(loaded));
}));
