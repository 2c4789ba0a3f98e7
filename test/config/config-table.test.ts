// docs/configuration.md lists every WASMPROF_* variable once; sdk/config/variables.ts is the
// code's list. This fails when they differ (a variable, its options or its kind), and when code
// reads a WASMPROF_* variable that neither lists — so a new variable cannot ship undocumented.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VARIABLES } from '../../sdk/config/index.js';
import { ENV } from '../../sdk/profiler/options.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name), ext) : ext.test(d.name) ? [join(dir, d.name)] : []));
}

interface DocRow { name: string; options: string[]; kind: string; line: number }

/** Rows of the table whose header is `| variable | option | kind / unit | default | range |`. */
function docTable(): DocRow[] {
  const lines = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8').split('\n');
  const start = lines.findIndex((l) => /^\|\s*variable\s*\|\s*option\s*\|\s*kind \/ unit\s*\|\s*default\s*\|\s*range\s*\|$/.test(l.trim()));
  if (start < 0) return [];
  const rows: DocRow[] = [];
  for (let i = start + 2; i < lines.length && lines[i].trim().startsWith('|'); i++) {
    const cells = lines[i].trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim());
    const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    rows.push({
      name: ticked(cells[0] ?? '').join(' '),
      options: ticked(cells[1] ?? '').filter((s) => /^[A-Za-z][\w.]*$/.test(s)),
      kind: (cells[2] ?? '').split(/\s+/)[0].replace(/[^a-z]/g, ''),
      line: i + 1,
    });
  }
  return rows;
}

t.test('the code lists each variable once', async (t) => {
  const names = VARIABLES.map((v) => v.name);
  t.same(names.filter((n, i) => names.indexOf(n) !== i), [], 'no duplicates');
  for (const n of names) t.match(n, /^WASMPROF_[A-Z0-9_]+$/);
});

t.test('docs/configuration.md has the same table as the code', async (t) => {
  const rows = docTable();
  t.ok(rows.length > 0, 'the table is found');
  const documented = rows.map((r) => r.name);
  t.same(documented.filter((n, i) => documented.indexOf(n) !== i), [], 'every variable once');
  const code = VARIABLES.map((v) => v.name);
  t.same(code.filter((n) => !documented.includes(n)), [], 'every variable of the code is documented');
  t.same(documented.filter((n) => !code.includes(n)), [], 'every documented variable exists in the code');
  for (const r of rows) {
    const v = VARIABLES.find((x) => x.name === r.name);
    if (!v) continue;
    t.same([...r.options].sort(), [...v.options].sort(), `${r.name}: options (docs/configuration.md:${r.line})`);
    t.equal(r.kind, v.kind, `${r.name}: kind (docs/configuration.md:${r.line})`);
  }
});

t.test('every WASMPROF_* variable the code reads is in the table', async (t) => {
  const listed = new Set(VARIABLES.map((v) => v.name));
  const found = new Map<string, string>();
  for (const f of files(join(ROOT, 'sdk'), /\.ts$/)) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\bWASMPROF_[A-Z0-9_]*[A-Z0-9]\b/g)) found.set(m[0], f.slice(ROOT.length));
  }
  // The preload library reads its own variables with getenv().
  for (const f of files(join(ROOT, 'native-bridge/heap'), /\.c$/)) {
    for (const m of readFileSync(f, 'utf8').matchAll(/getenv\("(WASMPROF_[A-Z0-9_]+)"\)/g)) found.set(m[1], f.slice(ROOT.length));
  }
  t.ok(found.size >= 20, `${found.size} names found in the sources`);
  for (const [name, where] of found) t.ok(listed.has(name), `${name} (${where}) is in sdk/config/variables.ts`);
});

t.test("the profiler's ENV table agrees", async (t) => {
  for (const [key, name] of Object.entries(ENV)) {
    const v = VARIABLES.find((x) => x.name === name);
    t.ok(v, `${name} is listed`);
    t.ok(v && (v.options.includes(key) || v.options.includes(`labels.${key}`)), `${name} is set by option ${key}`);
    t.equal(v?.readBy, 'profiler', `${name} is read by the profiler`);
  }
});
