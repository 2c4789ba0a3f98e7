// One error for every bad configuration value, wherever it came from (an option in code or a
// WASMPROF_* variable). It carries the pieces — who, what value, what is accepted — as fields, so
// a module can word its message the way its users already match on (WasmprofOptionError,
// ExporterConfigError and the core keep their established wording) while every message still
// names the option or variable, the value and the accepted range.

/** What is wrong with one value. */
export interface ConfigProblem {
  /** The option's name in code (`interval`, `labels.service`). */
  option?: string;
  /** The environment variable the value was read from; unset when it came from code. */
  variable?: string;
  /** The value as given. */
  value?: unknown;
  /** Leave the value out of the message: a secret, or a URL that may carry a password. */
  hidden?: boolean;
  /** The value is of the right kind but outside the accepted range. */
  outOfRange?: boolean;
  /** What is accepted, in words: `a duration from 100us to 1s`. */
  expected?: string;
  /** For a choice, the accepted values, so that a message can list them its own way. */
  choices?: readonly string[];
  /** What is wrong when "expected …" alone would not say it: `profile type "cpu" is listed twice`. */
  reason?: string;
}

/** A value as a message shows it: strings quoted (long ones cut, a message stays one line). */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return String(value);
}

/** The part after the subject: the reason, else `[out of range: ]expected <range>`. */
export function problemText(p: ConfigProblem): string {
  if (p.reason !== undefined) return p.reason;
  return `${p.outOfRange ? 'out of range: ' : ''}expected ${p.expected ?? 'a valid value'}`;
}

/**
 * The standard message, one line:
 *   wasmprof: invalid interval "0ms" (from WASMPROF_INTERVAL): out of range: expected a duration from 100us to 1s …
 *   wasmprof: invalid WASMPROF_NATIVE_HEAP_INTERVAL "lots": expected a number of bytes …
 */
export function describeConfigProblem(p: ConfigProblem): string {
  const what = p.option ?? p.variable ?? 'setting';
  const shown = p.hidden ? '' : ` ${showValue(p.value)}`;
  const from = p.option !== undefined && p.variable !== undefined ? ` (from ${p.variable})` : '';
  return `wasmprof: invalid ${what}${shown}${from}: ${problemText(p)}`;
}

/**
 * A bad configuration value. A RangeError (as the profiler's WasmprofOptionError has always
 * been), so code that tells configuration mistakes from other failures by that keeps working.
 */
export class ConfigError extends RangeError {
  override readonly name: string = 'ConfigError';
  readonly option: string | undefined;
  readonly variable: string | undefined;
  /** The value given (undefined when it is hidden from messages). */
  readonly value: unknown;
  /** What is accepted, in words. */
  readonly expected: string | undefined;

  constructor(problem: ConfigProblem, message: string = describeConfigProblem(problem)) {
    super(message);
    this.option = problem.option;
    this.variable = problem.variable;
    this.value = problem.hidden ? undefined : problem.value;
    this.expected = problem.expected;
  }
}
