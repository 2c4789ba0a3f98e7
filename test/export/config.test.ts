// Configuration from WASMPROF_* variables and options: every bad value gets an error that names
// the variable (or option) and what it accepts, secrets are never echoed, and the factory builds
// the exporter the configuration describes.
import t from 'tap';
import { createExporterFromEnv, ExporterConfigError, resolveExporterConfig, type ExporterOverrides } from '../../sdk/export/config.js';
import { DatadogExporter } from '../../sdk/export/datadog.js';
import { FileExporter } from '../../sdk/export/file.js';
import { PyroscopeExporter } from '../../sdk/export/pyroscope.js';
import { fetchTransport } from '../../sdk/export/transport.js';
import { nodeTransport } from '../../sdk/export/transport-node.js';
import { makePprof, readPprof } from './helpers/pprof.js';
import { startServer } from './helpers/server.js';
import { ingestAsPyroscope } from './helpers/pyroscope-ingest.js';

const PY = { WASMPROF_EXPORTER: 'pyroscope', WASMPROF_SERVER_URL: 'http://localhost:4040', WASMPROF_APP_NAME: 'api' };
const DD = { WASMPROF_EXPORTER: 'datadog', WASMPROF_APP_NAME: 'api' };

t.test('no exporter unless asked for', async (t) => {
  t.equal(resolveExporterConfig({}), undefined);
  t.equal(resolveExporterConfig({ WASMPROF_EXPORTER: 'none' }), undefined);
  t.equal(resolveExporterConfig({ WASMPROF_EXPORTER: '  ' }), undefined);
  t.equal(createExporterFromEnv({}, {}), undefined);
  t.equal(resolveExporterConfig(PY, { exporter: 'none' }), undefined, 'an option overrides the variable');
});

t.test('every bad value: the error names the variable and the accepted values', async (t) => {
  const cases: Array<[Record<string, string>, ExporterOverrides, string, RegExp]> = [
    [{ WASMPROF_EXPORTER: 'ftp' }, {}, 'WASMPROF_EXPORTER', /WASMPROF_EXPORTER="ftp" is not valid: accepted values are file, pyroscope, datadog/],
    [{ WASMPROF_EXPORTER: 'file' }, {}, 'WASMPROF_OUTPUT_DIR', /needs a directory: set WASMPROF_OUTPUT_DIR/],
    [{ WASMPROF_EXPORTER: 'pyroscope', WASMPROF_APP_NAME: 'a' }, {}, 'WASMPROF_SERVER_URL', /needs WASMPROF_SERVER_URL/],
    [{ WASMPROF_EXPORTER: 'pyroscope', WASMPROF_SERVER_URL: 'http://h:1' }, {}, 'WASMPROF_APP_NAME', /needs an application name: set WASMPROF_APP_NAME/],
    [{ ...PY, WASMPROF_SERVER_URL: 'localhost:4040' }, {}, 'WASMPROF_SERVER_URL', /WASMPROF_SERVER_URL is not valid: expected an http:\/\/ or https:\/\/ URL/],
    [{ ...PY, WASMPROF_SERVER_URL: 'ftp://h' }, {}, 'WASMPROF_SERVER_URL', /got protocol ftp:/],
    [{ ...PY, WASMPROF_SERVER_URL: 'http://h?x=1' }, {}, 'WASMPROF_SERVER_URL', /query string/],
    [{ ...PY, WASMPROF_APP_NAME: 'my app' }, {}, 'WASMPROF_APP_NAME', /WASMPROF_APP_NAME="my app" is not valid/],
    [{ ...PY, WASMPROF_APP_NAME: 'shop:api' }, {}, 'WASMPROF_APP_NAME', /WASMPROF_APP_NAME="shop:api" is not valid: .*what the Pyroscope server accepts/],
    [{ ...PY, WASMPROF_TAGS: 'env' }, {}, 'WASMPROF_TAGS', /WASMPROF_TAGS="env" is not valid: "env" is not key=value; expected key=value pairs/],
    [{ ...PY, WASMPROF_TAGS: 'env=a b' }, {}, 'WASMPROF_TAGS', /space/],
    [{ ...PY, WASMPROF_TAGS: '9x=1' }, {}, 'WASMPROF_TAGS', /must start with a letter/],
    [{ ...PY, WASMPROF_TAGS: '__name__=x' }, {}, 'WASMPROF_TAGS', /reserved/],
    [{ ...PY, WASMPROF_BASIC_AUTH_USER: 'u' }, {}, 'WASMPROF_BASIC_AUTH_PASSWORD', /needs both .* WASMPROF_BASIC_AUTH_PASSWORD is missing/],
    [{ ...PY, WASMPROF_BASIC_AUTH_PASSWORD: 'p' }, {}, 'WASMPROF_BASIC_AUTH_USER', /WASMPROF_BASIC_AUTH_USER is missing/],
    [{ ...PY, WASMPROF_BASIC_AUTH_USER: 'u', WASMPROF_BASIC_AUTH_PASSWORD: 'p', WASMPROF_AUTH_TOKEN: 't' }, {}, 'WASMPROF_AUTH_TOKEN', /either WASMPROF_AUTH_TOKEN .* not both/],
    [{ ...PY, WASMPROF_SERVER_URL: 'http://u:p@h:1', WASMPROF_AUTH_TOKEN: 't' }, {}, 'WASMPROF_SERVER_URL', /contains user:password and separate credentials/],
    [{ ...PY, WASMPROF_TENANT_ID: 'a b' }, {}, 'WASMPROF_TENANT_ID', /tenant id is 1-150 characters/],
    [{ ...PY, WASMPROF_QUEUE_MAX_ITEMS: '0' }, {}, 'WASMPROF_QUEUE_MAX_ITEMS', /out of range: expected an integer from 1 to 100000/],
    [{ ...PY, WASMPROF_QUEUE_MAX_ITEMS: 'ten' }, {}, 'WASMPROF_QUEUE_MAX_ITEMS', /WASMPROF_QUEUE_MAX_ITEMS="ten" is not valid: expected an integer/],
    [{ ...PY, WASMPROF_QUEUE_MAX_ITEMS: '1.5' }, {}, 'WASMPROF_QUEUE_MAX_ITEMS', /not valid/],
    [{ ...PY, WASMPROF_QUEUE_MAX_BYTES: '12 parsecs' }, {}, 'WASMPROF_QUEUE_MAX_BYTES', /expected a number of bytes \(optionally with a unit: KiB, MiB/],
    [{ ...PY, WASMPROF_QUEUE_MAX_BYTES: '10' }, {}, 'WASMPROF_QUEUE_MAX_BYTES', /out of range/],
    [{ ...PY, WASMPROF_EXPORT_TIMEOUT: 'soon' }, {}, 'WASMPROF_EXPORT_TIMEOUT', /expected a duration in milliseconds or with a unit \(500ms, 15s, 2m\)/],
    [{ ...PY, WASMPROF_EXPORT_TIMEOUT: '5' }, {}, 'WASMPROF_EXPORT_TIMEOUT', /out of range: .* from 100 ms/],
    [{ ...PY, WASMPROF_EXPORT_TIMEOUT: '11m' }, {}, 'WASMPROF_EXPORT_TIMEOUT', /out of range/],
    [{ ...PY, WASMPROF_RETRY_INITIAL_BACKOFF: '-1s' }, {}, 'WASMPROF_RETRY_INITIAL_BACKOFF', /not valid/],
    [{ ...PY, WASMPROF_RETRY_INITIAL_BACKOFF: '10s', WASMPROF_RETRY_MAX_BACKOFF: '5s' }, {}, 'WASMPROF_RETRY_MAX_BACKOFF', /must be at least WASMPROF_RETRY_INITIAL_BACKOFF/],
    [{ ...PY, WASMPROF_TRANSPORT: 'carrier-pigeon' }, {}, 'WASMPROF_TRANSPORT', /accepted values are auto, fetch, node/],
    [{ ...PY, WASMPROF_SAMPLE_RATE: '0' }, {}, 'WASMPROF_SAMPLE_RATE', /out of range/],
    [{ WASMPROF_EXPORTER: 'file', WASMPROF_OUTPUT_DIR: '/tmp/x', WASMPROF_FILE_MAX_FILES: '-3' }, {}, 'WASMPROF_FILE_MAX_FILES', /not valid: expected an integer from 0/],
    [{ WASMPROF_EXPORTER: 'file', WASMPROF_OUTPUT_DIR: '/tmp/x', WASMPROF_FILE_MAX_BYTES: 'lots' }, {}, 'WASMPROF_FILE_MAX_BYTES', /not valid/],
    [{ WASMPROF_EXPORTER: 'datadog' }, {}, 'WASMPROF_APP_NAME', /needs a service name: set WASMPROF_APP_NAME \(or WASMPROF_SERVICE \/ DD_SERVICE\)/],
    [{ ...DD, WASMPROF_ENV: 'pro d' }, {}, 'WASMPROF_ENV', /WASMPROF_ENV="pro d" is not valid: 1-200 characters without commas or spaces/],
    [{ ...DD, DD_VERSION: '1,2' }, {}, 'DD_VERSION', /DD_VERSION="1,2" is not valid/],
    [{ ...DD, WASMPROF_SERVER_URL: 'http://u:p@agent:8126' }, {}, 'WASMPROF_SERVER_URL', /must not contain user:password for the Datadog agent/],
    [PY, { queueMaxItems: 0 }, 'option queueMaxItems (WASMPROF_QUEUE_MAX_ITEMS)', /option queueMaxItems \(WASMPROF_QUEUE_MAX_ITEMS\)=0 is out of range/],
    [PY, { serverUrl: 'nope' }, 'option serverUrl (WASMPROF_SERVER_URL)', /option serverUrl \(WASMPROF_SERVER_URL\) is not valid/],
    [PY, { exporter: 'kafka' as 'file' }, 'option exporter (WASMPROF_EXPORTER)', /accepted values are file, pyroscope, datadog/],
    [PY, { tags: { 'a b': 'c' } }, 'option tags (WASMPROF_TAGS)', /tag key "a b"/],
  ];
  for (const [env, overrides, variable, message] of cases) {
    const label = `${JSON.stringify(env)} ${JSON.stringify(overrides)}`;
    try {
      resolveExporterConfig(env, overrides);
      t.fail(`accepted: ${label}`);
    } catch (err) {
      t.type(err, ExporterConfigError, label);
      t.equal((err as ExporterConfigError).variable, variable, label);
      t.match((err as Error).message, message, label);
    }
  }
});

t.test('secrets are never echoed in configuration errors', async (t) => {
  const secret = 'tok en-with-space';
  const errs: string[] = [];
  for (const env of [{ ...PY, WASMPROF_AUTH_TOKEN: secret }, { ...PY, WASMPROF_BASIC_AUTH_USER: 'u', WASMPROF_BASIC_AUTH_PASSWORD: secret }, { ...PY, WASMPROF_AUTH_TOKEN: 'x\u0001y' }]) {
    try { resolveExporterConfig(env); t.fail('accepted'); } catch (err) { errs.push((err as Error).message); }
  }
  t.match(errs[0], /WASMPROF_AUTH_TOKEN must not contain whitespace \(value not shown: it is a secret\)/);
  t.match(errs[1], /WASMPROF_BASIC_AUTH_PASSWORD/);
  for (const e of errs) t.notOk(e.includes('tok en') || e.includes('x\u0001y'), e);
});

t.test('good values: units, fallbacks, precedence, transports', async (t) => {
  const c = resolveExporterConfig({
    ...PY, WASMPROF_TAGS: 'env=prod,region=eu', WASMPROF_QUEUE_MAX_BYTES: '8MiB', WASMPROF_QUEUE_MAX_ITEMS: '10',
    WASMPROF_EXPORT_TIMEOUT: '2.5s', WASMPROF_RETRY_INITIAL_BACKOFF: '250ms', WASMPROF_RETRY_MAX_BACKOFF: '1m',
    WASMPROF_TENANT_ID: 'team-1', WASMPROF_AUTH_TOKEN: 'abc', WASMPROF_TRANSPORT: 'fetch',
  }, { appName: 'from-option' });
  t.ok(c && c.kind === 'pyroscope');
  if (c?.kind !== 'pyroscope') return;
  t.equal(c.appName, 'from-option', 'an option wins over the variable');
  t.same(c.tags, { env: 'prod', region: 'eu' });
  t.same({ ...c.sending, transport: undefined }, { queueMaxItems: 10, queueMaxBytes: 8 * 1024 * 1024, timeoutMs: 2500, retryInitialMs: 250, retryMaxMs: 60_000, transport: undefined });
  t.equal(c.sending.transport, fetchTransport);
  t.equal(c.tenantId, 'team-1');
  t.equal(c.authToken, 'abc');
  const auto = resolveExporterConfig(PY);
  t.equal(auto?.kind === 'pyroscope' && auto.sending.transport, nodeTransport, 'auto picks node:http under Node');
  const viaService = resolveExporterConfig({ WASMPROF_EXPORTER: 'pyroscope', WASMPROF_SERVER_URL: 'http://h:1', WASMPROF_SERVICE: 'svc' });
  t.equal(viaService?.kind === 'pyroscope' && viaService.appName, 'svc');
  const dd = resolveExporterConfig({ WASMPROF_EXPORTER: 'DATADOG', DD_SERVICE: 'ddsvc', DD_ENV: 'staging', WASMPROF_VERSION: '2.0', WASMPROF_AUTH_TOKEN: 'key' });
  t.ok(dd?.kind === 'datadog');
  if (dd?.kind === 'datadog') {
    t.equal(dd.agentUrl, 'http://localhost:8126');
    t.equal(dd.service, 'ddsvc');
    t.equal(dd.env, 'staging');
    t.equal(dd.version, '2.0');
    t.equal(dd.apiKey, 'key');
  }
  t.type(createExporterFromEnv({ WASMPROF_EXPORTER: 'file', WASMPROF_OUTPUT_DIR: t.testdir({}) }), FileExporter);
  t.type(createExporterFromEnv(PY), PyroscopeExporter);
  t.type(createExporterFromEnv(DD), DatadogExporter);
});

t.test('end to end: createExporterFromEnv → Pyroscope server', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const ex = createExporterFromEnv({ WASMPROF_EXPORTER: 'pyroscope', WASMPROF_SERVER_URL: server.url, WASMPROF_APP_NAME: 'e2e', WASMPROF_TAGS: 'env=ci', WASMPROF_AUTH_TOKEN: 'tkn', WASMPROF_TENANT_ID: 'ten' }, { sampleRate: 250, onError: () => undefined });
  t.ok(ex);
  ex!.export({ start: new Date(5000), end: new Date(15_000), profiles: [{ type: 'cpu', pprof: makePprof({ type: 'cpu' }) }], labels: { pod: 'p1' } });
  await ex!.flush(5000);
  const r = server.requests[0];
  t.equal(r.url.searchParams.get('name'), 'e2e{env=ci,pod=p1}');
  t.equal(r.url.searchParams.get('sampleRate'), '250');
  t.equal(r.headers.authorization, 'Bearer tkn');
  t.equal(r.headers['x-scope-orgid'], 'ten');
  readPprof(ingestAsPyroscope(r).pprof);
  await ex!.close(100);
});
