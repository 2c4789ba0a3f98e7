// Picks the stack source: the native V8 bridge (sdk/native/v8-bridge.ts, built from
// native-bridge/v8 at install) when it loads, else node:inspector. The bridge module is imported
// dynamically and may be missing altogether (a build without it); any failure becomes a one-line
// reason for the single fallback warning.
import { InspectorCpuSource, InspectorHeapSource } from './inspector-source.js';
import type { SourceChoice } from './options.js';
import type { CpuSource, HeapSource } from './sources.js';

/** What sdk/native/v8-bridge.ts exports. */
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

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** Loads the native bridge module, or explains in one line why it cannot. */
export async function loadNativeBridge(importer: () => Promise<unknown> = defaultImporter): Promise<{ cpu: () => CpuSource; heap: () => HeapSource } | { error: string }> {
  let mod: unknown;
  try {
    mod = await importer();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND') return { error: 'sdk/native/v8-bridge.js is not part of this build' };
    return { error: `cannot import the bridge module: ${oneLine(err instanceof Error ? err.message : String(err))}` };
  }
  const load = (mod as Partial<V8BridgeModule> | null)?.loadV8Bridge;
  if (typeof load !== 'function') return { error: 'the bridge module has no loadV8Bridge()' };
  try {
    const r = load();
    if ('error' in r) return { error: oneLine(r.error) };
    return r;
  } catch (err) {
    return { error: oneLine(err instanceof Error ? err.message : String(err)) };
  }
}

function defaultImporter(): Promise<unknown> {
  // A computed specifier: the module may not exist when this file is compiled.
  const specifier = new URL('../native/v8-bridge.js', import.meta.url).href;
  return import(specifier);
}

const inspector: SourceFactories = { kind: 'inspector', cpu: () => new InspectorCpuSource(), heap: () => new InspectorHeapSource() };

export async function selectSource(choice: SourceChoice, importer?: () => Promise<unknown>): Promise<SourceFactories> {
  if (choice === 'inspector') return inspector;
  const bridge = await loadNativeBridge(importer);
  if ('error' in bridge) {
    if (choice === 'native') throw new Error(`wasmprof: native bridge unavailable (${bridge.error}) and source "native" was requested`);
    return { ...inspector, fallbackReason: bridge.error };
  }
  return { kind: 'native', cpu: bridge.cpu, heap: bridge.heap };
}
