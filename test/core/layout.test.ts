// The layout shared by core and SDK has one source, assembly/, and one copy,
// sdk/core/layout.generated.ts, written by scripts/gen-layout.mjs. This fails when the copy is
// stale, when the generator would miss a change, when an error code has no message and when the
// exports the SDK types differ from the exports core.wasm has. The built core is compared with
// the generated numbers in test/core-cases/layout.cases.ts (Node, Chromium and Deno).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLayout, OUTPUT, ROOT } from '../../scripts/gen-layout.mjs';
import { compileCore, CoreErrorCode } from '../../sdk/core.js';
import { describeCoreError } from '../../sdk/core/errors.js';

const generate = generateLayout;
const committed = readFileSync(join(ROOT, OUTPUT), 'utf8');

t.test('the committed layout.generated.ts is what the generator makes from assembly/ now', async (t) => {
  const fresh = generate();
  t.equal(fresh === committed, true, 'up to date (run `npm run build:core` to regenerate)');
  if (fresh !== committed) {
    const a = committed.split('\n'), b = fresh.split('\n');
    const i = a.findIndex((line, k) => line !== b[k]);
    t.comment(`first difference at line ${i + 1}:\n  committed: ${a[i]}\n  generated: ${b[i]}`);
  }
  const check = () => execFileSync(process.execPath, [join(ROOT, 'scripts/gen-layout.mjs'), '--check'], { encoding: 'utf8', stdio: 'pipe' });
  t.doesNotThrow(check, '`gen-layout.mjs --check` agrees');
});

t.test('a change on the AssemblyScript side shows up in the generated file, or stops the generator', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'wasmprof-layout-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  cpSync(join(ROOT, 'assembly'), join(root, 'assembly'), { recursive: true });
  const edit = (file: string, from: string, to: string) => {
    const path = join(root, 'assembly', file);
    const src = readFileSync(path, 'utf8');
    if (!src.includes(from)) throw new Error(`${file} no longer contains ${from}`);
    writeFileSync(path, src.replace(from, to));
  };
  const original = (file: string) => cpSync(join(ROOT, 'assembly', file), join(root, 'assembly', file));
  t.equal(generate(root), committed, 'an unchanged copy generates the same file');

  edit('frames.ts', 'export const FRAME_LINE: usize = 20;', 'export const FRAME_LINE: usize = 21;');
  t.match(generate(root), /^export const FRAME_LINE = 21;$/m, 'a moved entry field');
  original('frames.ts');
  edit('errors.ts', 'export const ERR_LIVE_EXPORTING: i32 = 23;', 'export const ERR_LIVE_EXPORTING: i32 = 23;\nexport const ERR_SNAP_NEW_THING: i32 = 25;');
  t.match(generate(root), /^ {2}SnapshotNewThing: 25,$/m, 'a new error code becomes a CoreErrorCode');
  original('errors.ts');
  edit('stats.ts', 'export const STAT_ARENA_BASE: i32 = 44;\n', '');
  t.notMatch(generate(root), /arenaBase/, 'a removed stat leaves Stat (and the SDK code using it stops compiling)');
  original('stats.ts');
  edit('capture.ts', 'export const CAP_HEAD: u32 = 28;', 'export const CAP_HEAD: u32 = 4 * 7;');
  t.throws(() => generate(root), /CAP_HEAD must be an integer literal/, 'a shared constant that is not a literal is an error, not a silent omission');
  original('capture.ts');
  edit('livemap.ts', 'export const EV_BRK: u32 = 10;', 'export const EV_BRK: u32 = 10;\nexport const EV_SHM_ATTACH: u32 = 11;');
  t.throws(() => generate(root), /EV_SHM_ATTACH gives LiveEventKind\.shmAttach twice/, 'two constants for one key are refused');
  original('livemap.ts');
  t.equal(generate(root), committed, 'restored');
});

t.test('every error code has its own message', async (t) => {
  for (const [name, code] of Object.entries(CoreErrorCode)) {
    const msg = describeCoreError('op', code, 1, 2);
    t.notMatch(msg, /error code \d+$/, `${name} (${code}): ${msg}`);
  }
  t.match(describeCoreError('op', 999, 0, 0), /error code 999$/, 'an unknown code still says which');
});

t.test('CoreExports types exactly the exports core.wasm has', async (t) => {
  const source = readFileSync(join(ROOT, 'sdk/core/exports.ts'), 'utf8');
  const body = source.slice(source.indexOf('export interface CoreExports {'), source.indexOf('\n}', source.indexOf('export interface CoreExports {')));
  const typed = [...body.matchAll(/^ {2}(?:readonly\s+)?([a-zA-Z0-9]+)[(:]/gm)].map((m) => m[1]).sort();
  for (const debug of [false, true]) {
    const names = WebAssembly.Module.exports(await compileCore(undefined, debug)).map((e) => e.name).sort();
    t.same(typed, names, `${debug ? 'debug' : 'release'} build`);
  }
});
