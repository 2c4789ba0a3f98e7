// Unit tests of the shared machinery: queue bounds and drop accounting, backoff and Retry-After,
// the multipart encoder (checked against undici's own parser and ours), secret redaction.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { backoffDelay, parseRetryAfter } from '../../sdk/export/backoff.js';
import { BoundedQueue } from '../../sdk/export/queue.js';
import { encodeMultipart } from '../../sdk/export/multipart.js';
import { Redactor, displayUrl } from '../../sdk/export/redact.js';
import { batchProblem, unixRange } from '../../sdk/export/batch.js';
import { parseTags } from '../../sdk/export/tags.js';
import { WASMPROF_VERSION } from '../../sdk/export/version.js';
import { parseMultipart } from './helpers/multipart.js';
import { makePprof } from './helpers/pprof.js';

t.test('queue: count bound drops the oldest first and counts it', async (t) => {
  const q = new BoundedQueue<number>({ maxItems: 3, maxBytes: 1000 });
  for (let i = 1; i <= 5; i++) q.push(i, 10);
  t.equal(q.length, 3);
  t.same(q.dropped, { items: 2, profiles: 2, bytes: 20 });
  t.equal(q.lease()?.value, 3, 'the oldest kept item is 3');
  t.same(q.takeUnreported(), { items: 2, profiles: 2, bytes: 20 });
  t.equal(q.takeUnreported(), undefined, 'reported drops are not reported twice');
});

t.test('queue: byte bound, leased item never dropped, oversize item refused', async (t) => {
  const q = new BoundedQueue<string>({ maxItems: 10, maxBytes: 100 });
  q.push('a', 40);
  const leased = q.lease();
  t.equal(leased?.value, 'a');
  q.push('b', 40);
  const dropped = q.push('c', 40); // 40 (leased) + 40 + 40 > 100: b goes
  t.same(dropped.map((d) => d.value), ['b']);
  t.equal(q.bytes, 80);
  const refused = q.push('d', 70); // c goes, and d still does not fit beside the leased a
  t.same(refused.map((d) => d.value), ['c', 'd']);
  t.equal(q.current?.value, 'a', 'the item being sent stays');
  t.same(q.push('huge', 101).map((d) => d.value), ['huge'], 'an item larger than the bound is refused');
  q.unlease();
  t.equal(q.lease()?.value, 'a', 'a retried item goes back to the head');
  q.settle();
  t.equal(q.length, 0);
  t.equal(q.bytes, 0);
});

t.test('backoff: exponential, jittered within [base/2, base], capped', async (t) => {
  const o = { initialMs: 100, maxMs: 1000 };
  t.equal(backoffDelay(1, o, () => 0), 50);
  t.equal(backoffDelay(1, o, () => 1), 100);
  t.equal(backoffDelay(3, o, () => 1), 400);
  t.equal(backoffDelay(10, o, () => 1), 1000);
  t.equal(backoffDelay(100, o, () => 0), 500, 'no overflow for large attempts');
  const seen = new Set<number>();
  for (let i = 0; i < 50; i++) seen.add(backoffDelay(4, o));
  t.ok(seen.size > 5, 'real jitter spreads retries');
});

t.test('Retry-After: seconds, HTTP date, junk, cap', async (t) => {
  t.equal(parseRetryAfter('3'), 3000);
  t.equal(parseRetryAfter(' 0 '), 0);
  const now = Date.parse('2025-01-01T00:00:00Z');
  t.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now), 10_000);
  t.equal(parseRetryAfter('yesterday'), undefined);
  t.equal(parseRetryAfter(null), undefined);
  t.equal(parseRetryAfter('999999'), 600_000, 'capped at 10 minutes');
});

t.test('multipart: undici parses what we encode, byte for byte', async (t) => {
  const pprof = makePprof({ padBytes: 5000 });
  const binary = new Uint8Array(256).map((_, i) => i); // every byte value, CR/LF and '-' included
  const mp = encodeMultipart([
    { name: 'event', filename: 'event.json', contentType: 'application/json', data: '{"x":"é"}' },
    { name: 'profile', filename: 'profile.pprof', contentType: 'application/octet-stream', data: pprof },
    { name: 'bytes', filename: 'b.bin', contentType: 'application/octet-stream', data: binary },
    { name: 'plain', data: 'v' },
  ]);
  const form = await new Request('http://127.0.0.1/', { method: 'POST', body: mp.body, headers: { 'content-type': mp.contentType } }).formData();
  const ev = form.get('event') as File;
  t.equal(ev.name, 'event.json');
  t.equal(ev.type, 'application/json');
  t.equal(await ev.text(), '{"x":"é"}');
  t.same(new Uint8Array(await (form.get('profile') as File).arrayBuffer()), pprof);
  t.same(new Uint8Array(await (form.get('bytes') as File).arrayBuffer()), binary);
  t.equal(form.get('plain'), 'v');
  const ours = parseMultipart(Buffer.from(mp.body), mp.contentType);
  t.same(ours.map((p) => [p.name, p.filename, p.contentType]), [
    ['event', 'event.json', 'application/json'], ['profile', 'profile.pprof', 'application/octet-stream'],
    ['bytes', 'b.bin', 'application/octet-stream'], ['plain', undefined, undefined]]);
});

t.test('redactor: raw, URL-encoded and base64 forms, URLs with credentials, auth headers', async (t) => {
  const r = new Redactor(['tok-abc/123+x']);
  r.addBasic('alice', 'pa ss:w0rd');
  const b64 = Buffer.from('alice:pa ss:w0rd').toString('base64');
  const text = `token tok-abc/123+x, encoded ${encodeURIComponent('tok-abc/123+x')}, basic ${b64}, pw pa ss:w0rd, url http://alice:pa%20ss@host:4040/x, Authorization: Bearer other-secret`;
  const out = r.redact(text);
  for (const s of ['tok-abc/123+x', encodeURIComponent('tok-abc/123+x'), b64, 'pa ss:w0rd', 'pa%20ss', 'other-secret']) t.notOk(out.includes(s), `no ${s} in ${out}`);
  t.match(out, /http:\/\/\[redacted\]@host:4040/);
  t.equal(displayUrl('https://u:p@h.example:1/a?b=1'), 'https://h.example:1/a?b=1');
});

t.test('batch checks and unix range', async (t) => {
  const p = { type: 'wall', pprof: new Uint8Array([1]) };
  t.equal(batchProblem({ start: new Date(1000), end: new Date(2000), profiles: [p] }), undefined);
  t.match(batchProblem(null), /not an object/);
  t.match(batchProblem({ start: new Date('x'), end: new Date(), profiles: [p] }), /start/);
  t.match(batchProblem({ start: new Date(2000), end: new Date(1000), profiles: [p] }), /before/);
  t.match(batchProblem({ start: new Date(1), end: new Date(2), profiles: [] }), /empty/);
  t.match(batchProblem({ start: new Date(1), end: new Date(2), profiles: [p, p] }), /twice/);
  t.match(batchProblem({ start: new Date(1), end: new Date(2), profiles: [{ type: 'Wall!', pprof: new Uint8Array([1]) }] }), /lower-case/);
  t.same(unixRange({ start: new Date(10_400), end: new Date(20_600), profiles: [p] }), { from: 10, until: 21 });
});

t.test('tags: parsing and rules', async (t) => {
  t.same(parseTags(' env=prod , region=eu-west-1 '), { env: 'prod', region: 'eu-west-1' });
  t.same(parseTags(''), {});
  t.throws(() => parseTags('env'), /not key=value/);
  t.throws(() => parseTags('env=a b'), /space/);
  t.throws(() => parseTags('1x=a'), /must start/);
  t.throws(() => parseTags('__name__=a'), /reserved/);
  t.throws(() => parseTags('a=1,a=2'), /twice/);
});

t.test('version constant matches package.json', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  t.equal(WASMPROF_VERSION, pkg.version);
});
