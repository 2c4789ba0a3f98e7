// One parser per kind of configuration value, so that `1kb` or `500us` mean the same thing in
// every option and every WASMPROF_* variable. Each takes who the value belongs to (an option or
// a variable), the value — as written in the environment, or as given in code — and the accepted
// range, and returns the value or throws a ConfigError that names all three.
//
// Byte units, case-insensitive, one table for everything:
//   b = 1;  k, ki, kib = 1024;  m, mi, mib = 1024²;  g, gi, gib = 1024³  (binary: KiB, MiB, GiB)
//   kb = 1000;  mb = 1000²;  gb = 1000³                                    (decimal: KB, MB, GB)
// (Before this module, the profiler's options read kb/mb/gb as 1024-based and the exporter's as
// 1000-based: `1kb` meant two different sizes. docs/configuration.md says so to users.)
// Duration units: us (or µs), ms, s, m, h; a bare number means the unit the caller names.
import { ConfigError, type ConfigProblem } from './error.js';

/** Who a value belongs to. A string naming a variable (WASMPROF_INTERVAL) is a variable,
 *  any other string an option (interval). */
export type ConfigName = string | ConfigSubject;

export interface ConfigSubject {
  /** The option's name in code. */
  option?: string;
  /** The environment variable the value was read from (unset when it came from code). */
  variable?: string;
  /** Makes the error, for a module that keeps its own ConfigError subclass and wording. */
  error?: (problem: ConfigProblem) => ConfigError;
}

/** Wording a caller may set in place of the generated one (messages users already match on). */
export interface Wording {
  /** Replaces the generated description of what is accepted. */
  expected?: string;
}

export interface IntegerRange extends Wording { min: number; max: number }
export interface BytesRange extends Wording { min: number; max: number; example?: string }

export type DurationUnit = 'us' | 'ms' | 's' | 'm' | 'h';

export interface DurationRange extends Wording {
  /** Bounds, in `unit`. */
  min: number;
  max: number;
  /** Unit of the bounds and of the result (rounded to a whole number of it). Default 'ms'. */
  unit?: DurationUnit;
  /** What a bare number means, in a string and as a number given in code. Default 'ms'. */
  bare?: DurationUnit;
  example?: string;
}

export interface ChoiceRange<T extends string> extends Wording {
  values: readonly T[];
  /** Accept any letter case (the result is the listed spelling). Default false. */
  ignoreCase?: boolean;
}

export interface ListRange<T extends string> extends Wording {
  values: readonly T[];
  /** What one item is called in messages. Default 'value'. */
  item?: string;
  /** Fewest items. Default 1. */
  min?: number;
  /** Reject an item listed twice. Default true. */
  unique?: boolean;
  example?: string;
}

export interface TextRange extends Wording { min?: number; max: number }

export interface UrlRange extends Wording {
  /** Accepted protocols, with the colon: ['http:', 'https:']. */
  protocols: readonly string[];
  /** Allow a query string and a fragment. Default false. */
  query?: boolean;
  example?: string;
}

function subjectOf(name: ConfigName): ConfigSubject {
  if (typeof name !== 'string') return name;
  return /^[A-Z][A-Z0-9_]*$/.test(name) ? { variable: name } : { option: name };
}

/** Throws the subject's ConfigError for `value`. Also for checks a module makes itself. */
export function configFail(name: ConfigName, value: unknown, problem: Omit<ConfigProblem, 'option' | 'variable' | 'value'>): never {
  const s = subjectOf(name);
  const p: ConfigProblem = { option: s.option, variable: s.variable, value, ...problem };
  throw s.error ? s.error(p) : new ConfigError(p);
}

function worded(generated: string, w: Wording): string {
  return w.expected ?? generated;
}

function orList(values: readonly string[]): string {
  return values.length <= 1 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

const DIGITS = /^\d+$/;

/** A whole number in range, from a number or a string of digits (no sign, decimals or exponent). */
export function parseInteger(name: ConfigName, value: unknown, range: IntegerRange): number {
  const expected = worded(`an integer from ${range.min} to ${range.max} (a whole number, no sign or exponent)`, range);
  let n = NaN;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && DIGITS.test(value.trim())) n = Number(value.trim());
  if (!Number.isSafeInteger(n)) configFail(name, value, { expected });
  if (n < range.min || n > range.max) configFail(name, value, { expected, outOfRange: true });
  return n;
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1, b: 1,
  k: 1024, ki: 1024, kib: 1024, m: 1024 ** 2, mi: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gi: 1024 ** 3, gib: 1024 ** 3,
  kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3,
};

const NUMBER_UNIT = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i;

/** Bytes from a number or a string such as `524288`, `512KiB`, `1.5MiB`, `10MB` (table above).
 *  NaN when it is not one (a fraction of a byte included). */
export function bytesValue(value: unknown): number {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : NaN;
  if (typeof value !== 'string') return NaN;
  const m = NUMBER_UNIT.exec(value.trim());
  const unit = m ? BYTE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) return NaN;
  const n = Number(m[1]) * unit;
  return Number.isSafeInteger(n) ? n : NaN;
}

/** A whole number of bytes in range, with an optional unit. */
export function parseBytes(name: ConfigName, value: unknown, range: BytesRange): number {
  const expected = worded(`a number of bytes (optionally with a unit: KiB, MiB, GiB = 1024-based; KB, MB, GB = 1000-based) from ${range.min} to ${range.max} that comes to a whole number of bytes${range.example ? `, e.g. ${range.example}` : ''}`, range);
  const n = bytesValue(value);
  if (Number.isNaN(n)) configFail(name, value, { expected });
  if (n < range.min || n > range.max) configFail(name, value, { expected, outOfRange: true });
  return n;
}

const MICROS: Readonly<Record<DurationUnit, number>> = { us: 1, ms: 1000, s: 1_000_000, m: 60_000_000, h: 3_600_000_000 };
const UNIT_WORDS: Readonly<Record<DurationUnit, string>> = { us: 'microseconds', ms: 'milliseconds', s: 'seconds', m: 'minutes', h: 'hours' };
const DURATION = /^(\d+(?:\.\d+)?|\.\d+)\s*(us|µs|μs|ms|s|m|h)?$/i;

/** Microseconds from a number (in `bare` units) or a string with an optional unit; NaN when
 *  it is not a duration. */
export function durationMicros(value: unknown, bare: DurationUnit = 'ms'): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value * MICROS[bare] : NaN;
  if (typeof value !== 'string') return NaN;
  const m = DURATION.exec(value.trim());
  if (!m) return NaN;
  const unit = (m[2] === undefined ? bare : m[2].toLowerCase().replace(/^[µμ]/, 'u')) as DurationUnit;
  return Number(m[1]) * MICROS[unit];
}

/** A duration as it reads best: `100us`, `10ms`, `1s`, `5m`, `24h`. */
export function formatDuration(micros: number): string {
  for (const unit of ['h', 'm', 's', 'ms'] as const) {
    if (micros >= MICROS[unit] && micros % MICROS[unit] === 0) return `${micros / MICROS[unit]}${unit}`;
  }
  return `${micros}us`;
}

/** A duration in range, in `range.unit` (rounded). The range is checked before rounding. */
export function parseDuration(name: ConfigName, value: unknown, range: DurationRange): number {
  const unit = range.unit ?? 'ms', bare = range.bare ?? 'ms';
  const min = range.min * MICROS[unit], max = range.max * MICROS[unit];
  const expected = worded(`a duration from ${formatDuration(min)} to ${formatDuration(max)} (a number is ${UNIT_WORDS[bare]}; units us, ms, s, m, h)${range.example ? `, e.g. ${range.example}` : ''}`, range);
  const us = durationMicros(value, bare);
  if (!Number.isFinite(us)) configFail(name, value, { expected });
  if (us < min || us > max) configFail(name, value, { expected, outOfRange: true });
  return Math.round(us / MICROS[unit]);
}

const TRUE = ['1', 'true', 'yes', 'on'], FALSE = ['0', 'false', 'no', 'off'];

/** true/false, or as a string 1/0, true/false, yes/no, on/off (any case). */
export function parseBoolean(name: ConfigName, value: unknown, wording: Wording = {}): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const s = value.trim().toLowerCase();
    if (TRUE.includes(s)) return true;
    if (FALSE.includes(s)) return false;
  }
  return configFail(name, value, { expected: worded('true or false (or 1/0, yes/no, on/off)', wording) });
}

/** One of `range.values`. */
export function parseChoice<T extends string>(name: ConfigName, value: unknown, range: ChoiceRange<T>): T {
  if (typeof value === 'string') {
    const s = range.ignoreCase ? value.trim().toLowerCase() : value.trim();
    const hit = range.values.find((v) => (range.ignoreCase ? v.toLowerCase() : v) === s);
    if (hit !== undefined) return hit;
  }
  return configFail(name, value, { expected: worded(orList(range.values), range), choices: range.values });
}

/** A list of `range.values`: an array, or a comma-separated string (blanks ignored). */
export function parseList<T extends string>(name: ConfigName, value: unknown, range: ListRange<T>): T[] {
  const item = range.item ?? 'value', accepted = range.values.join(', ');
  const expected = worded(`a list of ${accepted}${range.example ? ` (e.g. ${JSON.stringify(range.example)})` : ''}`, range);
  let items: unknown[];
  if (typeof value === 'string') items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  else if (Array.isArray(value)) items = value;
  else return configFail(name, value, { expected, choices: range.values });
  const min = range.min ?? 1;
  if (items.length < min) {
    configFail(name, value, { expected, choices: range.values, reason: `expected at least ${min === 1 ? 'one' : min} of ${accepted}` });
  }
  const out: T[] = [];
  for (const it of items) {
    if (typeof it !== 'string' || !(range.values as readonly string[]).includes(it)) {
      configFail(name, value, { expected, choices: range.values, reason: `unknown ${item} ${JSON.stringify(it)}; accepted: ${accepted}` });
    }
    if (range.unique !== false && out.includes(it as T)) {
      configFail(name, value, { expected, choices: range.values, reason: `${item} "${it}" is listed twice` });
    }
    out.push(it as T);
  }
  return out;
}

/** A string of `min` (default 1) to `max` characters without control characters. */
export function parseText(name: ConfigName, value: unknown, range: TextRange): string {
  const min = range.min ?? 1;
  const expected = worded(`${min} to ${range.max} characters without control characters`, range);
  if (typeof value !== 'string') return configFail(name, value, { expected, reason: 'expected a string' });
  if (value.length < min || value.length > range.max || /[\u0000-\u001f\u007f]/.test(value)) configFail(name, value, { expected });
  return value;
}

/** An absolute URL with one of the accepted protocols. The value is kept out of messages: a
 *  URL may carry a user and password. */
export function parseUrl(name: ConfigName, value: unknown, range: UrlRange): URL {
  const protocols = range.protocols.map((p) => `${p}//`).join(' or ');
  // "an http://", "a ws://": the article goes by how the first letter is spoken.
  const article = /^[aefhilmnorsx]/i.test(protocols) ? 'an' : 'a';
  const expected = worded(`${article} ${protocols} URL${range.example ? ` such as ${range.example}` : ''}${range.query ? '' : ', without a query string or fragment'}`, range);
  let u: URL | undefined;
  if (typeof value === 'string') {
    try { u = new URL(value.trim()); } catch { u = undefined; }
  }
  if (!u) return configFail(name, value, { expected, hidden: true });
  if (!range.protocols.includes(u.protocol)) {
    configFail(name, value, { expected, hidden: true, reason: `expected ${expected} (got protocol ${u.protocol})` });
  }
  if (!range.query && (u.search !== '' || u.hash !== '')) {
    configFail(name, value, { expected, hidden: true, reason: `expected ${expected} (it has a query string or fragment)` });
  }
  return u;
}
