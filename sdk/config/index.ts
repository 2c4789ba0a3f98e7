// Configuration: reading the environment, parsing values, and the error for a bad one. Imports
// nothing from the rest of sdk/ (every other folder reads its configuration through here).
export { processEnv, readEnv, envSetting, type Env } from './env.js';
export { ConfigError, describeConfigProblem, problemText, showValue, type ConfigProblem } from './error.js';
export {
  parseInteger, parseBytes, parseDuration, parseBoolean, parseChoice, parseList, parseText, parseUrl,
  bytesValue, durationMicros, formatDuration, configFail,
  type ConfigName, type ConfigSubject, type Wording, type IntegerRange, type BytesRange, type DurationRange,
  type DurationUnit, type ChoiceRange, type ListRange, type TextRange, type UrlRange,
} from './parse.js';
export { VARIABLES, type VariableInfo, type VariableKind } from './variables.js';
