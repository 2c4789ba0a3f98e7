// The core imports nothing from its host (not even `env.abort`), so that the same core.wasm
// instantiates unchanged in Node, Deno and browsers with an empty import object. An
// assertion failure records where it happened in a fixed low-memory slot the SDK can read
// after the trap, then traps.
import { ABORT_SLOT } from "./layout";

export function coreAbort(message: string | null, file: string | null, line: u32, column: u32): void {
  store<u32>(ABORT_SLOT, changetype<usize>(message));
  store<u32>(ABORT_SLOT, changetype<usize>(file), 4);
  store<u32>(ABORT_SLOT, line, 8);
  store<u32>(ABORT_SLOT, column, 12);
  unreachable();
}
