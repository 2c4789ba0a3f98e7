// Run by deno.test.ts under Deno: the push exporters with Deno's own fetch. argv: <server url>
import { DatadogExporter } from '../../../sdk/export/datadog.js';
import { PyroscopeExporter } from '../../../sdk/export/pyroscope.js';

declare const Deno: { args: string[] } | undefined;
const url = typeof Deno !== 'undefined' ? Deno.args[0] : undefined;
if (!url) {
  console.log('1..0 # SKIP helper for deno.test.ts (runs under Deno)');
} else {
  const errors: string[] = [];
  const pprof = new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4]);
  const batch = { start: new Date(1_000), end: new Date(61_000), profiles: [{ type: 'wall', pprof }], labels: { runtime_test: 'deno' } };
  const p = new PyroscopeExporter({ serverUrl: url, appName: 'deno-app', authToken: 'tok', onError: (l) => errors.push(l) });
  const d = new DatadogExporter({ agentUrl: url, service: 'deno-svc', onError: (l) => errors.push(l) });
  p.export(batch);
  d.export(batch);
  await Promise.all([p.flush(5000), d.flush(5000)]);
  console.log(JSON.stringify({ pyroscope: p.stats().delivered, datadog: d.stats().delivered, errors }));
  await Promise.all([p.close(100), d.close(100)]);
}
