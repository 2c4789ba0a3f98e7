// `--profiles` of `wasmprof record` with native-heap split off (it is recorded by the preload
// library and an aggregator, not by the Node profiler). Kept apart from record.ts so that the
// command can parse its flags without loading the native-heap recorder.
export type { NativeHeapRecording } from './record.js';

/** Splits `native-heap` out of a --profiles list; `rest` is undefined when nothing else is left. */
export function splitNativeHeap(list: string | undefined): { nativeHeap: boolean; rest: string | undefined } {
  if (list === undefined) return { nativeHeap: false, rest: undefined };
  const items = list.split(',').map((s) => s.trim()).filter((s) => s);
  const rest = items.filter((s) => s !== 'native-heap');
  return { nativeHeap: rest.length !== items.length, rest: rest.length > 0 ? rest.join(',') : rest.length === items.length ? list : undefined };
}
