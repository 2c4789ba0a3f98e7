// The terminal view of `--diff-base`: per function, NEW minus (scaled) BASE, largest change
// first, with the function's share of each profile's total so that a change can be read both
// as an amount and as a shift in where the time (or memory) goes.
import type { DiffModel } from './diff.js';
import { formatValue } from './format-value.js';
import type { Frame } from './model.js';
import { compareFrames, functionTotals, percent, tableLines } from './top-table.js';

export interface DiffTopRow {
  frame: Frame;
  /** NEW's values and BASE's raw (unscaled) values. */
  newFlat: number;
  baseFlat: number;
  newCum: number;
  baseCum: number;
  /** NEW − BASE × scale. */
  flatDelta: number;
  cumDelta: number;
}

export interface DiffTopTable {
  newTotal: number;
  baseTotal: number;
  scale: number;
  /** NEW's total − BASE's × scale (0 when normalized by total). */
  totalDelta: number;
  /** Every function present in either profile, largest absolute flat change first. */
  rows: DiffTopRow[];
}

export function computeDiffTop(diff: DiffModel, sampleType: number): DiffTopTable {
  const k = diff.sampleTypes.length;
  const fresh = functionTotals(diff.merged, sampleType);
  const base = functionTotals(diff.merged, k + sampleType);
  const { scale } = diff.normalization[sampleType];
  // Below this a difference is float noise from the scaling, not a change.
  const epsilon = 1e-9 * (fresh.total + base.total * scale);
  const delta = (a: number, b: number): number => {
    const d = a - b * scale;
    return Math.abs(d) <= epsilon ? 0 : d;
  };
  const rows: DiffTopRow[] = [];
  diff.merged.frames.forEach((frame, i) => {
    if (fresh.flat[i] === 0 && fresh.cum[i] === 0 && base.flat[i] === 0 && base.cum[i] === 0) return;
    rows.push({
      frame,
      newFlat: fresh.flat[i],
      baseFlat: base.flat[i],
      newCum: fresh.cum[i],
      baseCum: base.cum[i],
      flatDelta: delta(fresh.flat[i], base.flat[i]),
      cumDelta: delta(fresh.cum[i], base.cum[i]),
    });
  });
  rows.sort((a, b) => Math.abs(b.flatDelta) - Math.abs(a.flatDelta) || Math.abs(b.cumDelta) - Math.abs(a.cumDelta) || compareFrames(a.frame, b.frame));
  return { newTotal: fresh.total, baseTotal: base.total, scale, totalDelta: delta(fresh.total, base.total), rows };
}

/** "+1.5s" / "-200ms" / "0s": the sign is always written, as in `go tool pprof -diff_base`. */
export function formatDelta(value: number, unit: string): string {
  if (value === 0) return formatValue(0, unit);
  return `${value > 0 ? '+' : '-'}${formatValue(Math.abs(value), unit)}`;
}

export interface FormatDiffTopOptions {
  limit: number;
  focus?: string;
}

export function formatDiffTop(diff: DiffModel, sampleType: number, table: DiffTopTable, options: FormatDiffTopOptions): string {
  const { type, unit } = diff.sampleTypes[sampleType];
  const fmt = (v: number): string => formatValue(v, unit);
  const scaledBase = table.baseTotal * table.scale;
  const shown = table.rows.slice(0, options.limit);
  const lines = [`File: ${diff.newName}`, `Base: ${diff.baseName} (subtracted)`, `Type: ${type} (${unit})`];
  if (options.focus !== undefined) lines.push(`Focus: ${options.focus}`);
  lines.push(
    `Normalization: ${diff.normalization[sampleType].statement}`,
    `Total: NEW ${fmt(table.newTotal)}, BASE ${fmt(table.baseTotal)}${table.scale !== 1 ? ` (${fmt(scaledBase)} scaled)` : ''}, change ${formatDelta(table.totalDelta, unit)}`,
    `Showing ${shown.length} of ${table.rows.length} functions, largest absolute flat change first; shares are of each profile's own total`,
  );
  const cells = shown.map((r) => [
    formatDelta(r.flatDelta, unit),
    percent(r.baseFlat, table.baseTotal),
    percent(r.newFlat, table.newTotal),
    formatDelta(r.cumDelta, unit),
    percent(r.baseCum, table.baseTotal),
    percent(r.newCum, table.newTotal),
  ]);
  lines.push(...tableLines(['flat delta', 'base flat%', 'new flat%', 'cum delta', 'base cum%', 'new cum%'], cells, shown.map((r) => r.frame)));
  return lines.join('\n') + '\n';
}
