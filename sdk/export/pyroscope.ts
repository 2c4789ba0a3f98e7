// Push to Grafana Pyroscope's ingest API (docs/exporters.md has the format and where it was
// checked): one request per profile of a batch,
//   POST {server}/ingest?name=<app>{k=v,…}&from=<unix s>&until=<unix s>&spyName=…&sampleRate=…
//   Content-Type: multipart/form-data; field "profile" = the gzipped pprof
// No `format` parameter: with format=pprof the server reads the body as raw pprof, not as a form.
// Auth: Bearer token or basic auth; X-Scope-OrgID for a multi-tenant server.
import { unixRange } from './batch.js';
import { authHeaders, parseEndpoint, redactorFor, type Credentials } from './endpoint.js';
import { encodeMultipart } from './multipart.js';
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
  /** sampleRate query parameter, Hz. Default 100 (a 10 ms interval). */
  sampleRate?: number;
}

interface Item {
  url: string;
  body?: Uint8Array;
  contentType?: string;
  pprof: Uint8Array;
}

const APP_NAME = /^[A-Za-z0-9_.\-/:]{1,200}$/;

export class PyroscopeExporter extends QueuedExporter<Item> {
  protected readonly sender: Sender<Item>;
  private readonly ingest: string;
  private readonly headers: Record<string, string>;
  private readonly opts: PyroscopeExporterOptions;

  constructor(options: PyroscopeExporterOptions) {
    super();
    this.opts = options;
    const endpoint = parseEndpoint(options.serverUrl, { authToken: options.authToken, basicAuth: options.basicAuth }, 'Pyroscope server URL');
    if (typeof options.appName !== 'string' || !APP_NAME.test(options.appName)) {
      throw new Error(`Pyroscope application name ${JSON.stringify(options.appName)} must be 1-200 characters of letters, digits and _ . - / :`);
    }
    for (const [k, v] of Object.entries(options.tags ?? {})) {
      const p = tagProblem(k, v);
      if (p) throw new Error(`Pyroscope tags: ${p}`);
    }
    const sampleRate = options.sampleRate ?? 100;
    if (!Number.isSafeInteger(sampleRate) || sampleRate < 1) throw new Error(`Pyroscope sampleRate must be a positive integer (Hz), got ${sampleRate}`);
    this.ingest = `${endpoint.base}/ingest`;
    this.headers = { 'user-agent': `wasmprof/${WASMPROF_VERSION}`, ...authHeaders(endpoint.credentials) };
    if (options.tenantId) this.headers['x-scope-orgid'] = options.tenantId;
    const transport = options.transport ?? fetchTransport;
    const redactor = redactorFor(endpoint.credentials);
    const sending = resolveSending(options);
    const request = (item: Item): PreparedRequest => {
      if (!item.body) {
        const mp = encodeMultipart([{ name: 'profile', filename: 'profile.pprof', contentType: 'application/octet-stream', data: item.pprof }]);
        item.body = mp.body;
        item.contentType = mp.contentType;
      }
      return { url: item.url, headers: { ...this.headers, 'content-type': item.contentType! }, body: item.body! };
    };
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

  /** The ingest URL for one batch (exposed for tests and docs). */
  ingestUrl(batch: ProfileBatch): string {
    const { tags, skipped } = mergeTags(this.opts.tags ?? {}, batch.labels);
    if (skipped.length) this.sender.reportOnce(`labels:${skipped.join(',')}`, `batch labels ${skipped.join(', ')} are not valid Pyroscope tags; sent without them`);
    const pairs = Object.entries(tags).map(([k, v]) => `${k}=${v}`);
    const name = pairs.length ? `${this.opts.appName}{${pairs.join(',')}}` : this.opts.appName;
    const { from, until } = unixRange(batch);
    const q = new URLSearchParams({ name, from: String(from), until: String(until), spyName: this.opts.spyName ?? 'nodespy', sampleRate: String(this.opts.sampleRate ?? 100) });
    return `${this.ingest}?${q.toString()}`;
  }

  protected enqueueBatch(batch: ProfileBatch): void {
    const url = this.ingestUrl(batch);
    this.sender.countAccepted();
    for (const p of batch.profiles) this.sender.enqueue({ url, pprof: p.pprof }, p.pprof.byteLength, 1);
  }
}
