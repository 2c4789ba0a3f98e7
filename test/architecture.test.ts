// The shape of sdk/ (docs/architecture.md): data flows one way, so no file imports itself back
// through others, and no folder imports a folder that imports it back. Read from the sources'
// relative import specifiers, static and dynamic (`import('./x.js')`, `new URL('./x.js', …)`).
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SDK = join(ROOT, 'sdk');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? tsFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
}

const SPEC = /(?:from\s*|import\s*\(\s*|new URL\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
const graph = new Map<string, string[]>();
for (const file of tsFiles(SDK)) {
  const deps: string[] = [];
  for (const m of readFileSync(file, 'utf8').matchAll(SPEC)) deps.push(normalize(join(dirname(file), m[1])).replace(/\.js$/, '.ts'));
  graph.set(file, deps.filter((d) => graph.has(d) || d.startsWith(SDK)));
}
const rel = (p: string) => relative(ROOT, p);

function findCycle(nodes: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'open') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'open');
    path.push(n);
    for (const d of nodes.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    path.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of nodes.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

t.test('no import cycle between files of sdk/', async (t) => {
  const nodes = new Map([...graph].map(([f, ds]) => [f, new Set(ds)]));
  const cycle = findCycle(nodes);
  t.notOk(cycle, cycle ? `cycle: ${cycle.map(rel).join(' → ')}` : 'no cycle');
});

// A stage is a top-level folder of sdk/ (sdk/view/html is part of sdk/view); the files at the
// root of sdk/ (index, register, core) are the entry points on top.
t.test('no import cycle between folders of sdk/', async (t) => {
  const folder = (f: string) => relative(SDK, dirname(f)).split('/')[0] || '(sdk root)';
  const nodes = new Map<string, Set<string>>();
  for (const [f, ds] of graph) {
    const from = folder(f);
    if (!nodes.has(from)) nodes.set(from, new Set());
    for (const d of ds) if (folder(d) !== from) nodes.get(from)!.add(folder(d));
  }
  const cycle = findCycle(nodes);
  t.notOk(cycle, cycle ? `folder cycle: ${cycle.join(' → ')}` : 'no folder cycle');
  t.ok(nodes.size >= 8, `${nodes.size} folders checked: ${[...nodes.keys()].sort().join(', ')}`);
});
