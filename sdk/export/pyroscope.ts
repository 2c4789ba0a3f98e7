// Push to Grafana Pyroscope's ingest API the way its own Node SDK (@pyroscope/nodejs 0.6.4) does,
// so that a fleet running both lands on the same series (docs/exporters.md compares them field by
// field and says where that was checked). One request per profile of a batch:
//   POST {server}/ingest?name=<app>{k=v,…}&from=<unix s>&until=<unix s>&format=pprof&spyName=nodespy[&sampleRate=<Hz>]
//   Content-Type: application/octet-stream; the body is the gzipped pprof itself
// The server builds each series name from the pprof's sample and period types, which wasmprof's
// builder already names as the Node SDK's profiles arrive (samples/count + wall/nanoseconds;
// inuse_objects/count + inuse_space/bytes), so the bytes go out untouched. A multipart form (no
// `format`, field `profile`) would only be needed to carry a sample_type_config, and the server's
// default mapping names every wasmprof profile type without one. Never both: format=pprof makes
// the server read a form's framing as the profile.
// Auth: Bearer token or basic auth; X-Scope-OrgID for a multi-tenant server.
import { unixRange } from './batch.js';
import { authHeaders, parseEndpoint, redactorFor, type Credentials } from './endpoint.js';
import { resolveSending, type SendingOptions } from './options.js';
import { classifyResponse, Sender, type AttemptResult } from './sender.js';
import { mergeTags, tagProblem } from './tags.js';
import { fetchTransport } from './transport.js';
import { defaultReporter, type ProfileBatch } from './types.js';
import { WASMPROF_VERSION } from './version.js';
import { QueuedExporter } from './queued-exporter.js';
import type { PreparedRequest } from './upload-sync.js';

export interface PyroscopeExporterOptions extends SendingOptions, Credentials {
  /** Pyroscope server (or a Grafana Cloud / proxy base URL): http(s)://host:port[/prefix]. */
  serverUrl: string;
  /** Application name: becomes service_name. */
  appName: string;
  /** Static tags, added to the name as {k=v,…}. */
  tags?: Record<string, string>;
  /** X-Scope-OrgID, for a multi-tenant server. */
  tenantId?: string;
  /** spyName query parameter. Default 'nodespy' (what Pyroscope's own Node SDK sends). */
  spyName?: string;
  /** sampleRate query parameter of wall and cpu profiles, Hz. Default 100 (a 10 ms interval). */
  sampleRate?: number;
}

interface Item {
  url: string;
  pprof: Uint8Array;
}

/** Application names the Pyroscope server's /ingest accepts (it answers 400 to others, ':' included). */
export const PYROSCOPE_APP_NAME = /^[A-Za-z0-9_.\-/]{1,200}$/;

// The Node SDK sends sampleRate with its wall profile only: a rate in Hz means nothing for a heap
// profile (and the server takes a pprof's rates from the pprof, not from this parameter).
const TIMED_TYPES = new Set(['wall', 'cpu']);

export class PyroscopeExporter extends QueuedExporter<Item> {
  protected readonly sender: Sender<Item>;
  private readonly ingest: string;
  private readonly headers: Record<string, string>;
  private readonly opts: PyroscopeExporterOptions;

  constructor(options: PyroscopeExporterOptions) {
    super();
    this.opts = options;
    const endpoint = parseEndpoint(options.serverUrl, { authToken: options.authToken, basicAuth: options.basicAuth }, 'Pyroscope server URL');
    if (typeof options.appName !== 'string' || !PYROSCOPE_APP_NAME.test(options.appName)) {
      throw new Error(`Pyroscope application name ${JSON.stringify(options.appName)} must be 1-200 characters of letters, digits and _ . - / (what the Pyroscope server accepts)`);
    }
    for (const [k, v] of Object.entries(options.tags ?? {})) {
      const p = tagProblem(k, v);
      if (p) throw new Error(`Pyroscope tags: ${p}`);
    }
    const sampleRate = options.sampleRate ?? 100;
    if (!Number.isSafeInteger(sampleRate) || sampleRate < 1) throw new Error(`Pyroscope sampleRate must be a positive integer (Hz), got ${sampleRate}`);
    this.ingest = `${endpoint.base}/ingest`;
    this.headers = {
      'user-agent': `wasmprof/${WASMPROF_VERSION}`,
      'content-type': 'application/octet-stream',
      ...authHeaders(endpoint.credentials),
    };
    if (options.tenantId) this.headers['x-scope-orgid'] = options.tenantId;
    const transport = options.transport ?? fetchTransport;
    const redactor = redactorFor(endpoint.credentials);
    const sending = resolveSending(options);
    const request = (item: Item): PreparedRequest => ({ url: item.url, headers: { ...this.headers }, body: item.pprof });
    this.sender = new Sender<Item>({
      kind: 'pyroscope',
      ...sending,
      redactor,
      report: options.onError ?? defaultReporter,
      random: options.random,
      attempt: async (item, signal): Promise<AttemptResult> => {
        const res = await transport({ ...request(item), method: 'POST', signal });
        return classifyResponse(res, `Pyroscope ${this.ingest}`);
      },
      request,
    });
  }

  /** The ingest URL of one profile type of a batch (exposed for tests and docs). */
  ingestUrl(batch: ProfileBatch, type = 'wall'): string {
    return this.urlFor(this.nameFor(batch), unixRange(batch), type);
  }

  protected enqueueBatch(batch: ProfileBatch): void {
    const name = this.nameFor(batch);
    const range = unixRange(batch);
    this.sender.countAccepted();
    for (const p of batch.profiles) this.sender.enqueue({ url: this.urlFor(name, range, p.type), pprof: p.pprof }, p.pprof.byteLength, 1);
  }

  private nameFor(batch: ProfileBatch): string {
    const { tags, skipped } = mergeTags(this.opts.tags ?? {}, batch.labels);
    if (skipped.length) this.sender.reportOnce(`labels:${skipped.join(',')}`, `batch labels ${skipped.join(', ')} are not valid Pyroscope tags; sent without them`);
    const pairs = Object.entries(tags).map(([k, v]) => `${k}=${v}`);
    return pairs.length ? `${this.opts.appName}{${pairs.join(',')}}` : this.opts.appName;
  }

  private urlFor(name: string, range: { from: number; until: number }, type: string): string {
    const q = new URLSearchParams({ name, from: String(range.from), until: String(range.until), format: 'pprof', spyName: this.opts.spyName ?? 'nodespy' });
    if (TIMED_TYPES.has(type)) q.set('sampleRate', String(this.opts.sampleRate ?? 100));
    return `${this.ingest}?${q.toString()}`;
  }
}
