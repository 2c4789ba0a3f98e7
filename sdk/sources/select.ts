// Picks the stack source: the native V8 bridge (sdk/sources/v8-bridge.ts, built from
// native-bridge/v8 at install) when it loads, else node:inspector. The bridge module is imported
// dynamically and may be missing altogether (a build without it); any failure becomes a one-line
// reason for the single fallback warning.
//
// Deno: the bridge is C++ against Node's V8 and is never tried. Stacks come from node:inspector
// (asynchronous there), which Deno grants only with --allow-sys; without it the profiler runs with
// sources that take no samples (profiling off, empty profiles) rather than failing start().
// Either way select-source prints the one warning line itself and leaves fallbackReason unset.
import { calibrateClock, denoVersion, isDeno } from '../runtime/deno.js';
import { AsyncInspectorCpuSource, AsyncInspectorHeapSource, AsyncSession, InspectorCpuSource, InspectorHeapSource, OffCpuSource, OffHeapSource } from './inspector.js';
import type { CpuSource, HeapSource, SourceChoice } from './types.js';
import { messageOf, oneLine, warnOnce } from '../runtime/report.js';

/** What sdk/sources/v8-bridge.ts exports. */
export interface V8BridgeModule {
  loadV8Bridge(): { cpu: () => CpuSource; heap: () => HeapSource } | { error: string };
}

export interface SourceFactories {
  kind: 'native' | 'inspector';
  cpu: () => CpuSource;
  heap: () => HeapSource;
  /** Why the native bridge is not used (auto mode fell back); undefined when it is used or not wanted. */
  fallbackReason?: string;
}


/** Loads the native bridge module, or explains in one line why it cannot. */
export async function loadNativeBridge(importer: () => Promise<unknown> = defaultImporter): Promise<{ cpu: () => CpuSource; heap: () => HeapSource } | { error: string }> {
  let mod: unknown;
  try {
    mod = await importer();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND') return { error: 'sdk/sources/v8-bridge.js is not part of this build; CPU and heap profiles come from node:inspector; fix: reinstall wasmprof' };
    return { error: `cannot import the bridge module: ${oneLine(messageOf(err))}` };
  }
  const load = (mod as Partial<V8BridgeModule> | null)?.loadV8Bridge;
  if (typeof load !== 'function') return { error: 'the bridge module has no loadV8Bridge()' };
  try {
    const r = load();
    if ('error' in r) return { error: oneLine(r.error) };
    return r;
  } catch (err) {
    return { error: oneLine(messageOf(err)) };
  }
}

function defaultImporter(): Promise<unknown> {
  // A computed specifier: the module may not exist when this file is compiled.
  const specifier = new URL('./v8-bridge.js', import.meta.url).href;
  return import(specifier);
}

const inspector: SourceFactories = { kind: 'inspector', cpu: () => new InspectorCpuSource(), heap: () => new InspectorHeapSource() };

/** Deno: node:inspector if the runtime grants it (--allow-sys), else sources that take no samples. */
export async function selectDenoSource(choice: SourceChoice, write?: (line: string) => void): Promise<SourceFactories> {
  if (choice === 'native') {
    throw new Error(`wasmprof: source "native" was requested, but the V8 profiler addon cannot load in ${denoVersion()} (it is C++ against Node's V8); use source "auto" or "inspector"`);
  }
  let session: AsyncSession | undefined;
  try {
    session = new AsyncSession();
    await calibrateClock((m, p) => session!.post(m, p));
  } catch (err) {
    const msg = oneLine(messageOf(err));
    const why = /allow-sys|NotCapable|permission/i.test(msg) ? 'node:inspector needs --allow-sys' : `node:inspector failed: ${msg}`;
    warnOnce('stack source', `wasmprof: ${denoVersion()}: ${why}; profiling is OFF (wall, cpu and heap profiles stay empty)`, write);
    return { kind: 'inspector', cpu: () => new OffCpuSource(), heap: () => new OffHeapSource() };
  } finally {
    session?.close();
  }
  // As in Node, an explicit source "inspector" needs no explanation.
  if (choice === 'auto') warnOnce('stack source', `wasmprof: ${denoVersion()}: the V8 profiler addon (C++ against Node's V8) cannot load in Deno; using node:inspector`, write);
  return { kind: 'inspector', cpu: () => new AsyncInspectorCpuSource(), heap: () => new AsyncInspectorHeapSource() };
}

export async function selectSource(choice: SourceChoice, importer?: () => Promise<unknown>): Promise<SourceFactories> {
  if (isDeno()) return selectDenoSource(choice);
  if (choice === 'inspector') return inspector;
  const bridge = await loadNativeBridge(importer);
  if ('error' in bridge) {
    if (choice === 'native') throw new Error(`wasmprof: native bridge unavailable (${bridge.error}) and source "native" was requested`);
    return { ...inspector, fallbackReason: bridge.error };
  }
  return { kind: 'native', cpu: bridge.cpu, heap: bridge.heap };
}
