// Reads a recorded request the way Grafana Pyroscope's /ingest handler does, so that tests check
// what the server would make of it rather than the bytes we meant to send. Written from the
// server's source (grafana/pyroscope): pkg/ingester/pyroscope/ingest_handler.go (query
// parameters; `format` picks the decoder before the Content-Type does), api/model/labelset
// (the `name` syntax and its character rules), pkg/og/convert/pprof/profile.go (raw body vs form
// fields profile / prev_profile / sample_type_config; the metric name from the sample types),
// pkg/og/storage/tree/pprof.go (the default sample type mapping) and pkg/phlaredb/labels
// (one series per sample type, `<name>:<type>:<unit>:<period type>:<period unit>`).
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { parseMultipart } from './multipart.js';
import type { Recorded } from './server.js';

export interface Ingested {
  serviceName: string;
  /** The tags of `name`, as labels. */
  labels: Record<string, string>;
  /** How the body was read: raw pprof (format=pprof) or a multipart form. */
  body: 'raw' | 'multipart';
  spyName: string;
  /** As the server reads it: an integer ≥ 0, otherwise (or when absent) 100. */
  sampleRate: number;
  from: string | undefined;
  until: string | undefined;
  /** The profile bytes as received (gzipped when the client gzipped them). */
  pprof: Buffer;
  profile: Profile;
  sampleTypeConfig: Record<string, { 'display-name'?: string }> | undefined;
  /** The series' __name__. */
  metricName: string;
  /** __profile_type__ of each series the profile becomes, in sample type order. */
  series: string[];
}

/** The server would not take the request as a pprof profile; `status` is what it would answer. */
export class IngestRefused extends Error {
  override name = 'IngestRefused';
  constructor(readonly status: number, message: string) { super(message); }
}

// Only display names matter for naming; the other fields are for the retired v0 storage.
const DEFAULT_DISPLAY_NAMES: Record<string, string> = { samples: 'cpu', goroutine: 'goroutines', contentions: 'mutex_count', delay: 'mutex_duration' };

const LABEL_RUNE = /^[A-Za-z0-9_.]$/;
const SERVICE_RUNE = /^[A-Za-z0-9_.\-/]$/;

function parseName(name: string): { serviceName: string; labels: Record<string, string> } {
  let state: 'name' | 'key' | 'value' | 'done' = 'name';
  let key = '';
  let value = '';
  let serviceName = '';
  const labels: Record<string, string> = {};
  for (const r of name + '{') {
    if (state === 'name') {
      if (r !== '{') { value += r; continue; }
      serviceName = value.trim();
      if (!serviceName || ![...serviceName].every((c) => SERVICE_RUNE.test(c))) throw new IngestRefused(400, `name: invalid service name ${JSON.stringify(serviceName)}`);
      state = 'key';
    } else if (state === 'key') {
      if (r === '}') state = 'done';
      else if (r === '=') { state = 'value'; value = ''; } else key += r;
    } else if (state === 'value') {
      if (r !== ',' && r !== '}') { value += r; continue; }
      const k = key.trim();
      if (k !== '__name__' && (!k || ![...k].every((c) => LABEL_RUNE.test(c)))) throw new IngestRefused(400, `name: invalid label name ${JSON.stringify(k)}`);
      labels[k] = value.trim();
      key = '';
      state = 'key';
    }
  }
  return { serviceName, labels };
}

function decoderOf(format: string | null, contentType: string): string {
  if (format === 'trie' || contentType === 'binary/octet-stream+trie') return 'trie';
  if (format === 'tree' || contentType === 'binary/octet-stream+tree') return 'tree';
  if (format === 'lines') return 'lines';
  if (format === 'jfr') return 'jfr';
  if (format === 'pprof') return 'pprof-raw';
  if (format === 'speedscope') return 'speedscope';
  if (contentType.includes('multipart/form-data')) return 'pprof-multipart';
  return 'folded';
}

function metricName(p: Profile, displayNames: Record<string, string>): string {
  const str = (i: number | bigint): string => p.stringTable.strings[Number(i)] ?? '';
  if (p.sampleType.some((t) => str(t.type) === 'wall')) return 'wall';
  let st = '';
  for (const t of p.sampleType) {
    st = displayNames[str(t.type)] || str(t.type);
    if (st.includes('cpu')) return 'process_cpu';
    if (st.includes('alloc_') || st.includes('inuse_') || st === 'space' || st === 'objects') return 'memory';
    if (st.includes('mutex_')) return 'mutex';
    if (st.includes('block_')) return 'block';
    if (st.includes('goroutines')) return 'goroutines';
  }
  return st;
}

export function ingestAsPyroscope(rec: Recorded): Ingested {
  const q = rec.url.searchParams;
  const { serviceName, labels } = parseName(q.get('name') ?? '');
  const contentType = String(rec.headers['content-type'] ?? '');
  const decoder = decoderOf(q.get('format'), contentType);
  let pprof: Buffer;
  let sampleTypeConfig: Ingested['sampleTypeConfig'];
  if (decoder === 'pprof-raw') {
    pprof = rec.body;
  } else if (decoder === 'pprof-multipart') {
    const parts = parseMultipart(rec.body, contentType);
    const field = (n: string): Buffer | undefined => parts.find((p) => p.name === n)?.data;
    if (field('prev_profile')) throw new IngestRefused(422, 'prev_profile: unsupported client version');
    pprof = field('profile') ?? Buffer.alloc(0);
    const stc = field('sample_type_config');
    if (stc) sampleTypeConfig = JSON.parse(stc.toString('utf8')) as Ingested['sampleTypeConfig'];
  } else {
    throw new IngestRefused(422, `the body would be decoded as ${decoder}, not pprof`);
  }
  const gz = pprof[0] === 0x1f && pprof[1] === 0x8b;
  let profile: Profile;
  try {
    profile = Profile.decode(new Uint8Array(gz ? gunzipSync(pprof) : pprof));
  } catch (err) {
    throw new IngestRefused(400, `not a pprof profile: ${String(err)}`);
  }
  const displayNames: Record<string, string> = sampleTypeConfig
    ? Object.fromEntries(Object.entries(sampleTypeConfig).map(([k, v]) => [k, v['display-name'] ?? '']))
    : DEFAULT_DISPLAY_NAMES;
  const name = metricName(profile, displayNames);
  const str = (i: number | bigint | undefined): string => (i === undefined ? '' : profile.stringTable.strings[Number(i)] ?? '');
  const period = `${str(profile.periodType?.type)}:${str(profile.periodType?.unit)}`;
  const sr = q.get('sampleRate');
  return {
    serviceName, labels, body: decoder === 'pprof-raw' ? 'raw' : 'multipart',
    spyName: q.get('spyName') || 'unknown',
    sampleRate: sr && /^\d+$/.test(sr) ? Number(sr) : 100,
    from: q.get('from') ?? undefined, until: q.get('until') ?? undefined,
    pprof, profile, sampleTypeConfig, metricName: name,
    series: profile.sampleType.map((t) => `${name}:${str(t.type)}:${str(t.unit)}:${period}`),
  };
}
