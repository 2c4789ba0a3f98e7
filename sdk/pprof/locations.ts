// Core frames → pprof functions and locations, shared by every pprof builder (JS profiles and
// native-heap). One location per core frame; functions are shared by frames with the same
// name, file and line; a stack's location list is built once per stack handle.
import { Function as PprofFunction, Line, Location } from 'pprof-format';
import type { CoreTables } from '../core/core.js';

export class PprofLocations {
  readonly functions: PprofFunction[] = [];
  readonly locations: Location[] = [];
  private readonly functionIds = new Map<string, number>();
  private readonly locationIds = new Map<number, number>();
  private readonly stackIds = new Map<number, number[]>();

  constructor(private readonly tables: CoreTables, private readonly str: (s: string) => number) {}

  /** The location id of a core frame (lines below 1, e.g. native frames, become 0: unknown). */
  location(frameId: number): number {
    let id = this.locationIds.get(frameId);
    if (id !== undefined) return id;
    const f = this.tables.frame(frameId);
    const line = Math.max(0, f.line);
    const key = `${f.name}\u0000${f.file}\u0000${line}`;
    let fnId = this.functionIds.get(key);
    if (fnId === undefined) {
      fnId = this.functions.length + 1;
      this.functions.push(new PprofFunction({ id: fnId, name: this.str(f.name), systemName: this.str(f.name), filename: this.str(f.file), startLine: line }));
      this.functionIds.set(key, fnId);
    }
    id = this.locations.length + 1;
    this.locations.push(new Location({ id, line: [new Line({ functionId: fnId, line })] }));
    this.locationIds.set(frameId, id);
    return id;
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
