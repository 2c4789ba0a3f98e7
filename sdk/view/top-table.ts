// The terminal view: functions ranked by flat (time/bytes spent in the function itself) with
// cumulative (in it or anything it called) alongside, in the column layout of
// `go tool pprof -top` so that the numbers can be compared side by side.
import { formatValue } from './format-value.js';
import type { Frame, ProfileModel } from './model.js';

export interface TopRow {
  frame: Frame;
  flat: number;
  cum: number;
}

export interface TopTable {
  total: number;
  /** Every function that has a non-zero flat or cum, best first. */
  rows: TopRow[];
}

/** Flat and cum per frame index of the model, and the total, for one sample type. */
export interface FunctionTotals {
  total: number;
  flat: Float64Array;
  cum: Float64Array;
}

export function functionTotals(model: ProfileModel, sampleType: number): FunctionTotals {
  const { parent, frame } = model.tree;
  const n = parent.length;
  const self = new Float64Array(n);
  let total = 0;
  for (const s of model.samples) {
    self[s.node] += s.values[sampleType];
    total += s.values[sampleType];
  }
  const subtree = Float64Array.from(self);
  for (let i = n - 1; i >= 1; i--) subtree[parent[i]] += subtree[i];

  const flat = new Float64Array(model.frames.length);
  const cum = new Float64Array(model.frames.length);
  for (let i = 1; i < n; i++) flat[frame[i]] += self[i];

  // A function's cumulative value is the sum of the subtrees where it appears for the first
  // time on the path from the root: deeper recursive calls are already inside those subtrees.
  const children: number[][] = Array.from({ length: n }, () => []);
  for (let i = 1; i < n; i++) children[parent[i]].push(i);
  const onPath = new Int32Array(model.frames.length);
  const stack: Array<[node: number, entering: boolean]> = [[0, true]];
  while (stack.length > 0) {
    const [node, entering] = stack.pop()!;
    const f = frame[node];
    if (!entering) {
      if (f >= 0) onPath[f]--;
      continue;
    }
    if (f >= 0) {
      if (onPath[f] === 0) cum[f] += subtree[node];
      onPath[f]++;
    }
    stack.push([node, false]);
    for (const c of children[node]) stack.push([c, true]);
  }
  return { total, flat, cum };
}

export function computeTop(model: ProfileModel, sampleType: number): TopTable {
  const { total, flat, cum } = functionTotals(model, sampleType);
  const rows: TopRow[] = [];
  model.frames.forEach((fr, i) => {
    if (flat[i] !== 0 || cum[i] !== 0) rows.push({ frame: fr, flat: flat[i], cum: cum[i] });
  });
  rows.sort((a, b) => b.flat - a.flat || b.cum - a.cum || compareFrames(a.frame, b.frame));
  return { total, rows };
}

/** By name, then file: the last tie-breaker of every table, so output is deterministic. */
export function compareFrames(a: Frame, b: Frame): number {
  return cmp(a.name, b.name) || cmp(a.file, b.file);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function percent(part: number, total: number): string {
  return total === 0 ? '0.00%' : `${((part / total) * 100).toFixed(2)}%`;
}

function location(frame: Frame): string {
  if (!frame.file) return '';
  return frame.line > 0 ? `${frame.file}:${frame.line}` : frame.file;
}

export interface FormatTopOptions {
  title: string;
  limit: number;
  focus?: string;
}

/** The table as printed: a short header, then one row per function, `limit` rows at most. */
export function formatTop(model: ProfileModel, sampleType: number, table: TopTable, options: FormatTopOptions): string {
  const { type, unit } = model.sampleTypes[sampleType];
  const fmt = (v: number): string => formatValue(v, unit);
  const shown = table.rows.slice(0, options.limit);
  const shownFlat = shown.reduce((sum, r) => sum + r.flat, 0);
  const lines = [
    `File: ${options.title}`,
    `Type: ${type} (${unit})`,
  ];
  if (options.focus !== undefined) lines.push(`Focus: ${options.focus}`);
  lines.push(
    `Showing ${shown.length} of ${table.rows.length} functions, ${fmt(shownFlat)} (${percent(shownFlat, table.total)}) of ${fmt(table.total)} total`,
  );
  let sum = 0;
  const cells = shown.map((r) => {
    sum += r.flat;
    return [fmt(r.flat), percent(r.flat, table.total), percent(sum, table.total), fmt(r.cum), percent(r.cum, table.total)];
  });
  lines.push(...tableLines(['flat', 'flat%', 'sum%', 'cum', 'cum%'], cells, shown.map((r) => r.frame)));
  return lines.join('\n') + '\n';
}

/** Right-aligned numeric columns under `head`, each row ending with "name  file:line". */
export function tableLines(head: string[], cells: string[][], frames: Frame[]): string[] {
  const widths = head.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)) + 2);
  const row = (values: string[], tail: string): string => values.map((v, c) => v.padStart(widths[c])).join('') + (tail ? `  ${tail}` : '');
  return [
    row(head, ''),
    ...frames.map((frame, i) => {
      const where = location(frame);
      return row(cells[i], where ? `${frame.name}  ${where}` : frame.name);
    }),
  ];
}
