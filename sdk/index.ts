// wasmprof: an always-on profiler for Node whose hot-path data structures live in WebAssembly.
//
//   import { start } from 'wasmprof';
//   const profiler = await start({ profiles: ['wall', 'cpu', 'heap'], outputDir: './profiles' });
//   await profiler.runWithLabels({ route: '/users' }, () => handle(req));
//   const { wall, cpu, heap } = await profiler.collect();   // gzipped pprof of the period just ended
//   await profiler.stop();
//
// Every option can also be set through a WASMPROF_* environment variable: docs/configuration.md.
export { start } from './profiler/start.js';
export type { Profiler, ProfilerOptions, PeriodResult, PeriodStats } from './profiler/types.js';
export { WasmprofOptionError, resolveOptions, PROFILE_TYPES, ENV, DEFAULTS, LIMITS } from './profiler/options.js';
/** The one error for a bad option or WASMPROF_* value (WasmprofOptionError and the exporters' ExporterConfigError are its subclasses). */
export { ConfigError } from './config/error.js';
export type { ProfileType, StartOptions, ResolvedOptions, StaticLabels, SourceChoice } from './profiler/options.js';
export type { Labels } from './sources/labels.js';
export { profileFileName } from './export/file-writer.js';
// Native heap (LD_PRELOAD hooks + aggregator): in-process entry point for a preloaded service.
export { startNativeHeap, type NativeHeapStartOptions, type NativeHeapProfiler } from './native-heap/index.js';
