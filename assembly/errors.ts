// Error codes. Exports return them negated, and the last one stays in the header (LC_ERROR, with
// two detail words) until cleared, so the host can say exactly what was wrong without the core
// building any message. scripts/gen-layout.mjs copies every ERR_* below (but ERR_NONE) into
// sdk/core/layout.generated.ts as CoreErrorCode, where sdk/core/errors.ts gives each a message:
// a code added here is a code the SDK knows about after `npm run build:core`.
import { LC_ERROR, LC_ERROR_DETAIL, LC_ERROR_DETAIL2, hset } from "./layout";

export const ERR_NONE: i32 = 0;
export const ERR_NO_MEMORY: i32 = 1;
export const ERR_NOT_CONFIGURED: i32 = 2;
export const ERR_BAD_ARGUMENT: i32 = 3;
export const ERR_BAD_HANDLE: i32 = 4;
// Snapshot decoding (snapshot-decode.ts); the details say which section and which item.
export const ERR_SNAP_TRUNCATED: i32 = 10;
export const ERR_SNAP_MAGIC: i32 = 11;
export const ERR_SNAP_VERSION: i32 = 12;
export const ERR_SNAP_CHECKSUM: i32 = 13;
export const ERR_SNAP_TRAILING: i32 = 14;
export const ERR_SNAP_LENGTH: i32 = 15;
export const ERR_SNAP_COUNT: i32 = 16;
export const ERR_SNAP_INDEX: i32 = 17;
export const ERR_SNAP_VARINT: i32 = 18;
export const ERR_SNAP_FLAGS: i32 = 19;
export const ERR_SNAP_DUP_OWNER: i32 = 20;
export const ERR_SNAP_BUDGET: i32 = 21;
export const ERR_SNAP_DEPTH: i32 = 22;
export const ERR_LIVE_EXPORTING: i32 = 23;
// Which part of a snapshot a decoding error is about: the first detail word of
// ERR_SNAP_LENGTH, ERR_SNAP_COUNT and ERR_SNAP_INDEX (the second is the item's index).
export const SECTION_HEADER: u32 = 0;
export const SECTION_STRING: u32 = 1;
export const SECTION_FRAME: u32 = 2;
export const SECTION_STACK: u32 = 3;
export const SECTION_OWNER: u32 = 4;
export const SECTION_ENTRY: u32 = 5;

// 24 was a "duplicate address" snapshot error that nothing raised: an address repeated within an
// owner is restored as a conflict, the later entry winning (docs/snapshot-format.md). Not reused,
// so that an old host never reads a new meaning into it.

/** Records the error for lastError*() and returns it negated, for `return setError(...)`. */
export function setError(code: i32, detail: u32, detail2: u32): i32 {
  hset(LC_ERROR, <u32>code);
  hset(LC_ERROR_DETAIL, detail);
  hset(LC_ERROR_DETAIL2, detail2);
  return -code;
}
