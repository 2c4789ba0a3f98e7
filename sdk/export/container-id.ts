// Which container this process runs in, for the Datadog agent's origin detection: over TCP the
// agent cannot see the client's cgroup, so it reads `Datadog-Container-ID` / `Datadog-Entity-ID`
// and attaches the container's (and pod's) tags to the profile. The rules follow Datadog's
// tracers (dd-trace-js exporters/common/docker.js, libdatadog entity_id); docs/exporters.md
// lists the differences. Node-only (node:fs), Linux-only, read once, never throws: anywhere
// else (Deno, macOS, Windows, no /proc) there are simply no headers.
import { readFileSync, readlinkSync, statSync } from 'node:fs';

/** The file system reads detection needs (tests pass fake ones). */
export interface CgroupFiles {
  /** The text of a file; undefined when it cannot be read. */
  read(path: string): string | undefined;
  /** The inode number of a path, in decimal; undefined when it cannot be had. */
  inode(path: string): string | undefined;
}

export interface ContainerOrigin {
  containerId?: string;
  /** `ci-<container id>`, or `in-<cgroup inode>` when the id is not in /proc/self/cgroup. */
  entityId?: string;
  /** DD_EXTERNAL_ENV, set by the agent's admission controller in Kubernetes. */
  externalEnv?: string;
}

// Container ids as they appear at the end of a cgroup path: Docker/containerd/CRI-O (64 hex,
// optionally `docker-<id>.scope`, Podman `libpod-<id>.scope/container`), UUIDs (with - or _),
// Cloud Foundry Garden (8-4-4-4-4) and ECS Fargate tasks (<32 hex>-<digits>). Lower-case only,
// as every Datadog tracer matches them.
const ID = [
  '[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}',
  '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}',
  '[0-9a-f]{64}',
  '[0-9a-f]{32}-\\d+',
].join('|');
const ID_AT_END = new RegExp(`(${ID})(?:\\.scope(?:/[^/ \\t]+)?)? *$`);
const LINE = /^\d+:([^:]*):(.+)$/;

/** The container id in /proc/self/cgroup's text (v1: any controller line; v2: the `0::` line). */
export function parseContainerId(cgroup: string): string | undefined {
  for (const raw of cgroup.split('\n')) {
    const m = LINE.exec(raw.replace(/\r$/, ''));
    const id = m ? ID_AT_END.exec(m[2])?.[1] : undefined;
    if (id) return id;
  }
  return undefined;
}

/** The cgroup directory whose inode the agent knows: under cgroup v1 the memory controller's
 *  (the controller the agent indexes), under v2 the one unified hierarchy (`0::<path>`). */
export function cgroupNodePath(cgroup: string, mount = '/sys/fs/cgroup'): string | undefined {
  let found: string | undefined;
  for (const raw of cgroup.split('\n')) {
    const parts = raw.replace(/\r$/, '').split(':');
    if (parts.length !== 3) continue;
    const controllers = parts[1].split(',');
    const memory = controllers.includes('memory');
    if (!memory && !controllers.includes('')) continue;
    const rel = parts[2].replace(/^\/+|\/+$/g, '');
    found = [mount, memory ? 'memory' : '', rel].filter((s) => s !== '').join('/');
    if (memory) break;
  }
  return found;
}

// Linux's fixed inode of the initial (host) cgroup namespace (include/linux/proc_ns.h): in it,
// the cgroup inode names no container, so it is not sent (as libdatadog does).
const HOST_CGROUP_NS_INODE = String(0xeffffffb);

// Header values end up in an HTTP request: printable ASCII only, or the request would fail.
const HEADER_SAFE = /^[\x20-\x7e\t]+$/;

export function detectOrigin(files: CgroupFiles, externalEnv: string | undefined): ContainerOrigin {
  const out: ContainerOrigin = {};
  if (externalEnv !== undefined && HEADER_SAFE.test(externalEnv)) out.externalEnv = externalEnv;
  const cgroup = files.read('/proc/self/cgroup');
  if (cgroup === undefined) return out;
  const id = parseContainerId(cgroup);
  if (id) {
    out.containerId = id;
    out.entityId = `ci-${id}`;
    return out;
  }
  const ns = files.inode('/proc/self/ns/cgroup');
  if (ns === undefined || ns === HOST_CGROUP_NS_INODE) return out;
  const node = cgroupNodePath(cgroup);
  const inode = node === undefined ? undefined : files.inode(node);
  if (inode !== undefined && inode !== '0') out.entityId = `in-${inode}`;
  return out;
}

const nodeFiles: CgroupFiles = {
  read(path) {
    try { return readFileSync(path, 'utf8'); } catch { return undefined; }
  },
  inode(path) {
    // /proc/self/ns/* are links named `cgroup:[<inode>]`; reading the name works where stat()
    // of the target does not give the namespace inode (gVisor, for one).
    try {
      const m = /\[(\d+)\]$/.exec(readlinkSync(path));
      if (m) return m[1];
    } catch { /* not a link: stat it */ }
    try { return String(statSync(path, { bigint: true }).ino); } catch { return undefined; }
  },
};

let cached: ContainerOrigin | undefined;

/** This process's origin, detected on the first call (Linux under Node only) and kept. */
export function containerOrigin(): ContainerOrigin {
  if (cached) return cached;
  const g = globalThis as { Deno?: unknown; process?: { platform?: string; env?: Record<string, string | undefined> } };
  try {
    // Deno is left out: reading /proc without --allow-read would stop the app at a prompt.
    cached = g.Deno === undefined && g.process?.platform === 'linux'
      ? detectOrigin(nodeFiles, g.process.env?.DD_EXTERNAL_ENV)
      : {};
  } catch {
    cached = {};
  }
  return cached;
}

/** The origin as request headers (what dd-trace-js sets: container id and entity id together,
 *  the entity id alone when only the inode is known, and the external env). */
export function originHeaders(origin: ContainerOrigin): Record<string, string> {
  const h: Record<string, string> = {};
  if (origin.containerId) h['datadog-container-id'] = origin.containerId;
  if (origin.entityId) h['datadog-entity-id'] = origin.entityId;
  if (origin.externalEnv) h['datadog-external-env'] = origin.externalEnv;
  return h;
}

/** Why a caller-given origin value cannot be a header; undefined when it can. */
export function originProblem(origin: ContainerOrigin): string | undefined {
  for (const [k, v] of Object.entries(origin)) {
    if (v !== undefined && (typeof v !== 'string' || !HEADER_SAFE.test(v))) return `origin.${k} must be a non-empty string of printable ASCII`;
  }
  return undefined;
}
