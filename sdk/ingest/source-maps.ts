// Frames of transpiled code (TypeScript, bundles) mapped back to the original file, line and name.
//
// For each script (by the URL V8 reports) the map is found once and cached, the miss included:
//   1. Node's own source-map cache (`module.findSourceMap`), filled when the process runs with
//      --enable-source-maps — this also covers code that a loader transformed in memory;
//   2. otherwise the script file's last `//# sourceMappingURL=` comment: an inline `data:` URL or a
//      .map file next to the script.
// Loading is asynchronous (prepare) so a period rotation does not block on disk; an exiting
// process uses prepareSync. resolve() itself is synchronous and never touches the disk.
import { TraceMap, originalPositionFor, type SourceMapInput } from '@jridgewell/trace-mapping';
import { findSourceMap } from 'node:module';
import { dirname, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readText, readTextSync } from '../runtime/node.js';

export interface OriginalPosition {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** The original identifier at that position, when the map records one. */
  name?: string;
}

const MAX_SCRIPT_BYTES = 64 * 1024 * 1024;
const COMMENT = /\/[/*][#@]\s*sourceMappingURL=([^\s'"*]+)\s*(?:\*\/\s*)?$/;

/** The local path of a script URL V8 reports, or undefined for node:, eval, http and empty URLs. */
export function scriptPath(url: string): string | undefined {
  if (url.startsWith('file://')) {
    try { return fileURLToPath(url); } catch { return undefined; }
  }
  return url.startsWith('/') ? url : undefined;
}

/** How a script URL is shown in profiles: a path for local files, the URL otherwise. */
export function displayFile(url: string): string {
  return scriptPath(url) ?? url;
}

function lastMappingUrl(source: string): string | undefined {
  // Only the tail matters; inline maps can be long, so look at the last line that has a comment.
  let end = source.length;
  for (let tries = 0; tries < 4 && end > 0; tries++) {
    const start = source.lastIndexOf('\n', end - 1) + 1;
    const line = source.slice(start, end).trim();
    end = start - 1;
    if (line === '') continue;
    const m = COMMENT.exec(line);
    if (m) return m[1];
    if (!line.startsWith('//')) return undefined;
  }
  return undefined;
}

function decodeDataUrl(url: string): string | undefined {
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const meta = url.slice(5, comma);
  const data = url.slice(comma + 1);
  try {
    return meta.endsWith(';base64') ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data);
  } catch {
    return undefined;
  }
}

interface Found { json: string; mapUrl: string }

type Reader = (path: string) => string | undefined | Promise<string | undefined>;

/**
 * wasmprof's own compiled files: their frames keep the compiled position. Reading and decoding
 * our maps cost ~20 ms in every short-lived process (its samples are mostly wasmprof starting
 * and writing), for frames nobody debugs through a map.
 */
const OWN_FILES = new URL('../', import.meta.url).href; // .../sdk/ (compiled or not)
/** The CommonJS preload: its bundle (dist/register.cjs, ~340 KB, read at every exit only to find
 *  no map), its loader and the package root's shim. From dist/sdk/ingest/ these are ../../ and
 *  ../../../; from sdk/ingest/ (tests run the sources) ../../register.cjs is the shim and the
 *  others name nothing. */
const OWN_BUNDLES = new Set(['../../register.cjs', '../../register-loader.cjs', '../../../register.cjs'].flatMap((rel) => {
  const url = new URL(rel, import.meta.url);
  return [url.href, fileURLToPath(url)]; // V8 names a CommonJS script by its path
}));

/** Node fills its source-map cache only while source maps are enabled (--enable-source-maps,
 *  process.setSourceMapsEnabled): otherwise there is nothing to ask it for. Runtimes without the
 *  property (Deno) are asked. */
function nodeCacheInUse(): boolean {
  return (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled !== false;
}

export class SourceMapResolver {
  private readonly maps = new Map<string, TraceMap | null>();
  private readonly pending = new Map<string, Promise<void>>();
  /** Maps loaded and failed, for the profile's comments. */
  readonly stats = { loaded: 0, missing: 0, failed: 0 };

  constructor(private readonly maxScripts = 4096) {}

  /** Loads the maps of these script URLs (those not yet known), without blocking. */
  async prepare(urls: Iterable<string>): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const url of urls) {
      if (this.settled(url)) continue;
      let p = this.pending.get(url);
      if (!p) {
        p = this.load(url, readText).then((m) => { this.remember(url, m); }, () => { this.remember(url, null); })
          .finally(() => this.pending.delete(url));
        this.pending.set(url, p);
      }
      waits.push(p);
    }
    await Promise.all(waits);
  }

  /** Same as prepare, blocking (for the last period of an exiting process). */
  prepareSync(urls: Iterable<string>): void {
    for (const url of urls) {
      if (this.settled(url)) continue;
      let found: TraceMap | null = null;
      try {
        const r = this.loadSync(url);
        found = r;
      } catch {
        found = null;
      }
      this.remember(url, found);
    }
  }

  /** The original position of a 0-based (line, column) in a script, if a map covers it. */
  resolve(url: string, line0: number, column0: number): OriginalPosition | undefined {
    const map = this.maps.get(url);
    if (!map || line0 < 0) return undefined; // no position (Deno reports line -1 for some frames)
    const pos = originalPositionFor(map, { line: line0 + 1, column: Math.max(0, column0) });
    if (pos.source === null || pos.line === null) return undefined;
    return {
      file: displayFile(pos.source),
      line: pos.line,
      column: (pos.column ?? 0) + 1,
      name: pos.name ?? undefined,
    };
  }

  has(url: string): boolean { return this.maps.has(url); }

  /** Whether url's answer is known without loading: cached, or one of wasmprof's own files. */
  private settled(url: string): boolean {
    if (this.maps.has(url)) return true;
    if (!url.startsWith(OWN_FILES) && !OWN_BUNDLES.has(url)) return false;
    this.remember(url, null);
    return true;
  }

  /** Scripts whose answer (a map or none) is cached. */
  get size(): number { return this.maps.size; }

  private remember(url: string, map: TraceMap | null): void {
    if (this.maps.size >= this.maxScripts) {
      const oldest = this.maps.keys().next().value;
      if (oldest !== undefined) this.maps.delete(oldest);
    }
    this.maps.set(url, map);
    if (map) this.stats.loaded++;
  }

  private fromNodeCache(url: string, path: string): Found | undefined {
    if (!nodeCacheInUse()) return undefined;
    for (const key of [url, path]) {
      try {
        const sm = findSourceMap(key);
        if (sm) return { json: JSON.stringify(sm.payload), mapUrl: pathToFileURL(path).href };
      } catch {
        // not cached under this key
      }
    }
    return undefined;
  }

  private locate(path: string, source: string | undefined): { inline?: string; mapPath?: string } | undefined {
    if (source === undefined || source.length > MAX_SCRIPT_BYTES) return undefined;
    const ref = lastMappingUrl(source);
    if (!ref) return undefined;
    if (ref.startsWith('data:')) {
      const json = decodeDataUrl(ref);
      return json === undefined ? undefined : { inline: json };
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(ref) && !ref.startsWith('file:')) return undefined; // http: etc.
    const mapPath = ref.startsWith('file:') ? fileURLToPath(ref) : resolvePath(dirname(path), decodeURI(ref));
    return { mapPath };
  }

  private build(found: Found | undefined): TraceMap | null {
    if (!found) { this.stats.missing++; return null; }
    try {
      return new TraceMap(found.json as SourceMapInput, found.mapUrl);
    } catch {
      this.stats.failed++;
      return null;
    }
  }

  private async load(url: string, read: Reader): Promise<TraceMap | null> {
    const path = scriptPath(url);
    if (!path) return null;
    const cached = this.fromNodeCache(url, path);
    if (cached) return this.build(cached);
    const where = this.locate(path, await read(path));
    if (!where) return this.build(undefined);
    if (where.inline !== undefined) return this.build({ json: where.inline, mapUrl: pathToFileURL(path).href });
    const json = await read(where.mapPath!);
    return this.build(json === undefined ? undefined : { json, mapUrl: pathToFileURL(where.mapPath!).href });
  }

  private loadSync(url: string): TraceMap | null {
    const path = scriptPath(url);
    if (!path) return null;
    const cached = this.fromNodeCache(url, path);
    if (cached) return this.build(cached);
    const where = this.locate(path, readTextSync(path));
    if (!where) return this.build(undefined);
    if (where.inline !== undefined) return this.build({ json: where.inline, mapUrl: pathToFileURL(path).href });
    const json = readTextSync(where.mapPath!);
    return this.build(json === undefined ? undefined : { json, mapUrl: pathToFileURL(where.mapPath!).href });
  }
}
