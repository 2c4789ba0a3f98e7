// The package as users get it: `npm pack`, installed into an empty project with install scripts
// off (what npm 11 does for dependencies by default), then on every Node release given as
// `version=/path/to/node` arguments (test/run-all.mjs passes the matrix):
//   - `npx wasmprof record -- node busy.js` uses the native V8 bridge (no fallback line), writes
//     a CPU profile that decodes with pprof-format and has the hot function on top;
//   - `node --import wasmprof/register` and `--require wasmprof/register.cjs` write a profile;
//   - `npx wasmprof doctor` exits 0 and reports the prebuild;
// and under Deno, `import 'wasmprof/register'` from the installed package writes a profile.
// Then, on the first release, the same package with that release's prebuild removed (a Node
// newer than this wasmprof): exactly one complete warning line, and inspector profiles that work.
// Also checks the tarball's file list. Counts go to test-results/package.json.
//
// Expects `npm run build` and `npm run build:prebuilds` to have run (npm test does both), so it
// packs with --ignore-scripts instead of rebuilding.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { plainSuite } from '../helpers/plain-suite.mjs';
import { ensureDeno } from '../deno/install-deno.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { releases, check, finish } = plainSuite('package');

/** The names in a directory a run was to write into; none when it made no directory. */
function filesIn(dir) {
  try { return readdirSync(dir); } catch { return []; }
}

function sh(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 180_000, ...opts });
}

const work = mkdtempSync(join(tmpdir(), 'wasmprof-package-'));
try {
  // ---- the tarball
  const packed = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root });
  if (!check(packed.status === 0, 'npm pack', packed.stderr)) finish();
  const info = JSON.parse(packed.stdout)[0];
  const files = info.files.map((f) => f.path);
  console.log(`# ${info.filename}: ${files.length} files, ${(info.size / 1024).toFixed(0)} KiB packed, ${(info.unpackedSize / 1024).toFixed(0)} KiB unpacked`);
  check(!files.some((f) => /obj\.target|\/build\/(Release|Debug)\/|native-bridge\/build\//.test(f)), 'no build folders or obj.target in the tarball', files.filter((f) => /build/.test(f)).join(' '));
  const manifest = JSON.parse(readFileSync(join(root, 'prebuilds', 'linux-x64-glibc', 'manifest.json'), 'utf8'));
  for (const f of [...manifest.v8.map((e) => e.file), manifest.fork.file, manifest.heap.file]) {
    check(files.includes(`prebuilds/linux-x64-glibc/${f}`), `tarball holds prebuilds/linux-x64-glibc/${f}`);
  }
  check(files.includes('dist/sdk/index.js') && files.includes('dist/sdk/index.d.ts') && files.includes('build/core.wasm'), 'tarball holds the compiled SDK, its types and core.wasm');
  const stale = files.filter((f) => /^dist\/sdk\/.*\.js$/.test(f) && !files.includes(f.replace(/^dist\//, '').replace(/\.js$/, '.ts')));
  check(stale.length === 0, 'every compiled file in dist/ has its source (no stale output of moved files)', stale.slice(0, 5).join(' '));
  const install = sh('npm', ['pkg', 'get', 'scripts'], { cwd: root });
  check(install.status === 0 && /--if-no-prebuild/.test(install.stdout) && /scripts\/prepare\.mjs/.test(install.stdout), 'install and prepare scripts are the guarded ones (nothing to build in an installed copy)', install.stdout);

  // ---- installed into an empty project, scripts off
  const project = join(work, 'app');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  const inst = sh('npm', ['install', join(work, info.filename), '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project });
  if (!check(inst.status === 0, 'npm install <tarball> --ignore-scripts', inst.stderr)) finish();
  copyFileSync(join(root, 'examples', 'busy.js'), join(project, 'busy.js'));
  const prep = sh(process.execPath, [join(project, 'node_modules', 'wasmprof', 'scripts', 'prepare.mjs')], { cwd: join(project, 'node_modules', 'wasmprof') });
  check(prep.status === 0 && prep.stdout.trim() === '', 'prepare is a no-op in an installed copy (scripts allowed or not)', prep.stdout + prep.stderr);
  const { Profile } = createRequire(join(project, 'package.json'))('pprof-format');

  /** The function with the most self value in sample type `type` of a gzipped pprof file. */
  const topFunction = (file, type) => {
    const p = Profile.decode(gunzipSync(readFileSync(file)));
    const str = (i) => p.stringTable.strings[Number(i)];
    const vi = p.sampleType.findIndex((t) => str(t.type) === type);
    const fnName = new Map(p.function.map((f) => [Number(f.id), str(f.name)]));
    const locFn = new Map(p.location.map((l) => [Number(l.id), fnName.get(Number(l.line[0]?.functionId))]));
    const self = new Map();
    for (const s of p.sample) {
      const name = locFn.get(Number(s.locationId[0]));
      self.set(name, (self.get(name) ?? 0) + Number(s.value[vi]));
    }
    return [...self.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  };

  const record = (r, out, extraEnv = {}) =>
    sh('npx', ['--no-install', 'wasmprof', 'record', '-o', out, '--profiles', 'wall,cpu', '--', 'node', 'busy.js'], {
      cwd: project,
      env: { ...process.env, PATH: `${dirname(r.node)}${delimiter}${process.env.PATH}`, BUSY_MS: '1500', ...extraEnv },
    });

  for (const r of releases) {
    const out = join(project, `out-${r.version}`);
    const res = record(r, out);
    check(res.status === 0, `Node ${r.version}: wasmprof record exits 0`, res.stderr);
    check(!/native V8 bridge unavailable|node:inspector/.test(res.stderr), `Node ${r.version}: native source active (no fallback line)`, res.stderr);
    const cpu = readdirSync(out, { withFileTypes: true }).filter((d) => d.isFile() && /^cpu-.*\.pb\.gz$/.test(d.name));
    if (check(cpu.length > 0, `Node ${r.version}: a cpu profile was written`)) {
      let top;
      try { top = topFunction(join(out, cpu[0].name), 'cpu'); } catch (err) { top = `decode failed: ${err.message}`; }
      check(top === 'renderThumbnails', `Node ${r.version}: the profile decodes and renderThumbnails is on top`, `top: ${top}`);
    }
    // The two preloads, resolved through the package's exports as an application names them.
    for (const [flag, specifier] of [['--import', 'wasmprof/register'], ['--require', 'wasmprof/register.cjs']]) {
      const dir = join(project, `preload-${r.version}${flag}`);
      const run = sh(r.node, [flag, specifier, 'busy.js'], { cwd: project, env: { ...process.env, BUSY_MS: '300', WASMPROF_OUTPUT_DIR: dir } });
      const written = filesIn(dir);
      check(run.status === 0 && written.some((f) => /^wall-\d+-1\.pb\.gz$/.test(f)) && !/native V8 bridge unavailable/.test(run.stderr),
        `Node ${r.version}: node ${flag} ${specifier} exits 0 and writes the wall profile (native source)`, `${run.stderr} files: ${written.join(' ')}`);
    }
    const doc = sh('npx', ['--no-install', 'wasmprof', 'doctor'], { cwd: project, env: { ...process.env, PATH: `${dirname(r.node)}${delimiter}${process.env.PATH}` } });
    check(doc.status === 0, `Node ${r.version}: wasmprof doctor exits 0`, doc.stdout + doc.stderr);
    check(/V8 bridge:\s+ok \(prebuild\)/.test(doc.stdout), `Node ${r.version}: doctor reports the V8 prebuild`, doc.stdout);
    // What runWithLabels and heapAllocations get on this release (the checks a profiler runs).
    const major = Number(r.version.split('.')[0]);
    check((major >= 24 ? /labels:\s+read at sample time/ : /labels:\s+async hooks, a hook per callback \(.+\)/).test(doc.stdout), `Node ${r.version}: doctor says how labels reach samples`, doc.stdout);
    check((major >= 26 ? /allocations:\s+available/ : /allocations:\s+unavailable: .+/).test(doc.stdout), `Node ${r.version}: doctor says whether allocation profiles are available`, doc.stdout);
  }

  // ---- Deno: `import 'wasmprof/register'` from the installed package (export condition "deno":
  // the ES module bundle, node:inspector), as a Deno user with a package.json gets it.
  const found = ensureDeno();
  if (check(found.error === undefined, 'Deno is available for the package check', found.error)) {
    writeFileSync(join(project, 'deno-app.mjs'), "import 'wasmprof/register';\n" +
      'function denoHotLoop(ms) { const end = Date.now() + ms; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; }\n' +
      'console.log(`deno app: ${denoHotLoop(300) > 0}`);\n');
    const dir = join(project, 'deno-out');
    const run = sh(process.execPath, [found.deno, 'run', '--allow-sys', '--allow-read', `--allow-write=${dir}`, '--allow-env', 'deno-app.mjs'],
      { cwd: project, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', WASMPROF_OUTPUT_DIR: dir, WASMPROF_PROFILES: 'wall' } });
    const written = filesIn(dir);
    const wall = written.find((f) => /^wall-\d+-1\.pb\.gz$/.test(f));
    let top;
    try { top = wall && topFunction(join(dir, wall), 'wall'); } catch (err) { top = `decode failed: ${err.message}`; }
    check(run.status === 0 && top === 'denoHotLoop', "Deno: import 'wasmprof/register' from the installed package writes the wall profile, denoHotLoop on top",
      `${run.status} ${run.stderr} files: ${written.join(' ')} top: ${top}`);
  }

  // ---- a Node this package has no prebuild for
  const r = releases[0];
  const abi = sh(r.node, ['-p', 'process.versions.modules']).stdout.trim();
  rmSync(join(project, 'node_modules', 'wasmprof', 'prebuilds', 'linux-x64-glibc', `wasmprof_v8.abi${abi}.node`));
  const out = join(project, 'out-noprebuild');
  const res = record(r, out);
  const lines = res.stderr.split('\n').filter((l) => l.trim() !== '' && !/ExperimentalWarning|DeprecationWarning|--trace-/.test(l));
  check(res.status === 0, 'no prebuild: wasmprof record still exits 0', res.stderr);
  const warning = lines.filter((l) => l.includes('native V8 bridge unavailable'));
  check(warning.length === 1, 'no prebuild: the fallback warning is printed once', res.stderr);
  check(
    warning.length === 1 && /^wasmprof: native V8 bridge unavailable: no V8 profiler addon for Node v[\d.]+ \(ABI \d+\) .*node:inspector.*; fix: .*npm rebuild wasmprof.*\)$/.test(warning[0]),
    'no prebuild: the warning is one complete line with the source, the reason and the fix',
    warning[0],
  );
  const cpu = readdirSync(out).filter((f) => /^cpu-.*\.pb\.gz$/.test(f));
  if (check(cpu.length > 0, 'no prebuild: inspector cpu profile written')) {
    let top;
    try { top = topFunction(join(out, cpu[0]), 'cpu'); } catch (err) { top = `decode failed: ${err.message}`; }
    check(top === 'renderThumbnails', 'no prebuild: inspector profile has renderThumbnails on top', `top: ${top}`);
  }
  const doc = sh('npx', ['--no-install', 'wasmprof', 'doctor'], { cwd: project, env: { ...process.env, PATH: `${dirname(r.node)}${delimiter}${process.env.PATH}` } });
  check(doc.status === 1 && /V8 bridge:\s+NOT LOADED/.test(doc.stdout), 'no prebuild: doctor exits 1 and says why', doc.stdout);
} catch (err) {
  check(false, 'package suite', err.stack ?? String(err));
} finally {
  rmSync(work, { recursive: true, force: true });
}
finish();
