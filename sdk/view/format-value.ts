// Human units for sample values ("1.5s", "12MB"), shared by the terminal table and the HTML
// page. The page gets this very function through Function.prototype.toString, so it must stay
// self-contained: no imports, no references to anything outside its own body.

/** Formats `value` measured in `unit` (a pprof unit name) with at most two decimals. */
export function formatValue(value: number, unit: string): string {
  const trim = (n: number): string => {
    const s = n.toFixed(2);
    return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
  };
  const scale = (v: number, steps: Array<[number, string]>): string => {
    const abs = Math.abs(v);
    for (const [size, suffix] of steps) if (abs >= size) return trim(v / size) + suffix;
    const last = steps[steps.length - 1];
    return trim(v / last[0]) + last[1];
  };
  const u = unit.toLowerCase();
  const toNanos: Record<string, number> = { nanoseconds: 1, microseconds: 1e3, milliseconds: 1e6, seconds: 1e9 };
  if (u in toNanos) {
    if (value === 0) return '0s';
    return scale(value * toNanos[u], [[3600e9, 'h'], [60e9, 'min'], [1e9, 's'], [1e6, 'ms'], [1e3, 'us'], [1, 'ns']]);
  }
  if (u === 'bytes') {
    if (value === 0) return '0B';
    return scale(value, [[1024 ** 4, 'TB'], [1024 ** 3, 'GB'], [1024 ** 2, 'MB'], [1024, 'kB'], [1, 'B']]);
  }
  return Number.isInteger(value) ? String(value) : trim(value);
}
