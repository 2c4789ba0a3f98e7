// Core frames → pprof functions and locations, shared by every pprof builder (JS profiles and
// native-heap). One location per core frame; functions are shared by frames with the same
// name, file and line; a stack's location list is built once per stack handle.
import { Function as PprofFunction, Line, Location, Mapping } from 'pprof-format';
import type { CoreTables } from '../core/core.js';

/** Native frames: the address and the mapped object (with its build id), so tools can re-symbolize. */
export interface LocationExtras {
  native(frameId: number): {
    address: bigint;
    mapping: { start: bigint; limit: bigint; offset: bigint; file: string; buildId: string; hasLines: boolean };
    /** Source lines from debug info, innermost (inlined) first; replace the frame's own name and line. */
    lines?: ReadonlyArray<{ name: string; file: string; line: number }>;
  } | undefined;
}

export class PprofLocations {
  readonly functions: PprofFunction[] = [];
  readonly locations: Location[] = [];
  readonly mappings: Mapping[] = [];
  private readonly mappingIds = new Map<string, number>();
  private readonly functionIds = new Map<string, number>();
  private readonly locationIds = new Map<number, number>();
  private readonly stackIds = new Map<number, number[]>();

  constructor(private readonly tables: CoreTables, private readonly str: (s: string) => number, private readonly extras?: LocationExtras) {}

  private mappingOf(frameId: number): { mappingId: number; address: bigint } | undefined {
    const n = this.extras?.native(frameId);
    if (!n) return undefined;
    const m = n.mapping;
    const key = `${m.file}\u0000${m.start}`;
    let id = this.mappingIds.get(key);
    if (id === undefined) {
      id = this.mappings.length + 1;
      this.mappings.push(new Mapping({ id, memoryStart: m.start, memoryLimit: m.limit, fileOffset: m.offset, filename: this.str(m.file), buildId: this.str(m.buildId), hasFunctions: true, hasFilenames: m.hasLines, hasLineNumbers: m.hasLines }));
      this.mappingIds.set(key, id);
    }
    return { mappingId: id, address: n.address };
  }

  /** The location id of a core frame (lines below 1, e.g. native frames, become 0: unknown). */
  location(frameId: number): number {
    let id = this.locationIds.get(frameId);
    if (id !== undefined) return id;
    const f = this.tables.frame(frameId);
    const debug = this.extras?.native(frameId)?.lines;
    const lines = debug && debug.length > 0 ? debug : [f];
    id = this.locations.length + 1;
    this.locations.push(new Location({ id, line: lines.map((l) => new Line({ functionId: this.functionId(l.name, l.file, l.line), line: Math.max(0, l.line) })), ...this.mappingOf(frameId) }));
    this.locationIds.set(frameId, id);
    return id;
  }

  private functionId(name: string, file: string, rawLine: number): number {
    const line = Math.max(0, rawLine);
    const key = `${name}\u0000${file}\u0000${line}`;
    let fnId = this.functionIds.get(key);
    if (fnId === undefined) {
      fnId = this.functions.length + 1;
      this.functions.push(new PprofFunction({ id: fnId, name: this.str(name), systemName: this.str(name), filename: this.str(file), startLine: line }));
      this.functionIds.set(key, fnId);
    }
    return fnId;
  }

  /** Location ids of a stack handle, leaf first (0, the empty stack, has none). */
  stack(handle: number): number[] {
    let locs = this.stackIds.get(handle);
    if (!locs) {
      locs = handle === 0 ? [] : this.tables.stackFrames(handle).map((f) => this.location(f));
      this.stackIds.set(handle, locs);
    }
    return locs;
  }
}
