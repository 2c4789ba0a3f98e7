// How BASE's values are scaled before they are subtracted from NEW's (`--normalize`).
//
// Two profiles of different lengths cannot be subtracted as they are: a 20 s profile has about
// twice the samples of a 10 s one and every function would look like it doubled. When the
// durations differ (or a profile does not record one), BASE is scaled so that its total equals
// NEW's, the way `go tool pprof -normalize` does; the differences then show how the same amount
// of work is spread differently. When both profiles cover the same time, the raw difference is
// meaningful (the program did more or less work in the same window) and nothing is scaled.
import { ViewInputError } from './errors.js';
import { formatValue } from './format-value.js';

export type NormalizeChoice = 'auto' | 'total' | 'none';
export const NORMALIZE_CHOICES: readonly NormalizeChoice[] = ['auto', 'total', 'none'];

/** Durations this close (relative to the longer one) count as the same window. */
const SAME_DURATION = 0.01;

export interface Normalization {
  /** What was done to BASE's values. */
  mode: 'total' | 'none';
  /** Factor every BASE value is multiplied by before the subtraction (1 for `none`). */
  scale: number;
  /** One sentence for the top table's header and the page, starting with the mode. */
  statement: string;
}

export function parseNormalizeChoice(value: string): NormalizeChoice {
  const choice = NORMALIZE_CHOICES.find((c) => c === value.toLowerCase());
  if (!choice) throw new ViewInputError(`bad --normalize value "${value}": expected ${NORMALIZE_CHOICES.join(', ')}`);
  return choice;
}

export interface NormalizeInput {
  choice: NormalizeChoice;
  unit: string;
  newTotal: number;
  baseTotal: number;
  /** Nanoseconds, 0 when unknown. */
  newDuration: number;
  baseDuration: number;
}

const round = (n: number): string => String(Number(n.toPrecision(4)));

export function decideNormalization(input: NormalizeInput): Normalization {
  const { choice, unit, newTotal, baseTotal, newDuration, baseDuration } = input;
  const fmt = (v: number): string => formatValue(v, unit);
  const dur = (v: number): string => formatValue(v, 'nanoseconds');
  const bothTimed = newDuration > 0 && baseDuration > 0;
  const sameWindow = bothTimed && Math.abs(newDuration - baseDuration) <= SAME_DURATION * Math.max(newDuration, baseDuration);

  let why: string;
  if (choice === 'none') {
    return { mode: 'none', scale: 1, statement: 'none (--normalize none): BASE values are subtracted as they are' };
  } else if (choice === 'total') {
    why = '(--normalize total)';
  } else if (sameWindow) {
    return {
      mode: 'none',
      scale: 1,
      statement: `none: both profiles cover ${dur(newDuration)}, so BASE values are subtracted as they are (--normalize total compares shares instead)`,
    };
  } else if (bothTimed) {
    why = `because the durations differ (NEW ${dur(newDuration)}, BASE ${dur(baseDuration)})`;
  } else {
    const missing = newDuration > 0 ? 'BASE does' : baseDuration > 0 ? 'NEW does' : 'the profiles do';
    why = `because ${missing} not record a duration`;
  }
  if (!(newTotal > 0) || !(baseTotal > 0)) {
    return { mode: 'none', scale: 1, statement: `none: ${newTotal > 0 ? 'BASE' : 'NEW'}'s total is ${fmt(0)}, so there is nothing to scale by` };
  }
  const scale = newTotal / baseTotal;
  return {
    mode: 'total',
    scale,
    statement: `by total: BASE values × ${round(scale)} (its total ${fmt(baseTotal)} scaled to NEW's ${fmt(newTotal)}) ${why}`,
  };
}
