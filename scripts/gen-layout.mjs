// Writes sdk/core/layout.generated.ts from the constants in assembly/: the one place where the
// numbers the core and the SDK must agree on (error codes, stat ids, event kinds, table entry and
// record layouts, snapshot header) are written down is the AssemblyScript source, and the SDK
// imports a copy that only this script writes. Run by `npm run build:core`;
// test/core/layout.test.ts regenerates in memory and fails when the committed copy is stale.
//
//   node scripts/gen-layout.mjs           write the file if it changed
//   node scripts/gen-layout.mjs --check   exit 1 if it is stale (writes nothing)
//
// Only `export const NAME: <integer type> = <integer literal>;` lines are read. A constant that
// matches a selection below but is not a plain literal is an error, never silently skipped:
// otherwise a refactor to `1 << 4` would drop it from the SDK without anyone noticing.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUTPUT = 'sdk/core/layout.generated.ts';

/** Constants copied under their own names, so a grep finds both sides. */
const FLAT = [
  { file: 'layout.ts', prefixes: ['ABORT_SLOT', 'HDR', 'TV_'], title: 'Header position and the table view (tablesView())' },
  { file: 'strings.ts', prefixes: ['STRING_'], title: 'String table entries' },
  { file: 'frames.ts', prefixes: ['FRAME_'], title: 'Frame table entries' },
  { file: 'trie.ts', prefixes: ['TRIE_'], title: 'Stack and label-set trie entries' },
  { file: 'samples.ts', prefixes: ['SAMPLE_', 'BATCH_'], title: 'Sample entries and sampleAddBatch() records' },
  { file: 'live-table.ts', prefixes: ['LIVE_'], title: 'Live-map entries (chunked: the table view points at the chunk directory)' },
  { file: 'livemap.ts', prefixes: ['OWNER_', 'AGG_'], title: 'Owner and aggregate entries' },
  { file: 'pool.ts', prefixes: ['BUF_HEADER'], title: 'Capture buffers' },
  { file: 'capture.ts', prefixes: ['CAP_'], title: 'Capture records (captureCommit())' },
  { file: 'snapshot-format.ts', prefixes: ['SNAP_'], title: 'Snapshot format (docs/snapshot-format.md)' },
  { file: 'hooks.ts', prefixes: ['HOOK_'], title: 'Interruption points of the debug build (CoreHooks.onCheckpoint ids)' },
];

/** Constants gathered into the SDK's public `as const` objects; keys are derived from the names. */
const ENUMS = [
  { file: 'errors.ts', prefix: 'ERR_', skip: ['ERR_NONE'], name: 'CoreErrorCode', pascal: true,
    words: { SNAP: 'Snapshot', DUP: 'Duplicate' }, doc: 'Error codes of core.wasm (assembly/errors.ts ERR_*).' },
  { file: 'errors.ts', prefix: 'SECTION_', name: 'SnapshotSection',
    doc: 'The snapshot part a length, count or index error names in its first detail (assembly/errors.ts).' },
  { file: 'stats.ts', prefix: 'STAT_', name: 'Stat', doc: "Stat ids understood by the core's stat() export (assembly/stats.ts)." },
  { file: 'livemap.ts', prefix: 'EV_', name: 'LiveEventKind',
    words: { ANON: 'Anonymous', SHMAT: 'ShmAttach', SHMDT: 'ShmDetach' }, doc: 'Allocator event kinds (assembly/livemap.ts EV_*).' },
  { file: 'layout.ts', prefix: 'SAMPLER_', name: 'SamplerState', doc: 'Sampler states (assembly/layout.ts SAMPLER_*).' },
];

const INT_TYPES = new Set(['u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'i64', 'usize', 'isize']);
const DECL = /^export const ([A-Z][A-Z0-9_]*)\s*:\s*(\w+)\s*=\s*(.+?);\s*(?:\/\/\s*(.*))?$/;
const LITERAL = /^(0x[0-9a-fA-F]+|[0-9]+)$/;

/** Every `export const` of one assembly file: name, value text, number and doc comment. */
function constants(file, source) {
  const out = [];
  const lines = source.split('\n');
  lines.forEach((line, i) => {
    const m = DECL.exec(line.trim());
    if (!m) return;
    const [, name, type, value, trailing] = m;
    const above = /^\/\*\*\s*(.*?)\s*\*\/$/.exec((lines[i - 1] ?? '').trim());
    out.push({ file, name, type, value, doc: trailing ?? above?.[1], line: i + 1 });
  });
  return out;
}

function pick(file, source, matches) {
  return constants(file, source).filter((c) => matches(c.name)).map((c) => {
    if (!INT_TYPES.has(c.type) || !LITERAL.test(c.value)) {
      throw new Error(`assembly/${file}:${c.line}: ${c.name} must be an integer literal to be shared with the SDK (is \`${c.type} = ${c.value}\`)`);
    }
    const n = Number(c.value);
    if (!Number.isSafeInteger(n)) throw new Error(`assembly/${file}:${c.line}: ${c.name} = ${c.value} is not exact as a JavaScript number`);
    return c;
  });
}

function key(name, prefix, { pascal = false, words = {} }) {
  const parts = name.slice(prefix.length).split('_').map((w) => words[w] ?? w[0] + w.slice(1).toLowerCase());
  const joined = parts.join('');
  return pascal ? joined : joined[0].toLowerCase() + joined.slice(1);
}

const docLine = (doc, indent = '') => (doc ? `${indent}/** ${doc.replace(/\*\//g, '* /')} */\n` : '');

/** The generated file's text, from the sources under `root` (the repository by default). */
export function generateLayout(root = ROOT) {
  const sources = new Map();
  const read = (file) => {
    if (!sources.has(file)) sources.set(file, readFileSync(join(root, 'assembly', file), 'utf8'));
    return sources.get(file);
  };
  const seen = new Map();
  const claim = (name, where) => {
    if (seen.has(name)) throw new Error(`${name} is selected twice (${seen.get(name)} and ${where})`);
    seen.set(name, where);
  };
  let out = '// GENERATED by scripts/gen-layout.mjs from assembly/*.ts: do not edit. `npm run build:core`\n' +
    '// rewrites it, and test/core/layout.test.ts fails when it is out of date with the sources or\n' +
    '// with the built core.wasm. To share another number, export it from assembly/ and select it\n' +
    '// in the generator.\n';
  for (const e of ENUMS) {
    const items = pick(e.file, read(e.file), (n) => n.startsWith(e.prefix) && !(e.skip ?? []).includes(n));
    if (items.length === 0) throw new Error(`assembly/${e.file}: no ${e.prefix}* constants for ${e.name}`);
    const keys = new Set();
    out += `\n${docLine(e.doc)}export const ${e.name} = {\n`;
    for (const c of items) {
      claim(c.name, `${e.name} in assembly/${e.file}`);
      const k = key(c.name, e.prefix, e);
      if (keys.has(k)) throw new Error(`assembly/${e.file}: ${c.name} gives ${e.name}.${k} twice`);
      keys.add(k);
      out += `${docLine(c.doc, '  ')}  ${k}: ${c.value},\n`;
    }
    out += `} as const;\nexport type ${e.name} = (typeof ${e.name})[keyof typeof ${e.name}];\n`;
  }
  for (const f of FLAT) {
    const items = pick(f.file, read(f.file), (n) => f.prefixes.some((p) => n.startsWith(p)) && !ENUMS.some((e) => e.file === f.file && n.startsWith(e.prefix)));
    if (items.length === 0) throw new Error(`assembly/${f.file}: nothing matches ${f.prefixes.join(', ')}`);
    out += `\n// ${f.title}: assembly/${f.file}\n`;
    for (const c of items) {
      claim(c.name, `assembly/${f.file}`);
      out += `${docLine(c.doc)}export const ${c.name} = ${c.value};\n`;
    }
  }
  return out;
}

function main() {
  const path = join(ROOT, OUTPUT);
  const text = generateLayout();
  let current;
  try { current = readFileSync(path, 'utf8'); } catch { current = undefined; }
  if (process.argv.includes('--check')) {
    if (current === text) return;
    console.error(`${OUTPUT} is out of date with assembly/: run \`node scripts/gen-layout.mjs\` (or \`npm run build:core\`)`);
    process.exit(1);
  }
  if (current !== text) {
    writeFileSync(path, text);
    console.log(`gen-layout: wrote ${OUTPUT}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === join(process.argv[1])) main();
