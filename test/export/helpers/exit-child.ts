// Child process for exit.test.ts: exports one batch to a server that never answers, then has
// nothing else to do. argv: <server url> <fetch|node> <timeoutMs>
import { PyroscopeExporter } from '../../../sdk/export/pyroscope.js';
import { fetchTransport } from '../../../sdk/export/transport.js';
import { nodeTransport } from '../../../sdk/export/transport-node.js';
import { makePprof } from './pprof.js';

const [url, transport, timeout] = process.argv.slice(2);
if (!url) {
  // Run directly (e.g. `tap test/export/`): nothing to do.
  process.stdout.write('1..0 # SKIP helper for exit.test.ts\n');
  process.exit(0);
}
const ex = new PyroscopeExporter({
  serverUrl: url, appName: 'exit-test', transport: transport === 'node' ? nodeTransport : fetchTransport,
  timeoutMs: Number(timeout), backoff: { initialMs: 5000, maxMs: 5000 }, onError: () => undefined,
});
ex.export({ start: new Date(0), end: new Date(1000), profiles: [{ type: 'wall', pprof: makePprof() }] });
process.stdout.write(`exported ${Date.now()}\n`);
