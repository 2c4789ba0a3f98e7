// start(): validates the options, picks the exporter and the stack source (one warning line when
// the native bridge is unavailable), creates a core, and starts a profiler — one per thread.
import { Core } from '../core/core.js';
import { createExporterFromEnv } from '../export/index.js';
import { warnOnce } from '../runtime/report.js';
import { selectSource, selectSourceNow, type SourceFactories } from '../sources/select.js';
import type { Exporter } from '../export/index.js';
import { processEnv, resolveOptions, type ResolvedOptions } from './options.js';
import { activeProfiler, ProfilerImpl, setActive } from './profiler.js';
import type { Profiler, ProfilerOptions, StartContext } from './types.js';

export async function start(options: ProfilerOptions = {}): Promise<Profiler> {
  return startProfiler(options);
}

/** start() with the implementation's extra surface (stopSync for exit handlers). */
export async function startProfiler(options: ProfilerOptions = {}, context: StartContext = {}): Promise<ProfilerImpl> {
  const { resolved, exporter } = prepare(options);
  const sources = await selectSource(resolved.source);
  if (sources.fallbackReason !== undefined) warnOnce('stack source', `wasmprof: native V8 bridge unavailable: ${sources.fallbackReason}`);
  const core = await Core.create({ frameCacheCapacity: resolved.frameCacheCapacity, pid: process.pid });
  const profiler = create(resolved, exporter, sources, core, options, context);
  try {
    await profiler.begin();
  } catch (err) {
    setActive(undefined);
    await profiler.abort();
    throw err;
  }
  return profiler;
}

/**
 * startProfiler for a CommonJS preload, which cannot wait: with the native source, sampling runs
 * when this returns (the promise settles once the start is confirmed). Undefined when only
 * startProfiler can start these options here (nothing has been started then).
 */
export function startProfilerNow(options: ProfilerOptions = {}, context: StartContext = {}): Promise<ProfilerImpl> | undefined {
  const { resolved, exporter } = prepare(options);
  if (resolved.profiles.includes('native-heap')) return undefined;
  const sources = selectSourceNow(resolved.source);
  if (!sources) return undefined;
  if (sources.fallbackReason !== undefined) warnOnce('stack source', `wasmprof: native V8 bridge unavailable: ${sources.fallbackReason}`);
  const core = Core.createNow({ frameCacheCapacity: resolved.frameCacheCapacity, pid: process.pid });
  const profiler = create(resolved, exporter, sources, core, options, context);
  return profiler.beginNow().then(() => profiler, async (err: unknown) => {
    setActive(undefined);
    await profiler.abort();
    throw err;
  });
}

function prepare(options: ProfilerOptions): { resolved: ResolvedOptions; exporter: Exporter | undefined } {
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
  return { resolved, exporter };
}

function create(resolved: ResolvedOptions, exporter: Exporter | undefined, sources: SourceFactories, core: Core,
  options: ProfilerOptions, context: StartContext): ProfilerImpl {
  // One writer per directory: the file exporter, when chosen, writes WASMPROF_OUTPUT_DIR itself.
  const writeFiles = exporter?.stats().kind !== 'file';
  const profiler = new ProfilerImpl(writeFiles ? resolved : { ...resolved, outputDir: undefined }, sources, core, options.onPeriod, exporter, context);
  setActive(profiler);
  return profiler;
}

