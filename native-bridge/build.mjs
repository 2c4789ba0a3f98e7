// Builds the native bridge from source, offline, against the headers of the Node that runs this
// script, into native-bridge/<addon>/build/ (which the SDK tries before the package's prebuilds).
//
//   node native-bridge/build.mjs                   always build (`npm run build:native`)
//   node native-bridge/build.mjs --if-no-prebuild  npm's install script: do nothing when the
//                                                  package already ships a binary for this Node
//                                                  (the usual case: npm 11 does not even run it)
//
// Never fails the install: a missing compiler or header set only means the SDK falls back to
// node:inspector, which it announces in one warning line quoting the compiler's first error
// (recorded in native-bridge/build/status.json with the ABI each addon was built for).
// Each addon has its own folder and binding.gyp, so one failing does not take the others down.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compileAddon, compilePreload, here } from './compile.mjs';

const abi = process.versions.modules;

function prebuildsFit() {
  try {
    const { platform } = JSON.parse(readFileSync(join(here, 'releases.json'), 'utf8'));
    const dir = join(here, '..', 'prebuilds', platform);
    const onPlatform = platform === `${process.platform}-${process.arch}-glibc` && !existsSync('/lib/ld-musl-x86_64.so.1');
    return onPlatform && ['wasmprof_fork.node', 'libwasmprof_heap.so', `wasmprof_v8.abi${abi}.node`].every((f) => existsSync(join(dir, f)));
  } catch {
    return false;
  }
}

if (process.argv.includes('--if-no-prebuild') && prebuildsFit()) process.exit(0);

// Headers ship with the installed Node at <prefix>/include/node; pointing node-gyp at the prefix
// stops it from trying to download them (there may be no network).
const prefix = dirname(dirname(process.execPath));
const results = [];
for (const addon of ['fork', 'v8']) {
  const r = await compileAddon(addon, { prefix, inPlace: true });
  results.push({ addon, ok: r.ok, ...(r.ok ? {} : { reason: r.reason }), abi });
  if (!r.ok && r.log && process.env.WASMPROF_BUILD_VERBOSE) process.stderr.write(r.log);
}
const heap = compilePreload(join(here, 'heap', 'build'));
results.push({ addon: 'heap', ok: heap.ok, ...(heap.ok ? {} : { reason: heap.reason }) });

mkdirSync(join(here, 'build'), { recursive: true });
writeFileSync(join(here, 'build', 'status.json'), JSON.stringify(results, null, 2) + '\n');
for (const r of results) {
  if (!r.ok) process.stderr.write(`wasmprof: native bridge "${r.addon}" not built from source (${r.reason}); the SDK uses its prebuild or its fallback\n`);
}
