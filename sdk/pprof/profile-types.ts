// The profile types wasmprof writes, one pprof file each per period.

/** Profiles of the JavaScript thread (V8 CPU profiler and sampling heap profiler). */
export type JsProfileType = 'wall' | 'cpu' | 'heap';
/** native-heap: allocations seen by the preloaded hooks (docs/native-heap.md), drained in-process. */
export type ProfileType = JsProfileType | 'native-heap';
export const PROFILE_TYPES: readonly ProfileType[] = ['wall', 'cpu', 'heap', 'native-heap'];
