// Interned sequences stored as a trie of parent links: stacks (items = frame ids, leaf last
// pushed) and label sets (items = key/value string id pairs). Interning a child of a known
// node is one hash lookup, so turning a V8 profile tree into stacks is O(nodes), and a
// sequence is read back by following parents. Handles are index+1; 0 is the empty sequence.
// Payload: +8 parent handle, +12 item a, +16 item b, +20 depth (TRIE_*, read by the host too).
import { thead, tentry, tappend, tcount } from "./table";
import { combine, mix32 } from "./hash";

export const TRIE_ENTRY_SIZE: u32 = 24;
export const TRIE_PARENT: usize = 8;
export const TRIE_ITEM_A: usize = 12;
export const TRIE_ITEM_B: usize = 16;
export const TRIE_DEPTH: usize = 20;

/** Handle of parent+(a,b); -1 when out of memory, -2 when parent is not a handle. */
export function triePush(t: usize, parent: u32, a: u32, b: u32): i32 {
  if (parent > tcount(t)) return -2;
  const hash = combine(combine(mix32(parent), a), b);
  let i = thead(t, hash);
  while (i != 0) {
    const e = tentry(t, i - 1);
    if (load<u32>(e, 4) == hash && load<u32>(e, TRIE_PARENT) == parent && load<u32>(e, TRIE_ITEM_A) == a && load<u32>(e, TRIE_ITEM_B) == b) return <i32>i;
    i = load<u32>(e);
  }
  const depth: u32 = parent == 0 ? 1 : load<u32>(tentry(t, parent - 1), TRIE_DEPTH) + 1;
  const idx = tappend(t, hash);
  if (idx < 0) return -1;
  const e = tentry(t, <u32>idx);
  store<u32>(e, parent, TRIE_PARENT); store<u32>(e, a, TRIE_ITEM_A); store<u32>(e, b, TRIE_ITEM_B); store<u32>(e, depth, TRIE_DEPTH);
  return idx + 1;
}
