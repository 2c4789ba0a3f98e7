// Small helpers shared by the core's test cases.
import { Core, type CoreOptions, type FrameInfo } from '../../sdk/core.js';
import type { CaseContext } from './harness.js';

export function newCore(ctx: CaseContext, options: CoreOptions = {}): Core {
  return Core.instantiate(ctx.module, { seed: 12345, pid: 100, ...options });
}

export function frame(name: string, line = 1, file = 'app.js'): FrameInfo {
  return { name, file, mapping: '', line, column: 0 };
}

/** Interns a stack of named frames given leaf first, each with its own cache key. */
export function stackOf(core: Core, names: string[]): number {
  const ids = names.map((n) => core.internFrame(frame(n)));
  return core.internStack(ids);
}

/** Names of a stack's frames, leaf first, read through the tables. */
export function stackNames(core: Core, handle: number): string[] {
  const t = core.tables();
  return t.stackFrames(handle).map((f) => t.frame(f).name);
}

/** A small deterministic PRNG for test data (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Everything observable about the live map, in a canonical order, for before/after checks. */
export function liveDigest(core: Core): unknown {
  const t = core.tables();
  const entries = t.liveEntries().map((e) => ({
    owner: e.owner, address: e.address.toString(), size: e.size, time: e.time,
    frames: t.stackFrames(e.stack).map((f) => t.frame(f)),
  }));
  entries.sort((a, b) => a.owner - b.owner || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const owners = t.owners().sort((a, b) => a.owner - b.owner);
  const s = core.stats().live;
  return { entries, owners, tracked: s.tracked, conflicts: s.conflicts, unmatched: s.unmatchedFrees };
}

export function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
