// Frame table: a frame is (function, file, mapping, line, column), interned by content so that
// a key evicted from the frame cache and stored again maps to the same frame id, and ids handed
// out stay valid forever (copy-out: eviction removes a cache key, never a frame). Payload:
//   +8 name string id, +12 file string id, +16 mapping string id, +20 line i32, +24 column i32
// (FRAME_* below; the host reads them through sdk/core/layout.generated.ts).
import { tdesc, thead, tentry, tappend, tcount } from "./table";
import { T_FRAMES } from "./layout";
import { combine, mix32 } from "./hash";
import { stringIntern } from "./strings";
import { frameCacheStore } from "./frame-cache";

export const FRAME_ENTRY_SIZE: u32 = 28;
export const FRAME_NAME: usize = 8;
export const FRAME_FILE: usize = 12;
export const FRAME_MAPPING: usize = 16;
export const FRAME_LINE: usize = 20;
export const FRAME_COLUMN: usize = 24;

// @ts-ignore: decorator
@inline export function frameCount(): u32 { return tcount(tdesc(T_FRAMES)); }

export function frameIntern(name: u32, file: u32, mapping: u32, line: i32, col: i32): i32 {
  const hash = combine(combine(combine(combine(mix32(name), file), mapping), <u32>line), <u32>col);
  const t = tdesc(T_FRAMES);
  let i = thead(t, hash);
  while (i != 0) {
    const e = tentry(t, i - 1);
    if (load<u32>(e, 4) == hash && load<u32>(e, FRAME_NAME) == name && load<u32>(e, FRAME_FILE) == file &&
        load<u32>(e, FRAME_MAPPING) == mapping && load<i32>(e, FRAME_LINE) == line && load<i32>(e, FRAME_COLUMN) == col) return <i32>(i - 1);
    i = load<u32>(e);
  }
  const idx = tappend(t, hash);
  if (idx < 0) return -1;
  const e = tentry(t, <u32>idx);
  store<u32>(e, name, FRAME_NAME); store<u32>(e, file, FRAME_FILE); store<u32>(e, mapping, FRAME_MAPPING);
  store<i32>(e, line, FRAME_LINE); store<i32>(e, col, FRAME_COLUMN);
  return idx;
}

/** Interns a frame given as UTF-8 strings (pointer, length) and caches key -> frame: what the
 *  host's frameStore() and a capture's full records both do. Frame id, or -1 out of memory. */
export function frameStoreBytes(keyLo: u32, keyHi: u32, namePtr: usize, nameLen: u32, filePtr: usize, fileLen: u32,
                                mapPtr: usize, mapLen: u32, line: i32, column: i32): i32 {
  const name = stringIntern(namePtr, nameLen), file = stringIntern(filePtr, fileLen), map = stringIntern(mapPtr, mapLen);
  if (name < 0 || file < 0 || map < 0) return -1;
  const id = frameIntern(<u32>name, <u32>file, <u32>map, line, column);
  return id < 0 || !frameCacheStore(keyLo, keyHi, <u32>id) ? -1 : id;
}
