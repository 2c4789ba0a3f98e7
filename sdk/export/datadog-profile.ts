// A period's profiles as Datadog's Node profiler (dd-trace-js) uploads them, so that the
// Datadog UI reads them as its own (docs/exporters.md, "Datadog Agent", has the sources):
//   wall + cpu → `wall.pprof`: ONE profile, sample types sample/count, wall/nanoseconds,
//                cpu/nanoseconds (period wall/nanoseconds), as @datadog/pprof's time profiler
//                builds it with CPU time on;
//   heap       → `space.pprof` (inuse_objects/count, inuse_space/bytes, unchanged);
//   any other  → `<type>.pprof`, unchanged.
// Every sample of wall.pprof and space.pprof gets the thread labels dd-trace puts on its own
// (`thread name`, `thread id`, and `os thread id` where it is known); labels already on a sample
// (runWithLabels) stay, and win over a thread label of the same key. The span labels of
// wasmprof/otel (Pyroscope's `span_id`, `span_name`) become dd-trace's (spanLabels below).
//
// Merge rule: wasmprof builds wall and cpu from the same aggregated rows (stack + labels), so a
// wall sample and a cpu sample with equal stack and labels are one row: they become one sample
// [count, wall, cpu]. sample/count is the wall profile's count (dd-trace counts wall samples
// there too; its CPU-only samples, e.g. "Non-JS threads", carry [0, 0, cpu]); a stack seen only
// in the cpu profile, or every sample when only cpu was collected, becomes [0, 0, cpu].
//
// A profile that does not decode as pprof (or lacks the expected sample types) is not ours to
// repair: it goes unchanged under its own `<type>.pprof` name, and so does its wall/cpu
// partner, so nothing is lost and nothing is reported. Node and Deno (node:zlib, node:worker_threads).
import { promisify } from 'node:util';
import { identity } from '../runtime/node.js';
import { gunzip as gunzipCb, gunzipSync } from 'node:zlib';
import { Function as PprofFunction, Label, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { encodeGzip, encodeGzipSync } from '../pprof/gzip.js';
import type { BatchProfile } from './types.js';

type Numeric = number | bigint;
const gunzip = promisify(gunzipCb);

/** Label keys dd-trace-js sets itself; every other key on a sample is a custom attribute. */
const BUILTIN_LABELS = new Set(['thread name', 'thread id', 'os thread id', 'span id', 'local root span id', 'trace endpoint', 'end_timestamp_ns', 'async id']);

export interface Attachment {
  /** Form field and file name, e.g. `wall.pprof`. */
  name: string;
  /** gzipped pprof. */
  data: Uint8Array;
}

export interface DatadogAttachments {
  attachments: Attachment[];
  /** Custom label keys found on the samples (sorted), for the event's `custom_attributes`. */
  customAttributes: string[];
}

/** The labels dd-trace-js puts on every sample of the thread it runs in (profilers/shared.js):
 *  `Main Event Loop` / `Worker #<n> Event Loop`, and worker_threads' threadId (0 on the main
 *  thread). `os thread id` is only known for the main thread on Linux, where it is the pid. */
export function threadLabels(): Record<string, string> {
  const { isMainThread, threadId } = identity();
  const labels: Record<string, string> = {
    'thread name': isMainThread ? 'Main Event Loop' : `Worker #${threadId} Event Loop`,
    'thread id': String(threadId),
  };
  const p = (globalThis as { process?: { platform?: string; pid?: number } }).process;
  if (isMainThread && p?.platform === 'linux' && typeof p.pid === 'number') labels['os thread id'] = String(p.pid);
  return labels;
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function decodeRaw(raw: Uint8Array): Profile | undefined {
  try { return Profile.decode(raw); } catch { return undefined; }
}

const DECODED = new Set(['wall', 'cpu', 'heap']);

function decodeSync(p: BatchProfile): Profile | undefined {
  try { return decodeRaw(isGzip(p.pprof) ? new Uint8Array(gunzipSync(p.pprof)) : p.pprof); } catch { return undefined; }
}

async function decodeAsync(p: BatchProfile): Promise<Profile | undefined> {
  try { return decodeRaw(isGzip(p.pprof) ? new Uint8Array(await gunzip(p.pprof)) : p.pprof); } catch { return undefined; }
}

/** One of the attachments before encoding: a built profile, or bytes sent as they came. */
type Planned = { name: string; profile: Profile; raw?: undefined } | { name: string; raw: Uint8Array; profile?: undefined };

export function datadogAttachmentsSync(profiles: readonly BatchProfile[], thread: Readonly<Record<string, string>>): DatadogAttachments {
  const decoded = new Map<string, Profile | undefined>();
  for (const p of profiles) if (DECODED.has(p.type)) decoded.set(p.type, decodeSync(p));
  const { planned, customAttributes } = plan(profiles, decoded, thread);
  return { attachments: planned.map((a) => ({ name: a.name, data: a.profile ? encodeGzipSync(a.profile) : a.raw })), customAttributes };
}

export async function datadogAttachments(profiles: readonly BatchProfile[], thread: Readonly<Record<string, string>>): Promise<DatadogAttachments> {
  const decoded = new Map<string, Profile | undefined>();
  for (const p of profiles) if (DECODED.has(p.type)) decoded.set(p.type, await decodeAsync(p));
  // Each decode is one uninterrupted stretch (pprof-format decodes in one call); the merge is
  // another: let the application run in between. A plain (ref'd) timer: the build must hold the
  // process for that one turn as the gunzip before it does, or an exiting process would drop it.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const { planned, customAttributes } = plan(profiles, decoded, thread);
  const attachments: Attachment[] = [];
  for (const a of planned) attachments.push({ name: a.name, data: a.profile ? await encodeGzip(a.profile) : a.raw });
  return { attachments, customAttributes };
}

function plan(profiles: readonly BatchProfile[], decoded: ReadonlyMap<string, Profile | undefined>, thread: Readonly<Record<string, string>>): { planned: Planned[]; customAttributes: string[] } {
  const byType = new Map(profiles.map((p) => [p.type, p]));
  const custom = new Set<string>();
  let combined: Profile | undefined;
  const hasWall = byType.has('wall'), hasCpu = byType.has('cpu');
  if ((hasWall || hasCpu) && (!hasWall || decoded.get('wall')) && (!hasCpu || decoded.get('cpu'))) {
    try { combined = combineWallCpu(decoded.get('wall'), decoded.get('cpu'), thread); } catch { combined = undefined; }
  }
  const planned: Planned[] = [];
  for (const p of profiles) {
    if (p.type === 'wall' || p.type === 'cpu') {
      if (!combined) planned.push({ name: `${p.type}.pprof`, raw: p.pprof });
      else if (!planned.some((a) => a.profile === combined)) planned.push({ name: 'wall.pprof', profile: combined });
    } else if (p.type === 'heap' && decoded.get('heap')) {
      planned.push({ name: 'space.pprof', profile: withThreadLabels(decoded.get('heap')!, thread) });
    } else {
      planned.push({ name: `${p.type}.pprof`, raw: p.pprof });
    }
  }
  for (const a of planned) if (a.profile) collectLabelKeys(a.profile, custom);
  return { planned, customAttributes: [...custom].sort() };
}

function collectLabelKeys(p: Profile, into: Set<string>): void {
  const S = p.stringTable.strings;
  for (const s of p.sample) for (const l of s.label) {
    const k = S[Number(l.key)];
    if (k && !BUILTIN_LABELS.has(k)) into.add(k);
  }
}

/** Adds the thread labels to every sample that does not have the key yet (in place). */
export function withThreadLabels(p: Profile, thread: Readonly<Record<string, string>>): Profile {
  const add = Object.entries(thread).map(([k, v]) => new Label({ key: p.stringTable.dedup(k), str: p.stringTable.dedup(v) }));
  const span = spanLabels(p.stringTable);
  for (const s of p.sample) { span?.(s); addLabels(s, add); }
  return p;
}

/** wasmprof/otel's labels as dd-trace-js sends them for a sample taken in a span
 *  (profilers/wall.js): `span_id` (the local root span's id, 16 hex digits) → `local root span
 *  id` and `span id`, both decimal as dd-trace writes its 64-bit ids (and as Datadog reads an
 *  OpenTelemetry span id); `span_name` (the root's name) → `trace endpoint`. A span_id that is not
 *  16 hex digits is someone else's label and stays as it is, and so does span_name beside it.
 *  Undefined when no sample can have a span_id (the string is not in the table). */
function spanLabels(strings: StringTable): ((s: Sample) => void) | undefined {
  const S = strings.strings;
  const spanIdKey = S.indexOf('span_id');
  if (spanIdKey < 0) return undefined;
  const spanNameKey = S.indexOf('span_name');
  const rootKey = strings.dedup('local root span id'), spanKey = strings.dedup('span id'), endpointKey = strings.dedup('trace endpoint');
  const decimal = new Map<number, number | undefined>();
  const toDecimal = (str: number): number | undefined => {
    if (!decimal.has(str)) {
      const hex = S[str] ?? '';
      decimal.set(str, /^[0-9a-f]{16}$/i.test(hex) ? strings.dedup(BigInt(`0x${hex}`).toString(10)) : undefined);
    }
    return decimal.get(str);
  };
  return (s) => {
    const id = s.label.find((l) => Number(l.key) === spanIdKey);
    const dec = id && toDecimal(Number(id.str));
    if (dec === undefined) return;
    const out: Label[] = [];
    for (const l of s.label) {
      if (l === id) out.push(new Label({ key: rootKey, str: dec }), new Label({ key: spanKey, str: dec }));
      else if (Number(l.key) === spanNameKey) out.push(new Label({ key: endpointKey, str: l.str }));
      else out.push(l);
    }
    s.label = out;
  };
}

/** Appends labels whose key the sample does not have yet (its own labels win). */
function addLabels(s: Sample, add: readonly Label[]): void {
  if (s.label.length === 0) { s.label = [...add]; return; }
  const have = new Set(s.label.map((l) => Number(l.key)));
  for (const l of add) if (!have.has(Number(l.key))) s.label.push(l);
}

function typeName(p: Profile, t: ValueType): string {
  return `${p.stringTable.strings[Number(t.type)]}/${p.stringTable.strings[Number(t.unit)]}`;
}

function valueIndex(p: Profile, ...names: string[]): number {
  return p.sampleType.findIndex((t) => names.includes(typeName(p, t)));
}

/** The tables of a base profile, into which a second profile's mappings, functions and
 *  locations are brought: the base is used as it is (its ids and strings stay), and only what
 *  the second one adds is re-indexed, so the common case costs one pass over the smaller side. */
class Tables {
  readonly strings: StringTable;
  readonly mappings: IdTable<Mapping>;
  readonly functions: IdTable<PprofFunction>;
  readonly locations: IdTable<Location>;

  /** Each base location id → the first base location with the same content: equal frames must
   *  have equal ids for a wall sample and its cpu partner to be found equal. */
  readonly canonical = new Map<number, number>();

  constructor(base: Profile) {
    this.strings = base.stringTable;
    this.mappings = new IdTable(base.mapping);
    this.functions = new IdTable(base.function);
    this.locations = new IdTable(base.location);
    const mapCanon = new Map<number, number>(), fnCanon = new Map<number, number>();
    for (const m of base.mapping) mapCanon.set(Number(m.id), this.mappings.first(mappingKey(m), Number(m.id)));
    for (const f of base.function) fnCanon.set(Number(f.id), this.functions.first(functionKey(f), Number(f.id)));
    for (const l of base.location) {
      const key = locationKey(l, (id) => fnCanon.get(id) ?? id, (id) => mapCanon.get(id) ?? id);
      this.canonical.set(Number(l.id), this.locations.first(key, Number(l.id)));
    }
  }

  /** Brings another profile's tables in; returns how its string indices and location ids map. */
  adopt(p: Profile): { s: (i: Numeric) => number; loc: Map<number, number> } {
    const S = p.stringTable.strings;
    const s = (i: Numeric): number => this.strings.dedup(S[Number(i)] ?? '');
    const mapping = new Map<number, number>();
    for (const m of p.mapping) {
      const c = new Mapping({ ...m, id: 0, filename: s(m.filename), buildId: s(m.buildId) });
      mapping.set(Number(m.id), this.mappings.add(c, mappingKey(c)));
    }
    const fn = new Map<number, number>();
    for (const f of p.function) {
      const c = new PprofFunction({ id: 0, name: s(f.name), systemName: s(f.systemName), filename: s(f.filename), startLine: f.startLine });
      fn.set(Number(f.id), this.functions.add(c, functionKey(c)));
    }
    const loc = new Map<number, number>();
    for (const l of p.location) {
      const c = new Location({
        id: 0, mappingId: mapping.get(Number(l.mappingId)) ?? 0, address: l.address, isFolded: l.isFolded,
        line: l.line.map((ln) => new Line({ functionId: fn.get(Number(ln.functionId)) ?? 0, line: ln.line, column: ln.column })),
      });
      loc.set(Number(l.id), this.locations.add(c, locationKey(c)));
    }
    return { s, loc };
  }
}

/** One of a profile's id'd tables (the base's own array, appended to), with entries by content. */
class IdTable<T extends { id: Numeric }> {
  private readonly ids = new Map<string, number>();
  private next: number;

  constructor(readonly list: T[]) {
    this.next = list.reduce((n, x) => Math.max(n, Number(x.id)), 0) + 1;
  }

  /** The id of the first entry with this content, `id` if it is the first. */
  first(key: string, id: number): number {
    const had = this.ids.get(key);
    if (had !== undefined) return had;
    this.ids.set(key, id);
    return id;
  }

  /** The id of an entry with c's content, c itself appended under a new id if there is none. */
  add(c: T, key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.next++;
      c.id = id;
      this.list.push(c);
      this.ids.set(key, id);
    }
    return id;
  }
}

const mappingKey = (m: Mapping): string => [m.memoryStart, m.memoryLimit, m.fileOffset, m.filename, m.buildId, m.hasFunctions, m.hasFilenames, m.hasLineNumbers, m.hasInlineFrames].join(',');
const functionKey = (f: PprofFunction): string => `${f.name},${f.systemName},${f.filename},${f.startLine}`;
const same = (id: number): number => id;
function locationKey(l: Location, fn: (id: number) => number = same, mapping: (id: number) => number = same): string {
  let k = `${mapping(Number(l.mappingId))},${l.address},${l.isFolded ? 1 : 0}`;
  for (const ln of l.line) k += `;${fn(Number(ln.functionId))}:${ln.line}:${ln.column}`;
  return k;
}

function sampleKey(locationId: readonly Numeric[], labels: readonly Label[]): string {
  const k = locationId.join(',');
  if (labels.length === 0) return k;
  const ls = labels.map((l) => `${l.key}=${l.str}/${l.num}/${l.numUnit}`);
  if (ls.length > 1) ls.sort();
  return `${k}|${ls.join(',')}`;
}

/** wasmprof's wall and cpu profiles of one period (either may be missing) as dd-trace's one
 *  wall profile. The inputs are consumed: the result reuses the first one's tables. Throws when
 *  an input lacks the sample type it is named after. */
export function combineWallCpu(wall: Profile | undefined, cpu: Profile | undefined, thread: Readonly<Record<string, string>>): Profile {
  const base = wall ?? cpu;
  if (!base) throw new Error('nothing to combine');
  const inputs: Array<{ p: Profile; count: number; wall: number; cpu: number }> = [];
  if (wall) {
    const count = valueIndex(wall, 'samples/count', 'sample/count'), w = valueIndex(wall, 'wall/nanoseconds');
    if (count < 0 || w < 0) throw new Error('the wall profile has no samples/count and wall/nanoseconds');
    inputs.push({ p: wall, count, wall: w, cpu: valueIndex(wall, 'cpu/nanoseconds') });
  }
  if (cpu) {
    const c = valueIndex(cpu, 'cpu/nanoseconds');
    if (c < 0) throw new Error('the cpu profile has no cpu/nanoseconds');
    inputs.push({ p: cpu, count: -1, wall: -1, cpu: c });
  }
  const t = new Tables(base);
  const str = (x: string): number => t.strings.dedup(x);
  const sampleType = [['sample', 'count'], ['wall', 'nanoseconds'], ['cpu', 'nanoseconds']].map(([ty, u]) => new ValueType({ type: str(ty), unit: str(u) }));
  const threadOut = Object.entries(thread).map(([k, v]) => new Label({ key: str(k), str: str(v) }));
  const samples: Sample[] = [];
  // Only needed to find a sample's partner in the second input.
  const index = inputs.length > 1 ? new Map<string, Sample>() : undefined;
  const comments: number[] = [...base.comment.map(Number)];
  for (const [n, input] of inputs.entries()) {
    const { p } = input;
    const mapped = p === base ? undefined : t.adopt(p);
    const v = (smp: Sample, i: number): number => (i < 0 ? 0 : Number(smp.value[i] ?? 0));
    for (const smp of p.sample) {
      const locationId = smp.locationId.map((id) => (mapped ? mapped.loc.get(Number(id)) : t.canonical.get(Number(id))) ?? 0);
      const label = mapped ? smp.label.map((l) => new Label({ key: mapped.s(l.key), str: mapped.s(l.str), num: l.num, numUnit: mapped.s(l.numUnit) })) : smp.label;
      const value = [v(smp, input.count), v(smp, input.wall), v(smp, input.cpu)];
      const key = index ? sampleKey(locationId, label) : '';
      const partner = n > 0 ? index!.get(key) : undefined;
      if (partner) {
        partner.value = partner.value.map((x, i) => Number(x) + value[i]);
        continue;
      }
      const out = mapped ? new Sample({ locationId, label, value }) : smp;
      out.locationId = locationId;
      out.value = value;
      samples.push(out);
      if (index && n === 0) index.set(key, out);
    }
    if (mapped) for (const c of p.comment) { const id = mapped.s(c); if (!comments.includes(id)) comments.push(id); }
  }
  // Thread labels go on after the merge, so that they play no part in matching partners.
  const span = spanLabels(t.strings);
  for (const smp of samples) { span?.(smp); addLabels(smp, threadOut); }
  // Both cover the same period; the base's clock fields are kept as they came (a timeNanos of
  // ~1.7e18 does not survive a trip through a double).
  return new Profile({
    sampleType, sample: samples, mapping: t.mappings.list, location: t.locations.list, function: t.functions.list, stringTable: t.strings,
    dropFrames: base.dropFrames, keepFrames: base.keepFrames,
    timeNanos: base.timeNanos, durationNanos: base.durationNanos,
    periodType: sampleType[1], period: base.period, comment: comments,
    defaultSampleType: str(wall ? 'wall' : 'cpu'),
  });
}
