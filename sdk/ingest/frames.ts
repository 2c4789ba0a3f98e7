// V8 call frames → core frame ids, through the core's frame cache (an LRU). A hit costs one core call;
// only a miss builds the frame's strings (file name, 1-based line, source-mapped position) and
// stores them. Frame ids stay valid after their cache entry is evicted (the core copies frames
// out), so a period may hold ids whose keys are gone.
import type { Core, FrameInfo } from '../core/core.js';
import { callFrameKey } from './frame-key.js';
import { displayFile, type SourceMapResolver } from './source-maps.js';
import type { CallFrameInfo } from '../sources/types.js';

/** Names V8 gives to frames that are not JavaScript functions. */
export const IDLE = '(idle)';
export const ROOT = '(root)';

export function frameInfo(f: CallFrameInfo, maps: SourceMapResolver | undefined): FrameInfo {
  const name = f.functionName === '' ? '(anonymous)' : f.functionName;
  if (f.url === '') return { name, file: '', mapping: '', line: 0, column: 0 };
  const original = maps?.resolve(f.url, f.lineNumber, f.columnNumber);
  if (original) {
    // The V8 name is kept unless the map names the original identifier (minified bundles).
    const mapped = original.name && /^[A-Za-z_$]/.test(original.name) && original.name !== name ? original.name : name;
    return { name: mapped, file: original.file, mapping: '', line: original.line, column: original.column };
  }
  return { name, file: displayFile(f.url), mapping: '', line: f.lineNumber + 1, column: f.columnNumber + 1 };
}

export class FrameInterner {
  /** Misses of the current period (frames built and stored). */
  misses = 0;

  constructor(private readonly core: Core, private readonly maps: SourceMapResolver | undefined) {}

  /** The frame id of a call frame. Source maps of its script must have been prepared. */
  frame(f: CallFrameInfo): number {
    const [lo, hi] = callFrameKey(f);
    const id = this.core.lookupFrame(lo, hi);
    if (id >= 0) return id;
    this.misses++;
    return this.core.storeFrame(lo, hi, frameInfo(f, this.maps));
  }
}
