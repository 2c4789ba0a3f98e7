// Push to the Datadog Agent's profiling endpoint in the form Datadog's own Node profiler
// (dd-trace-js) uses, so the Datadog UI treats the profiles as its own (docs/exporters.md has the
// format, field by field, and where each was checked): one request per batch,
//   POST {agent}/profiling/v1/input      (agent default http://localhost:8126)
//   headers: Datadog-Container-ID / Datadog-Entity-ID (container-id.ts) when detected
//   multipart/form-data:
//     "event"  (filename event.json, application/json): {attachments, start, end, family,
//              version: "4", tags_profiler (… runtime-id, profile_seq), internal, info,
//              custom_attributes}
//     "wall.pprof": wall + cpu as one profile; "space.pprof": heap (datadog-profile.ts);
//     "<type>.pprof" for anything else
// The agent adds the API key, host and container tags; an API key given here is sent as
// DD-API-KEY (for the agentless intake or a proxy).
import { batchBytes } from './batch.js';
import { containerOrigin, originHeaders, originProblem, type ContainerOrigin } from './container-id.js';
import { datadogAttachments, datadogAttachmentsSync, threadLabels, type DatadogAttachments } from './datadog-profile.js';
import { parseEndpoint, redactorFor } from './endpoint.js';
import { encodeMultipart } from './multipart.js';
import { resolveSending, type SendingOptions } from './options.js';
import { classifyResponse, Sender, type AttemptResult } from './sender.js';
import { mergeTags, tagProblem } from './tags.js';
import { fetchTransport } from './transport.js';
import { defaultReporter, type ProfileBatch } from './types.js';
import { WASMPROF_VERSION } from './version.js';
import { QueuedExporter } from './queued-exporter.js';
import type { PreparedRequest } from './upload-sync.js';

export interface DatadogExporterOptions extends SendingOptions {
  /** Agent base URL. Default http://localhost:8126. */
  agentUrl?: string;
  /** Path on the agent. Default /profiling/v1/input. */
  path?: string;
  /** `service` tag. */
  service: string;
  /** `env` and `version` tags (optional). */
  env?: string;
  version?: string;
  /** More tags (k:v in tags_profiler). */
  tags?: Record<string, string>;
  /** Sent as DD-API-KEY when set (agentless intake / proxy); the agent does not need it. */
  apiKey?: string;
  /** The event's `family`. Default 'node' (what Datadog's own Node profiler sends). */
  family?: string;
  /** The container this process runs in, for the agent's origin detection. Default: detected
   *  once from /proc/self/cgroup (Linux under Node; nothing elsewhere). `{}` sends none. */
  origin?: ContainerOrigin;
}

interface Item {
  batch: ProfileBatch;
  tags: string;
  body?: Uint8Array;
  contentType?: string;
}

// dd-trace-js's runtime-id: a random UUID per process (per module instance, so per worker
// thread too), the same in every upload, so the backend can tell restarts and replicas apart.
let runtimeIdValue: string | undefined;
const runtimeId = (): string => (runtimeIdValue ??= globalThis.crypto.randomUUID());

interface RuntimeInfo { engine: string; version: string; pid: number | undefined; arch: string | undefined; platform: string | undefined }

function runtimeInfo(): RuntimeInfo {
  const g = globalThis as { Deno?: { version?: { deno?: string } }; process?: { version?: string; pid?: number; arch?: string; platform?: string } };
  const p = g.process;
  if (g.Deno?.version?.deno) return { engine: 'deno', version: g.Deno.version.deno, pid: p?.pid, arch: p?.arch, platform: p?.platform };
  return { engine: 'nodejs', version: p?.version ?? 'unknown', pid: p?.pid, arch: p?.arch, platform: p?.platform };
}

/** When this process (or worker) started: performance.timeOrigin, in every runtime. */
function processStart(): string | undefined {
  const origin = globalThis.performance?.timeOrigin;
  return typeof origin === 'number' && origin > 0 ? new Date(origin).toISOString() : undefined;
}

const DD_VALUE_FORBIDDEN = /[,\s]/;

export class DatadogExporter extends QueuedExporter<Item> {
  protected readonly sender: Sender<Item>;
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly staticTags: Record<string, string>;
  private readonly baseTagString: string;
  private readonly opts: DatadogExporterOptions;
  private readonly runtime = runtimeInfo();
  private readonly thread = threadLabels();
  private seq = 0;

  constructor(options: DatadogExporterOptions) {
    super();
    this.opts = options;
    const endpoint = parseEndpoint(options.agentUrl ?? 'http://localhost:8126', {}, 'Datadog agent URL');
    if (endpoint.credentials.basicAuth) throw new Error('Datadog agent URL must not contain user:password (the agent takes no credentials; use apiKey for DD-API-KEY)');
    const path = options.path ?? '/profiling/v1/input';
    if (!path.startsWith('/')) throw new Error(`Datadog path must start with '/' (got ${JSON.stringify(path)})`);
    for (const [name, v] of [['service', options.service], ['env', options.env], ['version', options.version]] as const) {
      if (name === 'service' && (typeof v !== 'string' || v === '')) throw new Error('Datadog service name is required');
      if (v !== undefined && (v === '' || DD_VALUE_FORBIDDEN.test(v) || v.length > 200)) throw new Error(`Datadog ${name} ${JSON.stringify(v)} must be 1-200 characters without commas or spaces`);
    }
    for (const [k, v] of Object.entries(options.tags ?? {})) {
      const p = tagProblem(k, v);
      if (p) throw new Error(`Datadog tags: ${p}`);
    }
    const originIssue = options.origin && originProblem(options.origin);
    if (originIssue) throw new Error(`Datadog ${originIssue}`);
    this.url = endpoint.base + path;
    this.headers = {
      'user-agent': `wasmprof/${WASMPROF_VERSION}`, 'dd-evp-origin': 'wasmprof', 'dd-evp-origin-version': WASMPROF_VERSION,
      ...originHeaders(options.origin ?? containerOrigin()),
    };
    if (options.apiKey) this.headers['dd-api-key'] = options.apiKey;
    this.staticTags = { ...(options.tags ?? {}) };
    const rt = this.runtime;
    const base: Array<[string, string | number | undefined]> = [
      ['service', options.service], ['env', options.env], ['version', options.version],
      ['language', 'javascript'], ['runtime', rt.engine], ['runtime_version', rt.version],
      ['runtime_arch', rt.arch], ['runtime_os', rt.platform], ['process_id', rt.pid],
      ['profiler', 'wasmprof'], ['profiler_version', WASMPROF_VERSION], ['format', 'pprof'],
      ['runtime-id', runtimeId()],
    ];
    this.baseTagString = base.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}:${v}`).join(',');
    const transport = options.transport ?? fetchTransport;
    // The body is built once, before the first attempt, and reused by retries. attempt() builds
    // it with gzip on the thread pool and encoding in slices; only closeSync() at process exit,
    // where nothing can be awaited, builds it in one blocking go (request).
    const request = (item: Item): PreparedRequest => {
      if (!item.body) this.setBody(item, datadogAttachmentsSync(item.batch.profiles, this.thread));
      return { url: this.url, headers: { ...this.headers, 'content-type': item.contentType! }, body: item.body! };
    };
    this.sender = new Sender<Item>({
      kind: 'datadog',
      ...resolveSending(options),
      redactor: redactorFor({}, [options.apiKey]),
      report: options.onError ?? defaultReporter,
      random: options.random,
      attempt: async (item, signal): Promise<AttemptResult> => {
        if (!item.body) this.setBody(item, await datadogAttachments(item.batch.profiles, this.thread));
        const res = await transport({ ...request(item), method: 'POST', signal });
        return classifyResponse(res, `Datadog agent ${this.url}`);
      },
      request,
    });
  }

  private setBody(item: Item, prepared: DatadogAttachments): void {
    const event = this.event(item, prepared.attachments.map((a) => a.name), prepared.customAttributes);
    const mp = encodeMultipart([
      { name: 'event', filename: 'event.json', contentType: 'application/json', data: JSON.stringify(event) },
      ...prepared.attachments.map((a) => ({ name: a.name, filename: a.name, contentType: 'application/octet-stream', data: a.data })),
    ]);
    item.body = mp.body;
    item.contentType = mp.contentType;
  }

  /** The event.json object of one batch, given its attachments' names (exposed for tests and docs). */
  event(item: { batch: ProfileBatch; tags: string }, attachments: readonly string[], customAttributes: readonly string[] = []): Record<string, unknown> {
    const rt = this.runtime;
    const event: Record<string, unknown> = {
      attachments: [...attachments],
      start: item.batch.start.toISOString(),
      end: item.batch.end.toISOString(),
      family: this.opts.family ?? 'node',
      version: '4',
      tags_profiler: item.tags,
      internal: { wasmprof_version: WASMPROF_VERSION },
      info: {
        application: { service: this.opts.service, env: this.opts.env, version: this.opts.version, start_time: processStart() },
        runtime: { engine: rt.engine, version: rt.version.replace(/^v/, '') },
        profiler: { name: 'wasmprof', version: WASMPROF_VERSION },
      },
    };
    // dd-trace-js names the keys of runWithLabels() labels here; the UI offers them as filters.
    if (customAttributes.length > 0) event.custom_attributes = [...customAttributes];
    return event;
  }

  /** tags_profiler for a batch: fixed tags (runtime-id included), static tags, the batch's
   *  labels, then profile_seq (the batch's seq; counted from 0 here when it has none). */
  tagString(batch: ProfileBatch): string {
    const { tags, skipped } = mergeTags(this.staticTags, batch.labels);
    if (skipped.length) this.sender.reportOnce(`labels:${skipped.join(',')}`, `batch labels ${skipped.join(', ')} are not valid tags; sent without them`);
    delete tags.profile_seq; // the exporter's own: a label of that name would make two
    const seq = batch.seq ?? this.seq;
    this.seq = seq + 1;
    const extra = Object.entries(tags).map(([k, v]) => `${k}:${v}`);
    extra.push(`profile_seq:${seq}`);
    return `${this.baseTagString},${extra.join(',')}`;
  }

  protected enqueueBatch(batch: ProfileBatch): void {
    this.sender.countAccepted();
    this.sender.enqueue({ batch, tags: this.tagString(batch) }, batchBytes(batch), batch.profiles.length);
  }
}
