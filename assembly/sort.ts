// In-place heapsort of u32 items by (f64 key, u32 tie) ascending: no allocation, O(n log n)
// worst case, deterministic. Used by the snapshot budget to pick what to drop first.

// @ts-ignore: decorator
@inline function less(keys: usize, ties: usize, a: u32, b: u32): bool {
  const ka = load<f64>(keys + (<usize>a << 3)), kb = load<f64>(keys + (<usize>b << 3));
  if (ka != kb) return ka < kb;
  if (ties == 0) return a < b;
  return load<u32>(ties + (<usize>a << 2)) < load<u32>(ties + (<usize>b << 2));
}

function siftDown(items: usize, keys: usize, ties: usize, start: u32, n: u32): void {
  let root = start;
  while (true) {
    let child = root * 2 + 1;
    if (child >= n) return;
    const c0 = load<u32>(items + (<usize>child << 2));
    if (child + 1 < n && less(keys, ties, c0, load<u32>(items + (<usize>(child + 1) << 2)))) child++;
    const r = load<u32>(items + (<usize>root << 2));
    const c = load<u32>(items + (<usize>child << 2));
    if (!less(keys, ties, r, c)) return;
    store<u32>(items + (<usize>root << 2), c);
    store<u32>(items + (<usize>child << 2), r);
    root = child;
  }
}

/** Sorts `n` u32 values at `items`; value v has key keys[v] (f64) and tie ties[v] (u32), or v
 *  itself when ties is 0. */
export function sortByKey(items: usize, n: u32, keys: usize, ties: usize): void {
  if (n < 2) return;
  let start = n >>> 1;
  while (start > 0) { start--; siftDown(items, keys, ties, start, n); }
  let end = n - 1;
  while (end > 0) {
    const a = load<u32>(items);
    store<u32>(items, load<u32>(items + (<usize>end << 2)));
    store<u32>(items + (<usize>end << 2), a);
    siftDown(items, keys, ties, 0, end);
    end--;
  }
}
