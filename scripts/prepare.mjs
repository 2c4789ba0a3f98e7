// npm's `prepare`: builds the core and the SDK in a clone of wasmprof (`npm ci`), where the
// devDependencies are installed. In an installed copy of the package (which ships build/ and dist/,
// and has no devDependencies) there is nothing to build, so it does nothing — also when a user
// allows wasmprof's scripts to run.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  require.resolve('assemblyscript/package.json');
  require.resolve('typescript/package.json');
} catch {
  process.exit(0);
}
const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
