// Tags (static, from options or WASMPROF_TAGS, and per batch) and the rules both backends put on
// them. Pyroscope carries tags inside the application name, `app{k=v,k2=v2}`, so keys must be
// label names and values must not contain the separators; Datadog carries `k:v` joined by commas.

/** Label-name rule shared by Pyroscope (Prometheus label names, plus '.') and Datadog tags. */
export const TAG_KEY = /^[A-Za-z_][A-Za-z0-9_.]{0,99}$/;
const TAG_VALUE_FORBIDDEN = /[,{}=\s"]/;

/** Keys the backends reserve. */
const RESERVED = new Set(['__name__', 'service_name', '__session_id__']);

export function tagProblem(key: string, value: string): string | undefined {
  if (!TAG_KEY.test(key)) return `tag key ${JSON.stringify(key)} must start with a letter or '_' and contain only letters, digits, '_' and '.' (at most 100)`;
  if (key.startsWith('__') || RESERVED.has(key)) return `tag key ${JSON.stringify(key)} is reserved`;
  if (value.length === 0) return `tag ${key} has an empty value`;
  if (value.length > 200) return `tag ${key} has a value longer than 200 characters`;
  if (TAG_VALUE_FORBIDDEN.test(value)) return `tag ${key} has a value with a space or one of , { } = "`;
  return undefined;
}

/** Parses `k=v,k2=v2` (WASMPROF_TAGS); throws with the reason. Empty string → {}. */
export function parseTags(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const trimmed = text.trim();
  if (trimmed === '') return out;
  for (const raw of trimmed.split(',')) {
    const item = raw.trim();
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`${JSON.stringify(item)} is not key=value`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    const problem = tagProblem(key, value);
    if (problem) throw new Error(problem);
    if (key in out) throw new Error(`tag ${key} is given twice`);
    out[key] = value;
  }
  return out;
}

/** Static tags, then the batch's labels over them; invalid batch labels are skipped and named. */
export function mergeTags(base: Readonly<Record<string, string>>, extra: Readonly<Record<string, string>> | undefined): { tags: Record<string, string>; skipped: string[] } {
  const tags: Record<string, string> = { ...base };
  const skipped: string[] = [];
  if (extra) {
    for (const [k, v] of Object.entries(extra)) {
      if (typeof v !== 'string' || tagProblem(k, v)) skipped.push(k);
      else tags[k] = v;
    }
  }
  return { tags, skipped };
}
