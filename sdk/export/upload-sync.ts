// Uploads at process exit. An 'exit' handler (process.exit(), the end of the event loop) cannot
// wait for a socket, so the requests go to a short-lived child Node that sends them in order and
// reports each status; the parent blocks at most `timeoutMs` (the child is killed then). The
// child gets no NODE_OPTIONS and no LD_PRELOAD, so it is never profiled itself. In Deno a Worker
// sends them instead (sdk/runtime/deno.ts: no --allow-run needed).
import { builtin } from '../runtime/builtin.js';
import { isDeno, uploadSyncInWorker } from '../runtime/deno.js';

const childProcess = builtin<typeof import('node:child_process')>('node:child_process');

export interface PreparedRequest {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

const CHILD = `
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const requests = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const statuses = [];
for (const r of requests) {
  try {
    const res = await fetch(r.url, { method: 'POST', headers: r.headers, body: Buffer.from(r.body, 'base64') });
    await res.arrayBuffer().catch(() => undefined);
    statuses.push(res.status);
  } catch {
    statuses.push(0);
  }
  process.stdout.write(statuses.at(-1) + '\\n');
}
`;

/** HTTP status per request in order (0: no answer); shorter than `requests` when time ran out. */
export function uploadSync(requests: readonly PreparedRequest[], timeoutMs: number): number[] {
  if (requests.length === 0) return [];
  if (isDeno()) return uploadSyncInWorker(requests, timeoutMs);
  const input = JSON.stringify(requests.map((r) => ({ url: r.url, headers: r.headers, body: Buffer.from(r.body).toString('base64') })));
  const env: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: '', LD_PRELOAD: '' };
  const r = childProcess().spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    input, env, timeout: Math.max(1, timeoutMs), encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['pipe', 'pipe', 'ignore'],
  });
  return (r.stdout ?? '').split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
}
