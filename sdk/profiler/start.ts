// start(): validates the options, picks the exporter and the stack source (one warning line when
// the native bridge is unavailable), creates a core, and starts a profiler — one per thread.
import { Core } from '../core/core.js';
import { createExporterFromEnv } from '../export/index.js';
import { warnOnce } from '../runtime/report.js';
import { selectSource } from '../sources/select.js';
import { processEnv, resolveOptions } from './options.js';
import { activeProfiler, ProfilerImpl, setActive } from './profiler.js';
import type { Profiler, ProfilerOptions } from './types.js';

export async function start(options: ProfilerOptions = {}): Promise<Profiler> {
  return startProfiler(options);
}

/** start() with the implementation's extra surface (stopSync for exit handlers). */
export async function startProfiler(options: ProfilerOptions = {}): Promise<ProfilerImpl> {
  const resolved = resolveOptions(options, ['onPeriod', 'exporter']);
  if (options.onPeriod !== undefined && typeof options.onPeriod !== 'function') {
    throw new TypeError('wasmprof: option onPeriod must be a function');
  }
  if (activeProfiler()) throw new Error('wasmprof: a profiler is already running in this thread; stop() it first');
  if (options.exporter !== undefined && options.exporter !== false && (typeof options.exporter !== 'object' || typeof options.exporter.export !== 'function')) {
    throw new TypeError('wasmprof: option exporter must be an exporter (see wasmprof/http and docs/exporters.md) or false');
  }
  // A bad WASMPROF_EXPORTER setting fails start() here, like any other option.
  const exporter = options.exporter === false ? undefined
    : options.exporter ?? createExporterFromEnv(options.env ?? processEnv(), { sampleRate: Math.round(1e6 / resolved.intervalMicros) });
  const sources = await selectSource(resolved.source);
  if (sources.fallbackReason !== undefined) warnOnce('stack source', `wasmprof: native V8 bridge unavailable: ${sources.fallbackReason}`);
  const core = await Core.create({ frameCacheCapacity: resolved.frameCacheCapacity, pid: process.pid });
  // One writer per directory: the file exporter, when chosen, writes WASMPROF_OUTPUT_DIR itself.
  const writeFiles = exporter?.stats().kind !== 'file';
  const profiler = new ProfilerImpl(writeFiles ? resolved : { ...resolved, outputDir: undefined }, sources, core, options.onPeriod, exporter);
  setActive(profiler);
  try {
    await profiler.begin();
  } catch (err) {
    setActive(undefined);
    await profiler.abort();
    throw err;
  }
  return profiler;
}

