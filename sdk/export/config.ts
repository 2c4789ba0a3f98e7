// Exporter configuration from options and WASMPROF_* environment variables, validated up front
// with errors that name the variable (or option) and the accepted values, and the factory the
// profiler calls from register()/start(): createExporterFromEnv(env, overrides).
// Precedence: an override given in code wins over the environment, which wins over the default.
// Secret values (tokens, passwords, API keys) are never echoed in an error. Values are read and
// parsed through sdk/config/ (one unit table for bytes and durations everywhere); the messages
// keep this module's wording: `WASMPROF_TRANSPORT="tcp" is not valid: accepted values are …`.
import {
  ConfigError, envSetting, parseBytes, parseChoice, parseDuration, parseInteger, parseUrl, processEnv, showValue,
  type ConfigProblem, type ConfigSubject, type Env,
} from '../config/index.js';
import { DatadogExporter } from './datadog.js';
import { FileExporter } from './file.js';
import { DEFAULT_BACKOFF, DEFAULT_QUEUE, DEFAULT_TIMEOUT_MS } from './options.js';
import { PyroscopeExporter, PYROSCOPE_APP_NAME } from './pyroscope.js';
import { parseTags, tagProblem } from './tags.js';
import { nodeTransport } from './transport-node.js';
import { fetchTransport, type Transport } from './transport.js';
import type { ErrorReporter, Exporter } from './types.js';

export type ExporterKind = 'file' | 'pyroscope' | 'datadog';
export const EXPORTER_KINDS: readonly ExporterKind[] = ['file', 'pyroscope', 'datadog'];

/** Everything createExporterFromEnv reads; each field overrides its environment variable. */
export interface ExporterOverrides {
  /** WASMPROF_EXPORTER: 'file' | 'pyroscope' | 'datadog' | 'none'. */
  exporter?: ExporterKind | 'none';
  /** WASMPROF_SERVER_URL: Pyroscope server (required) or Datadog agent (default http://localhost:8126). */
  serverUrl?: string;
  /** WASMPROF_APP_NAME (then WASMPROF_SERVICE; for Datadog also DD_SERVICE). */
  appName?: string;
  /** WASMPROF_TAGS=k=v,k=v */
  tags?: Record<string, string>;
  /** WASMPROF_AUTH_TOKEN: Pyroscope bearer token; for Datadog sent as DD-API-KEY. */
  authToken?: string;
  /** WASMPROF_BASIC_AUTH_USER / WASMPROF_BASIC_AUTH_PASSWORD (Pyroscope). */
  basicAuthUser?: string;
  basicAuthPassword?: string;
  /** WASMPROF_TENANT_ID: X-Scope-OrgID (Pyroscope). */
  tenantId?: string;
  /** WASMPROF_QUEUE_MAX_ITEMS (default 64) / WASMPROF_QUEUE_MAX_BYTES (default 32MiB). */
  queueMaxItems?: number;
  queueMaxBytes?: number;
  /** WASMPROF_EXPORT_TIMEOUT: per-request timeout (default 15s). */
  timeoutMs?: number;
  /** WASMPROF_RETRY_INITIAL_BACKOFF (default 1s) / WASMPROF_RETRY_MAX_BACKOFF (default 60s). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** WASMPROF_OUTPUT_DIR: directory of the file exporter. */
  outputDir?: string;
  /** WASMPROF_FILE_MAX_FILES (default 500) / WASMPROF_FILE_MAX_BYTES (default 512MiB); 0 = no limit. */
  maxFiles?: number;
  maxBytes?: number;
  /** WASMPROF_ENV (then DD_ENV) and WASMPROF_VERSION (then DD_VERSION): Datadog env/version tags. */
  env?: string;
  version?: string;
  /** Pyroscope sampleRate in Hz (the profiler passes 1e6 / interval µs). Default 100. */
  sampleRate?: number;
  /** WASMPROF_TRANSPORT: 'auto' (node:http with unref'd sockets under Node, fetch elsewhere) | 'fetch' | 'node'. */
  transport?: 'auto' | 'fetch' | 'node' | Transport;
  /** Where problems are reported. Default stderr. */
  onError?: ErrorReporter;
}

/** A configuration problem: names the variable (or option) and what it accepts. A ConfigError
 *  (and so a RangeError) like every configuration error; `variable` is the variable, or
 *  `option name (VARIABLE)` when the value came from code. */
export class ExporterConfigError extends ConfigError {
  override readonly name = 'ExporterConfigError';
  override readonly variable: string;
  constructor(variable: string, message: string, problem?: ConfigProblem) {
    super(problem ?? { variable }, message);
    this.variable = variable;
  }
}

const show = showValue;

/** This module's wording of a parser's problem: `FROM="value" is not valid: expected …`. */
function exporterMessage(from: string, p: ConfigProblem): string {
  return `${from}${p.hidden ? '' : `=${showValue(p.value)}`} is ${p.outOfRange ? 'out of range' : 'not valid'}: ${p.reason ?? `expected ${p.expected ?? 'a valid value'}`}`;
}

interface Source<T> { value: T; from: string; option?: string; variable?: string }

class Reader {
  constructor(private readonly env: Env, private readonly o: ExporterOverrides) {}

  /** The override (named "option (VAR)") or the first set variable. */
  raw<K extends keyof ExporterOverrides>(key: K, vars: readonly string[]): Source<ExporterOverrides[K] | string> | undefined {
    if (this.o[key] !== undefined) return { value: this.o[key], from: `option ${String(key)} (${vars[0]})`, option: String(key) };
    for (const v of vars) {
      const s = envSetting(this.env, v);
      if (s !== undefined) return { value: s, from: v, variable: v };
    }
    return undefined;
  }

  /** Who a value belongs to, for the shared parsers: their errors come out as ExporterConfigError. */
  subject(r: Source<unknown>, message: (p: ConfigProblem) => string = (p) => exporterMessage(r.from, p)): ConfigSubject {
    return { option: r.option, variable: r.variable, error: (p) => new ExporterConfigError(r.from, message(p), p) };
  }

  string(key: keyof ExporterOverrides, vars: readonly string[], opts: { secret?: boolean } = {}): Source<string> | undefined {
    const r = this.raw(key, vars);
    if (!r) return undefined;
    if (typeof r.value !== 'string' || r.value === '') throw new ExporterConfigError(r.from, `${r.from} must be a non-empty string`);
    if (/[\u0000-\u001f\u007f]/.test(r.value)) throw new ExporterConfigError(r.from, `${r.from} must not contain control characters${opts.secret ? '' : ` (got ${show(r.value)})`}`);
    if (opts.secret && /\s/.test(r.value)) throw new ExporterConfigError(r.from, `${r.from} must not contain whitespace (value not shown: it is a secret)`);
    return { value: r.value, from: r.from, option: r.option, variable: r.variable };
  }

  /** A count, or a rate in Hz. */
  integer(key: keyof ExporterOverrides, vars: readonly string[], min: number, max: number, def: number): number {
    const r = this.raw(key, vars);
    return r ? parseInteger(this.subject(r), r.value, { min, max }) : def;
  }

  bytes(key: keyof ExporterOverrides, vars: readonly string[], min: number, max: number, def: number): number {
    const r = this.raw(key, vars);
    return r ? parseBytes(this.subject(r), r.value, { min, max }) : def;
  }

  /** Milliseconds: a whole number of them from code, a duration with an optional unit from the environment. */
  durationMs(key: keyof ExporterOverrides, vars: readonly string[], min: number, max: number, def: number): number {
    const r = this.raw(key, vars);
    if (!r) return def;
    const expected = `a duration in milliseconds or with a unit (500ms, 15s, 2m) from ${min} ms to ${max} ms (units us, ms, s, m, h)`;
    if (typeof r.value === 'number') return parseInteger(this.subject(r), r.value, { min, max, expected });
    return parseDuration(this.subject(r), r.value, { min, max, unit: 'ms', bare: 'ms', expected });
  }

  /** One of `values`, any letter case; the message lists them as this module always has. */
  choice<T extends string>(r: Source<unknown>, values: readonly T[], note = ''): T {
    const message = (p: ConfigProblem): string => `${r.from}=${show(p.value)} is not valid: accepted values are ${values.join(', ')}${note}`;
    return parseChoice(this.subject(r, message), r.value, { values, ignoreCase: true });
  }
}

/** The resolved configuration (no secrets are printed by anything that formats it). */
export type ExporterConfig =
  | { kind: 'file'; dir: string; maxFiles: number; maxBytes: number; queueMaxItems: number; queueMaxBytes: number; onError?: ErrorReporter }
  | { kind: 'pyroscope'; serverUrl: string; appName: string; tags: Record<string, string>; authToken?: string; basicAuth?: { user: string; password: string }; tenantId?: string; sampleRate: number; sending: SendingConfig; onError?: ErrorReporter }
  | { kind: 'datadog'; agentUrl: string; service: string; env?: string; version?: string; tags: Record<string, string>; apiKey?: string; sending: SendingConfig; onError?: ErrorReporter };

export interface SendingConfig { queueMaxItems: number; queueMaxBytes: number; timeoutMs: number; retryInitialMs: number; retryMaxMs: number; transport: Transport }

function isNode(): boolean {
  const g = globalThis as { Deno?: unknown; process?: { versions?: { node?: string } } };
  return g.Deno === undefined && typeof g.process?.versions?.node === 'string';
}

/** Reads and validates; undefined when no exporter is configured (WASMPROF_EXPORTER unset or 'none'). */
export function resolveExporterConfig(env: Env = {}, overrides: ExporterOverrides = {}): ExporterConfig | undefined {
  const r = new Reader(env, overrides);
  const kindSrc = r.raw('exporter', ['WASMPROF_EXPORTER']);
  if (!kindSrc || (typeof kindSrc.value === 'string' && kindSrc.value.toLowerCase() === 'none')) return undefined;
  const kind = r.choice(kindSrc, EXPORTER_KINDS, ' (or none / unset for no exporter)');

  const queueMaxItems = r.integer('queueMaxItems', ['WASMPROF_QUEUE_MAX_ITEMS'], 1, 100_000, DEFAULT_QUEUE.maxItems);
  const queueMaxBytes = r.bytes('queueMaxBytes', ['WASMPROF_QUEUE_MAX_BYTES'], 1024, 4 * 1024 ** 3, DEFAULT_QUEUE.maxBytes);

  if (kind === 'file') {
    const dir = r.string('outputDir', ['WASMPROF_OUTPUT_DIR']);
    if (!dir) throw new ExporterConfigError('WASMPROF_OUTPUT_DIR', 'WASMPROF_EXPORTER=file needs a directory: set WASMPROF_OUTPUT_DIR (or the outputDir option)');
    return {
      kind: 'file', dir: dir.value,
      maxFiles: r.integer('maxFiles', ['WASMPROF_FILE_MAX_FILES'], 0, 10_000_000, 500),
      maxBytes: r.bytes('maxBytes', ['WASMPROF_FILE_MAX_BYTES'], 0, 2 ** 50, 512 * 1024 ** 2),
      queueMaxItems, queueMaxBytes, onError: overrides.onError,
    };
  }

  const timeoutMs = r.durationMs('timeoutMs', ['WASMPROF_EXPORT_TIMEOUT'], 100, 600_000, DEFAULT_TIMEOUT_MS);
  const retryInitialMs = r.durationMs('retryInitialMs', ['WASMPROF_RETRY_INITIAL_BACKOFF'], 1, 600_000, DEFAULT_BACKOFF.initialMs);
  const retryMaxMs = r.durationMs('retryMaxMs', ['WASMPROF_RETRY_MAX_BACKOFF'], 1, 3_600_000, Math.max(DEFAULT_BACKOFF.maxMs, retryInitialMs));
  if (retryMaxMs < retryInitialMs) throw new ExporterConfigError('WASMPROF_RETRY_MAX_BACKOFF', `WASMPROF_RETRY_MAX_BACKOFF (${retryMaxMs} ms) must be at least WASMPROF_RETRY_INITIAL_BACKOFF (${retryInitialMs} ms)`);
  const tr = r.raw('transport', ['WASMPROF_TRANSPORT']);
  let transport: Transport;
  const choice = !tr ? 'auto' : typeof tr.value === 'function' ? undefined : r.choice(tr, ['auto', 'fetch', 'node'] as const);
  if (typeof tr?.value === 'function') transport = tr.value;
  else if (choice === 'fetch') transport = fetchTransport;
  else if (choice === 'node') transport = nodeTransport;
  else transport = isNode() ? nodeTransport : fetchTransport;
  const sending: SendingConfig = { queueMaxItems, queueMaxBytes, timeoutMs, retryInitialMs, retryMaxMs, transport };

  let tags: Record<string, string> = {};
  const tagSrc = r.raw('tags', ['WASMPROF_TAGS']);
  if (tagSrc) {
    if (typeof tagSrc.value === 'string') {
      try { tags = parseTags(tagSrc.value); } catch (err) {
        throw new ExporterConfigError(tagSrc.from, `${tagSrc.from}=${show(tagSrc.value)} is not valid: ${(err as Error).message}; expected key=value pairs separated by commas (keys: letters, digits, _ and .; values without spaces or , { } = ")`);
      }
    } else if (typeof tagSrc.value === 'object' && tagSrc.value !== null) {
      for (const [k, v] of Object.entries(tagSrc.value)) {
        const p = typeof v === 'string' ? tagProblem(k, v) : `tag ${k} is not a string`;
        if (p) throw new ExporterConfigError(tagSrc.from, `${tagSrc.from}: ${p}`);
      }
      tags = { ...tagSrc.value };
    } else throw new ExporterConfigError(tagSrc.from, `${tagSrc.from} must be an object of string tags`);
  }

  const serverUrl = r.string('serverUrl', ['WASMPROF_SERVER_URL']);
  if (serverUrl) parseUrl(r.subject(serverUrl), serverUrl.value, { protocols: ['http:', 'https:'], example: 'http://localhost:4040' });
  const authToken = r.string('authToken', ['WASMPROF_AUTH_TOKEN'], { secret: true });

  if (kind === 'pyroscope') {
    if (!serverUrl) throw new ExporterConfigError('WASMPROF_SERVER_URL', 'WASMPROF_EXPORTER=pyroscope needs WASMPROF_SERVER_URL (the Pyroscope server, e.g. http://localhost:4040)');
    const app = r.string('appName', ['WASMPROF_APP_NAME', 'WASMPROF_SERVICE']);
    if (!app) throw new ExporterConfigError('WASMPROF_APP_NAME', 'WASMPROF_EXPORTER=pyroscope needs an application name: set WASMPROF_APP_NAME (or WASMPROF_SERVICE)');
    if (!PYROSCOPE_APP_NAME.test(app.value)) throw new ExporterConfigError(app.from, `${app.from}=${show(app.value)} is not valid: 1-200 characters of letters, digits and _ . - / (what the Pyroscope server accepts)`);
    const user = r.string('basicAuthUser', ['WASMPROF_BASIC_AUTH_USER']);
    const password = r.string('basicAuthPassword', ['WASMPROF_BASIC_AUTH_PASSWORD'], { secret: true });
    if ((user === undefined) !== (password === undefined)) {
      const missing = user ? 'WASMPROF_BASIC_AUTH_PASSWORD' : 'WASMPROF_BASIC_AUTH_USER';
      throw new ExporterConfigError(missing, `basic auth needs both WASMPROF_BASIC_AUTH_USER and WASMPROF_BASIC_AUTH_PASSWORD; ${missing} is missing`);
    }
    if (user && authToken) throw new ExporterConfigError('WASMPROF_AUTH_TOKEN', 'give either WASMPROF_AUTH_TOKEN (bearer) or WASMPROF_BASIC_AUTH_USER/PASSWORD, not both');
    const serverHasCreds = serverUrl && (() => { const u = new URL(serverUrl.value); return u.username !== '' || u.password !== ''; })();
    if (serverHasCreds && (user || authToken)) throw new ExporterConfigError(serverUrl.from, `${serverUrl.from} contains user:password and separate credentials are set too; use one`);
    const tenant = r.string('tenantId', ['WASMPROF_TENANT_ID']);
    if (tenant && !/^[A-Za-z0-9!\-_.*'()|]{1,150}$/.test(tenant.value)) throw new ExporterConfigError(tenant.from, `${tenant.from}=${show(tenant.value)} is not valid: a tenant id is 1-150 characters of letters, digits and ! - _ . * ' ( ) |`);
    const sampleRate = r.integer('sampleRate', ['WASMPROF_SAMPLE_RATE'], 1, 1_000_000, 100);
    return {
      kind: 'pyroscope', serverUrl: serverUrl.value, appName: app.value, tags,
      authToken: authToken?.value, basicAuth: user && password ? { user: user.value, password: password.value } : undefined,
      tenantId: tenant?.value, sampleRate, sending, onError: overrides.onError,
    };
  }

  // datadog
  const service = r.string('appName', ['WASMPROF_APP_NAME', 'WASMPROF_SERVICE', 'DD_SERVICE']);
  if (!service) throw new ExporterConfigError('WASMPROF_APP_NAME', 'WASMPROF_EXPORTER=datadog needs a service name: set WASMPROF_APP_NAME (or WASMPROF_SERVICE / DD_SERVICE)');
  const ddValue = (s: Source<string> | undefined): string | undefined => {
    if (s && (/[,\s]/.test(s.value) || s.value.length > 200)) throw new ExporterConfigError(s.from, `${s.from}=${show(s.value)} is not valid: 1-200 characters without commas or spaces`);
    return s?.value;
  };
  ddValue(service);
  const envName = ddValue(r.string('env', ['WASMPROF_ENV', 'DD_ENV']));
  const version = ddValue(r.string('version', ['WASMPROF_VERSION', 'DD_VERSION']));
  if (serverUrl && (() => { const u = new URL(serverUrl.value); return u.username !== '' || u.password !== ''; })()) {
    throw new ExporterConfigError(serverUrl.from, `${serverUrl.from} must not contain user:password for the Datadog agent (it takes none; WASMPROF_AUTH_TOKEN is sent as DD-API-KEY)`);
  }
  return {
    kind: 'datadog', agentUrl: serverUrl?.value ?? 'http://localhost:8126', service: service.value, env: envName, version, tags,
    apiKey: authToken?.value, sending, onError: overrides.onError,
  };
}

/** Builds the exporter a resolved configuration describes. */
export function createExporter(config: ExporterConfig): Exporter {
  if (config.kind === 'file') {
    return new FileExporter({ dir: config.dir, maxFiles: config.maxFiles, maxBytes: config.maxBytes, queue: { maxItems: config.queueMaxItems, maxBytes: config.queueMaxBytes }, onError: config.onError });
  }
  const s = config.sending;
  const sending = { queue: { maxItems: s.queueMaxItems, maxBytes: s.queueMaxBytes }, timeoutMs: s.timeoutMs, backoff: { initialMs: s.retryInitialMs, maxMs: s.retryMaxMs }, transport: s.transport, onError: config.onError };
  if (config.kind === 'pyroscope') {
    return new PyroscopeExporter({ ...sending, serverUrl: config.serverUrl, appName: config.appName, tags: config.tags, authToken: config.authToken, basicAuth: config.basicAuth, tenantId: config.tenantId, sampleRate: config.sampleRate });
  }
  return new DatadogExporter({ ...sending, agentUrl: config.agentUrl, service: config.service, env: config.env, version: config.version, tags: config.tags, apiKey: config.apiKey });
}

/** The profiler's entry point: the exporter WASMPROF_* (and the overrides) ask for, or undefined
 *  when none is configured. Throws ExporterConfigError on any invalid value — call it at start,
 *  where failing is right; after that the exporter never throws. */
export function createExporterFromEnv(env: Env = processEnv(), overrides: ExporterOverrides = {}): Exporter | undefined {
  const config = resolveExporterConfig(env, overrides);
  return config ? createExporter(config) : undefined;
}
