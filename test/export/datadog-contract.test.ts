// The Datadog exporter against the receiving side of the contract: a local "agent" reads each
// request as the agent's profile proxy and the profiling intake do, with the rules taken from
// what dd-trace-js (5.x/6.x) sends for Node (docs/exporters.md, "Datadog Agent"): the route, the
// multipart form, event.json's fields, one attachment part per name listed in it, wall.pprof as
// ONE profile of sample/count + wall/nanoseconds + cpu/nanoseconds, space.pprof for the heap,
// thread labels on every sample, runtime-id and profile_seq in tags_profiler, and the origin
// headers. The last tests show the checker refusing the exporter's previous format.
import t from 'tap';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { Core } from '../../sdk/core.js';
import { cgroupNodePath, detectOrigin, parseContainerId, type CgroupFiles } from '../../sdk/export/container-id.js';
import { DatadogExporter } from '../../sdk/export/datadog.js';
import { datadogAttachments, datadogAttachmentsSync, threadLabels } from '../../sdk/export/datadog-profile.js';
import { encodeMultipart } from '../../sdk/export/multipart.js';
import type { ProfileBatch } from '../../sdk/export/types.js';
import { ingestCpuProfile } from '../../sdk/ingest/cpu.js';
import { FrameInterner } from '../../sdk/ingest/frames.js';
import { ingestHeapProfile } from '../../sdk/ingest/heap.js';
import { buildProfile } from '../../sdk/pprof/build.js';
import { encodeGzipSync } from '../../sdk/pprof/gzip.js';
import { LabelSet, type LabelTimeline } from '../../sdk/sources/labels.js';
import type { CallFrameInfo } from '../../sdk/sources/types.js';
import { parseMultipart } from './helpers/multipart.js';
import { makePprof } from './helpers/pprof.js';
import { startServer, type Recorded } from './helpers/server.js';

const START = new Date('2024-05-01T12:00:10.400Z');
const END = new Date('2024-05-01T12:01:10.600Z');
const CONTAINER = '34dc0b5e626f2c5c4c5170e34b10e7654ce36f0fcd532739f4445baabea03376';
const THREAD_LABELS = ['thread name', 'thread id', 'os thread id'];

// ---- the receiving side -------------------------------------------------------------------

/** What dd-trace-js puts in tags_profiler for Node, by key (event_serializer.js, config). */
const REQUIRED_TAGS = ['language', 'runtime', 'runtime_version', 'runtime_arch', 'runtime_os', 'process_id', 'profiler_version', 'format', 'service', 'runtime-id', 'profile_seq'];
/** The sample types of each attachment dd-trace-js sends for Node (profilers/wall.js, space.js). */
const ATTACHMENT_TYPES: Record<string, string[]> = {
  'wall.pprof': ['sample/count', 'wall/nanoseconds', 'cpu/nanoseconds'],
  'space.pprof': ['inuse_objects/count', 'inuse_space/bytes'],
};

interface Intake { problems: string[]; event: Record<string, unknown>; tags: Map<string, string>; profiles: Map<string, Profile> }

const typeName = (p: Profile, v: { type: number | bigint; unit: number | bigint }): string => `${p.stringTable.strings[Number(v.type)]}/${p.stringTable.strings[Number(v.unit)]}`;
const typesOf = (p: Profile): string[] => p.sampleType.map((v) => typeName(p, v));

/** Reads one upload as the agent and intake do; every broken rule is one line in `problems`. */
function intake(r: Pick<Recorded, 'method' | 'url' | 'headers' | 'body'>): Intake {
  const problems: string[] = [];
  const out: Intake = { problems, event: {}, tags: new Map(), profiles: new Map() };
  if (r.method !== 'POST' || r.url.pathname !== '/profiling/v1/input') problems.push(`route ${r.method} ${r.url.pathname}`);
  if (r.headers['dd-evp-origin'] === undefined || r.headers['dd-evp-origin-version'] === undefined) problems.push('no DD-EVP-ORIGIN / DD-EVP-ORIGIN-VERSION');
  const parts = parseMultipart(r.body, r.headers['content-type']);
  const ev = parts.find((p) => p.name === 'event');
  if (!ev || ev.filename !== 'event.json' || ev.contentType !== 'application/json') { problems.push('no "event" part (event.json, application/json)'); return out; }
  const event = JSON.parse(ev.data.toString('utf8')) as Record<string, unknown>;
  out.event = event;
  if (event.version !== '4') problems.push(`event.version ${JSON.stringify(event.version)}`);
  if (event.family !== 'node') problems.push(`event.family ${JSON.stringify(event.family)}`);
  for (const k of ['start', 'end'] as const) if (typeof event[k] !== 'string' || Number.isNaN(Date.parse(event[k] as string))) problems.push(`event.${k} is not a date`);
  if (Date.parse(event.start as string) > Date.parse(event.end as string)) problems.push('event.start after event.end');
  const attachments = event.attachments;
  if (!Array.isArray(attachments) || attachments.length === 0 || !attachments.every((a) => typeof a === 'string')) { problems.push('event.attachments is not a list of names'); return out; }
  if (typeof event.tags_profiler !== 'string') problems.push('event.tags_profiler is not a string');
  for (const kv of String(event.tags_profiler).split(',')) {
    const i = kv.indexOf(':');
    if (i <= 0) problems.push(`tag ${JSON.stringify(kv)} is not key:value`);
    else out.tags.set(kv.slice(0, i), kv.slice(i + 1));
  }
  for (const k of REQUIRED_TAGS) if (!out.tags.has(k)) problems.push(`tags_profiler has no ${k}`);
  if (out.tags.has('runtime-id') && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(out.tags.get('runtime-id')!)) problems.push('runtime-id is not a UUID');
  if (out.tags.has('profile_seq') && !/^\d+$/.test(out.tags.get('profile_seq')!)) problems.push('profile_seq is not a whole number');
  const files = parts.filter((p) => p !== ev);
  for (const f of files) if (!attachments.includes(f.name)) problems.push(`part ${f.name} is not in event.attachments`);
  for (const name of attachments as string[]) {
    const f = files.find((p) => p.name === name);
    if (!f || f.filename !== name || f.contentType !== 'application/octet-stream') { problems.push(`attachment ${name} has no part of that name`); continue; }
    if (name === 'cpu.pprof' || name === 'heap.pprof') problems.push(`${name}: dd-trace-js sends no such attachment for Node (cpu is in wall.pprof, the heap is space.pprof)`);
    if (f.data[0] !== 0x1f || f.data[1] !== 0x8b) { problems.push(`${name} is not gzipped`); continue; }
    let p: Profile;
    try { p = Profile.decode(new Uint8Array(gunzipSync(f.data))); } catch { problems.push(`${name} is not pprof`); continue; }
    out.profiles.set(name, p);
    const want = ATTACHMENT_TYPES[name];
    if (want && typesOf(p).join(',') !== want.join(',')) problems.push(`${name} sample types ${typesOf(p).join(',')}, expected ${want.join(',')}`);
    if (name === 'wall.pprof' && (!p.periodType || typeName(p, p.periodType) !== 'wall/nanoseconds')) problems.push('wall.pprof period type is not wall/nanoseconds');
    if (want) {
      const bare = p.sample.filter((s) => !['thread name', 'thread id'].every((k) => s.label.some((l) => p.stringTable.strings[Number(l.key)] === k && Number(l.str) !== 0)));
      if (bare.length > 0) problems.push(`${name}: ${bare.length} of ${p.sample.length} samples without thread name / thread id labels`);
    }
  }
  if (!attachments.includes('wall.pprof') && !attachments.includes('space.pprof')) problems.push('neither wall.pprof nor space.pprof');
  return out;
}

// ---- a period as wasmprof builds it ---------------------------------------------------------

const cf = (functionName: string, lineNumber: number, url = 'file:///app/main.js'): CallFrameInfo => ({ functionName, url, scriptId: url ? '7' : '0', lineNumber, columnNumber: 2 });

/** wall, cpu and heap of one period from wasmprof's own pipeline (core, ingest, pprof builder):
 *  samples in `handler` carry {route: checkout} for the first 25 µs, idle samples have no CPU. */
async function wasmprofPeriod(): Promise<{ wall: Uint8Array; cpu: Uint8Array; heap: Uint8Array }> {
  const core = await Core.create();
  const frames = new FrameInterner(core, undefined);
  const timeline: LabelTimeline = { times: new Float64Array([0, 25]), sets: [new LabelSet({ route: 'checkout' }), undefined], count: 2, unknownFrom: Infinity, dropped: 0 };
  const handles = { handle: (s: LabelSet | undefined) => core.internLabels(s ? s.labels : {}), unknown: () => core.internLabels({ wasmprof_labels: 'unknown' }) };
  ingestCpuProfile(core, frames, {
    nodes: [
      { id: 1, callFrame: cf('(root)', -1, ''), children: [2, 4] },
      { id: 2, callFrame: cf('handler', 4), children: [3] },
      { id: 3, callFrame: cf('parse', 9) },
      { id: 4, callFrame: cf('(idle)', -1, '') },
    ],
    startTime: 0, samples: [3, 3, 2, 3, 4, 4], timeDeltas: [10, 10, 10, 10, 10, 10], endTime: 70,
  }, timeline, handles, { micros: 30, scope: 'thread' });
  ingestHeapProfile(core, frames, {
    head: { id: 1, callFrame: cf('(root)', -1, ''), selfSize: 0, children: [{ id: 2, callFrame: cf('alloc', 12), selfSize: 4096, children: [] }] },
    samples: [{ size: 4096, nodeId: 2, ordinal: 1 }],
  }, 512 * 1024, core.internLabels({}));
  const built = (type: 'wall' | 'cpu' | 'heap'): Uint8Array =>
    encodeGzipSync(buildProfile({ tables: core.tables(), type, timeNanos: START.getTime() * 1e6, durationNanos: 60e9, period: type === 'heap' ? 512 * 1024 : 10e6, comments: [`${type} comment`] }));
  return { wall: built('wall'), cpu: built('cpu'), heap: built('heap') };
}

/** Samples by stack (leaf first) and labels (thread labels left out), values summed. */
function rows(p: Profile): Map<string, number[]> {
  const S = p.stringTable.strings;
  const fnName = new Map(p.function.map((f) => [Number(f.id), S[Number(f.name)]]));
  const locName = new Map(p.location.map((l) => [Number(l.id), l.line.map((ln) => fnName.get(Number(ln.functionId))).join('+')]));
  const out = new Map<string, number[]>();
  for (const s of p.sample) {
    const labels = s.label.map((l) => [S[Number(l.key)], S[Number(l.str)]]).filter(([k]) => !THREAD_LABELS.includes(k)).map(([k, v]) => `${k}=${v}`).sort();
    const key = `${s.locationId.map((id) => locName.get(Number(id))).join(';')}|${labels.join(',')}`;
    const v = s.value.map(Number);
    const have = out.get(key);
    out.set(key, have ? have.map((x, i) => x + v[i]) : v);
  }
  return out;
}

const readGz = (b: Uint8Array): Profile => Profile.decode(new Uint8Array(gunzipSync(b)));

async function upload(batches: ProfileBatch[], opts: Partial<ConstructorParameters<typeof DatadogExporter>[0]> = {}): Promise<Recorded[]> {
  const server = await startServer((_r, res) => { res.writeHead(200); res.end('{}'); });
  try {
    const ex = new DatadogExporter({ agentUrl: server.url, service: 'checkout-api', env: 'prod', origin: { containerId: CONTAINER, entityId: `ci-${CONTAINER}` }, onError: () => undefined, ...opts });
    for (const b of batches) ex.export(b);
    await ex.flush(10_000);
    await ex.close(1000);
    return [...server.requests];
  } finally {
    await server.close();
  }
}

// ---- the tests -----------------------------------------------------------------------------

t.test('a full period is read as dd-trace-js\'s upload: wall.pprof (wall + cpu), space.pprof, labels, tags, headers', async (t) => {
  const period = await wasmprofPeriod();
  const profiles = [{ type: 'wall', pprof: period.wall }, { type: 'cpu', pprof: period.cpu }, { type: 'heap', pprof: period.heap }, { type: 'native-heap', pprof: makePprof({ type: 'heap', marker: 'malloc' }) }];
  const [r] = await upload([{ start: START, end: END, seq: 7, profiles, labels: { deploy: 'blue' } }]);
  const got = intake(r);
  t.same(got.problems, [], 'no rule broken');
  t.same(got.event.attachments, ['wall.pprof', 'space.pprof', 'native-heap.pprof']);
  t.equal(got.tags.get('profile_seq'), '7', 'profile_seq is the batch seq');
  t.equal(got.tags.get('deploy'), 'blue');
  t.equal(got.tags.get('runtime'), 'nodejs');
  t.same(got.event.custom_attributes, ['route'], 'label keys of runWithLabels() are named as custom attributes');
  t.equal(r.headers['datadog-container-id'], CONTAINER);
  t.equal(r.headers['datadog-entity-id'], `ci-${CONTAINER}`);

  // The merge: each (stack, labels) row of wasmprof's wall and cpu profiles is one sample
  // [count, wall, cpu]; nothing is lost or counted twice.
  const wallIn = rows(readGz(period.wall)), cpuIn = rows(readGz(period.cpu)), out = rows(got.profiles.get('wall.pprof')!);
  t.ok(wallIn.size >= 3 && cpuIn.size >= 2 && cpuIn.size < wallIn.size, `fixture has idle rows without CPU (${wallIn.size} wall rows, ${cpuIn.size} cpu rows)`);
  t.same([...out.keys()].sort(), [...wallIn.keys()].sort(), 'one sample per wall row (every cpu row has its wall row)');
  for (const [k, [count, wall]] of wallIn) t.same(out.get(k), [count, wall, cpuIn.get(k)?.[1] ?? 0], `row ${k}`);
  t.ok([...out.keys()].some((k) => k.endsWith('|route=checkout')) && [...out.keys()].some((k) => k.endsWith('|')), 'labelled and unlabelled samples kept apart');

  const wallP = got.profiles.get('wall.pprof')!;
  const S = wallP.stringTable.strings;
  const labelOf = (s: (typeof wallP.sample)[number], k: string) => S[Number(s.label.find((l) => S[Number(l.key)] === k)?.str ?? 0)];
  const expectThread = threadLabels();
  t.equal(expectThread['thread name'], 'Main Event Loop');
  t.equal(expectThread['thread id'], '0');
  for (const [k, v] of Object.entries(expectThread)) t.ok(wallP.sample.every((s) => labelOf(s, k) === v), `${k}: ${v} on every wall sample`);
  t.equal(Number(wallP.period), 10e6);
  t.equal(BigInt(wallP.timeNanos), BigInt(START.getTime()) * 1_000_000n, 'the wall profile\'s time is kept exactly');
  t.same(wallP.comment.map((c) => S[Number(c)]).sort(), ['cpu comment', 'wall comment']);

  const space = got.profiles.get('space.pprof')!;
  t.same(rows(space), rows(readGz(period.heap)), 'space.pprof is the heap profile, values unchanged');
  const SS = space.stringTable.strings;
  t.ok(space.sample.every((s) => s.label.some((l) => SS[Number(l.key)] === 'thread name' && SS[Number(l.str)] === 'Main Event Loop')), 'thread name on every heap sample');
  t.same(new Uint8Array(parseMultipart(r.body, r.headers['content-type']).find((p) => p.name === 'native-heap.pprof')!.data), profiles[3].pprof, 'native-heap goes unchanged');
});

t.test('only cpu, or only wall: still one wall.pprof with the three sample types', async (t) => {
  const period = await wasmprofPeriod();
  const [cpuOnly, wallOnly] = await upload([
    { start: START, end: END, profiles: [{ type: 'cpu', pprof: period.cpu }] },
    { start: START, end: END, profiles: [{ type: 'wall', pprof: period.wall }] },
  ]);
  for (const [name, r] of [['cpu only', cpuOnly], ['wall only', wallOnly]] as const) {
    const got = intake(r);
    t.same(got.problems, [], `${name}: no rule broken`);
    t.same(got.event.attachments, ['wall.pprof'], name);
  }
  const fromCpu = rows(intake(cpuOnly).profiles.get('wall.pprof')!);
  for (const [k, [, cpu]] of rows(readGz(period.cpu))) t.same(fromCpu.get(k), [0, 0, cpu], `cpu only: ${k} is [0, 0, cpu]`);
  const fromWall = rows(intake(wallOnly).profiles.get('wall.pprof')!);
  for (const [k, [count, wall]] of rows(readGz(period.wall))) t.same(fromWall.get(k), [count, wall, 0], `wall only: ${k} is [count, wall, 0]`);
  t.same([intake(cpuOnly).tags.get('profile_seq'), intake(wallOnly).tags.get('profile_seq')], ['0', '1'], 'without batch seq, counted from 0 as dd-trace-js does');
  t.equal(intake(cpuOnly).tags.get('runtime-id'), intake(wallOnly).tags.get('runtime-id'), 'runtime-id is the same for every upload of the process');
});

t.test('the blocking build (closeSync at exit) gives the same attachments as the async one', async (t) => {
  const period = await wasmprofPeriod();
  const profiles = [{ type: 'wall', pprof: period.wall }, { type: 'cpu', pprof: period.cpu }, { type: 'heap', pprof: period.heap }];
  const thread = threadLabels();
  const a = await datadogAttachments(profiles, thread);
  const b = datadogAttachmentsSync(profiles, thread);
  t.same(b.attachments.map((x) => x.name), a.attachments.map((x) => x.name));
  t.same(b.customAttributes, a.customAttributes);
  for (let i = 0; i < a.attachments.length; i++) t.same(rows(readGz(b.attachments[i].data)), rows(readGz(a.attachments[i].data)), a.attachments[i].name);
});

t.test('a profile that is not pprof is sent as it came, with its partner, and nothing is reported', async (t) => {
  const junk = new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4]);
  const cpu = makePprof({ type: 'cpu' });
  const errors: string[] = [];
  const [r] = await upload([{ start: START, end: END, profiles: [{ type: 'wall', pprof: junk }, { type: 'cpu', pprof: cpu }] }], { onError: (l) => errors.push(l) });
  const parts = parseMultipart(r.body, r.headers['content-type']);
  t.same(parts.map((p) => p.name), ['event', 'wall.pprof', 'cpu.pprof']);
  t.same(new Uint8Array(parts[1].data), junk);
  t.same(new Uint8Array(parts[2].data), cpu);
  t.same(errors, []);
});

t.test('origin headers: container id, inode only, none; bad values refused', async (t) => {
  const one: ProfileBatch = { start: START, end: END, profiles: [{ type: 'wall', pprof: makePprof() }] };
  const [withInode] = await upload([one], { origin: { entityId: 'in-123456' } });
  t.equal(withInode.headers['datadog-container-id'], undefined);
  t.equal(withInode.headers['datadog-entity-id'], 'in-123456');
  const [none] = await upload([one], { origin: {} });
  t.notOk(Object.keys(none.headers).some((h) => h.startsWith('datadog-')), 'no origin: no Datadog-* header');
  const [ext] = await upload([one], { origin: { containerId: CONTAINER, entityId: `ci-${CONTAINER}`, externalEnv: 'it-false,cn-app,pu-1234' } });
  t.equal(ext.headers['datadog-external-env'], 'it-false,cn-app,pu-1234');
  t.throws(() => new DatadogExporter({ service: 's', origin: { containerId: 'a\r\nx: y' } }), /origin.containerId/);
});

t.test('container id from /proc/self/cgroup (v1 and v2) and the entity id', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    [`12:memory:/docker/${CONTAINER}\n1:name=systemd:/docker/${CONTAINER}`, CONTAINER],
    [`0::/docker/${CONTAINER}`, CONTAINER],
    ['1:name=systemd:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod2d3da189_6407_48e3_9ab6_78188d75e609.slice/docker-7b8952daecf4c0e44bbcefe1b5c5ebc7b4839d4eefeccefe694709d3809b6199.scope', '7b8952daecf4c0e44bbcefe1b5c5ebc7b4839d4eefeccefe694709d3809b6199'],
    ['0::/machine.slice/libpod-93afc7bc3ce42ad052d2926ffacfba941803bfae080941d1e1375d9d46b6a281.scope/container', '93afc7bc3ce42ad052d2926ffacfba941803bfae080941d1e1375d9d46b6a281'],
    ['10:hugetlb:/kubepods/burstable/podfd52ef25-a87d-11e9-9423-0800271a638e/8c046cb0b72cd4c99f51b5591cd5b095967f58ee003710a45280c28ee1a9c7fa', '8c046cb0b72cd4c99f51b5591cd5b095967f58ee003710a45280c28ee1a9c7fa'],
    ['1:name=systemd:/ecs/34dc0b5e626f2c5c4c5170e34b10e765-1234567890', '34dc0b5e626f2c5c4c5170e34b10e765-1234567890'],
    ['1:name=systemd:/uuid/34dc0b5e-626f-2c5c-4c51-70e34b10e765', '34dc0b5e-626f-2c5c-4c51-70e34b10e765'],
    ['1:name=systemd:/system.slice/garden.service/garden/6f265890-5165-7fab-6b52-18d1', '6f265890-5165-7fab-6b52-18d1'],
    ['1:name=systemd:/nope\n2:pids:/docker/' + CONTAINER + '\n3:cpu:/invalid', CONTAINER],
    ['13:name=systemd:/docker/3726184226f5d3147c25fdeab5b60097e378e8a720503a5e19ecfdf29f86986', undefined],
    [`13:name=systemd:/docker/${CONTAINER.toUpperCase()}`, undefined],
    ['4:memory:/process_api/999b524d2998ca49e93c79031baca9f2\n0::/', undefined],
    ['', undefined],
  ];
  for (const [text, id] of cases) t.equal(parseContainerId(text), id, JSON.stringify(text.slice(0, 60)));
  t.equal(cgroupNodePath('0::/'), '/sys/fs/cgroup', 'v2: the unified hierarchy');
  t.equal(cgroupNodePath('0::/system.slice/app.service\n'), '/sys/fs/cgroup/system.slice/app.service');
  t.equal(cgroupNodePath('5:cpu,cpuacct:/x\n4:memory:/user.slice/s.scope\n0::/'), '/sys/fs/cgroup/memory/user.slice/s.scope', 'v1: the memory controller');
  t.equal(cgroupNodePath('0:cpu:/x\n5:pids:/y'), undefined, 'v1 without memory: none (a hierarchy id of 0 is not v2)');

  const fake = (cgroup: string | undefined, inodes: Record<string, string>): CgroupFiles => ({ read: (p) => (p === '/proc/self/cgroup' ? cgroup : undefined), inode: (p) => inodes[p] });
  const NS = '/proc/self/ns/cgroup';
  t.same(detectOrigin(fake(`0::/docker/${CONTAINER}`, {}), undefined), { containerId: CONTAINER, entityId: `ci-${CONTAINER}` });
  t.same(detectOrigin(fake('0::/', { [NS]: '4026532281', '/sys/fs/cgroup': '7890' }), 'it-false'), { externalEnv: 'it-false', entityId: 'in-7890' }, 'private cgroup namespace: the inode');
  t.same(detectOrigin(fake('0::/user.slice', { [NS]: String(0xeffffffb), '/sys/fs/cgroup/user.slice': '55' }), undefined), {}, 'host cgroup namespace: no inode');
  t.same(detectOrigin(fake(undefined, {}), 'a\nb'), {}, 'no /proc, and an external env that cannot be a header');
});

t.test('the checker refuses the exporter\'s previous format', async (t) => {
  // What datadog.ts sent before: one attachment per wasmprof type, wasmprof's sample types, no
  // thread labels, no runtime-id or profile_seq, no origin headers.
  const period = await wasmprofPeriod();
  const tags = `service:s,language:javascript,runtime:nodejs,runtime_version:${process.version},runtime_arch:x64,runtime_os:linux,process_id:1,profiler:wasmprof,profiler_version:0.1.0,format:pprof`;
  const event = { attachments: ['wall.pprof', 'cpu.pprof', 'heap.pprof'], start: START.toISOString(), end: END.toISOString(), family: 'node', version: '4', tags_profiler: tags };
  const mp = encodeMultipart([
    { name: 'event', filename: 'event.json', contentType: 'application/json', data: JSON.stringify(event) },
    ...(['wall', 'cpu', 'heap'] as const).map((k) => ({ name: `${k}.pprof`, filename: `${k}.pprof`, contentType: 'application/octet-stream', data: period[k] })),
  ]);
  const old = intake({ method: 'POST', url: new URL('http://127.0.0.1/profiling/v1/input'), headers: { 'content-type': mp.contentType, 'dd-evp-origin': 'wasmprof', 'dd-evp-origin-version': '0.1.0' }, body: Buffer.from(mp.body) });
  t.same(old.problems, [
    'tags_profiler has no runtime-id',
    'tags_profiler has no profile_seq',
    'wall.pprof sample types samples/count,wall/nanoseconds, expected sample/count,wall/nanoseconds,cpu/nanoseconds',
    `wall.pprof: ${old.profiles.get('wall.pprof')!.sample.length} of ${old.profiles.get('wall.pprof')!.sample.length} samples without thread name / thread id labels`,
    'cpu.pprof: dd-trace-js sends no such attachment for Node (cpu is in wall.pprof, the heap is space.pprof)',
    'heap.pprof: dd-trace-js sends no such attachment for Node (cpu is in wall.pprof, the heap is space.pprof)',
  ]);
});
