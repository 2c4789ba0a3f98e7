// On every release of the CI matrix (test/run-all.mjs), the native parts load for this Node —
// from the build from source when it is for this ABI, else from prebuilds/. Without this, a
// release whose bridge does not load would only turn the native tests into skips.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadV8Bridge } from '../../sdk/sources/v8-bridge.js';
import { loadForkBridge } from '../../sdk/runtime/fork-bridge.js';
import { preloadLibraryPath } from '../../sdk/native-heap/index.js';
import { nodeAbi, packageRoot, platformTag } from '../../sdk/runtime/addon-files.js';

const releases = JSON.parse(readFileSync(join(packageRoot(), 'native-bridge', 'releases.json'), 'utf8')) as { releases: { major: number; abi: number }[] };

t.test('this Node is a supported release, with the ABI releases.json names', async (t) => {
  const major = Number(process.versions.node.split('.')[0]);
  const entry = releases.releases.find((r) => r.major === major);
  t.ok(entry, `Node ${major} is in native-bridge/releases.json`);
  t.equal(String(entry?.abi), nodeAbi(), 'ABI matches process.versions.modules');
  t.equal(platformTag(), 'linux-x64-glibc');
});

t.test('the V8 bridge, the fork addon and the heap preload load', async (t) => {
  const v8 = loadV8Bridge();
  t.notOk('error' in v8, 'error' in v8 ? v8.error : `V8 bridge from ${v8.origin}: ${v8.path}`);
  const fork = loadForkBridge();
  t.ok(fork.bridge, fork.reason ?? `fork addon: ${fork.bridge?.path}`);
  const lib = preloadLibraryPath();
  t.ok(lib !== undefined && existsSync(lib), `heap preload: ${lib}`);
});
