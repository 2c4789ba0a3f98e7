// Node built-in modules that only some paths need, loaded at their first use. A static import
// would load them (and what they load: child_process brings net and dgram, fs/promises brings
// readline) in every process at start, which a process that never uploads, never falls back to
// node:inspector and never reads a file asynchronously should not pay for.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** A getter for built-in `name`, required on its first call. */
export function builtin<T>(name: `node:${string}`): () => T {
  let module: T | undefined;
  return () => (module ??= load(name) as T);
}
