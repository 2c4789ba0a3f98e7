// Picks the stack source: the native V8 bridge (sdk/sources/v8-bridge.ts, built from
// native-bridge/v8 at install) when it loads, else node:inspector. Loading the addon never throws;
// any failure becomes a one-line reason for the single fallback warning.
//
// Deno: the bridge is C++ against Node's V8 and is never tried. Stacks come from node:inspector
// (answered synchronously through answerNow(); should a Deno release answer later, asynchronous
// sources and the warning line says what that loses), which Deno grants only with --allow-sys;
// without it the profiler runs with sources that take no samples (profiling off, empty
// profiles) rather than failing start().
// Either way select-source prints the one warning line itself and leaves fallbackReason unset.
import { loadV8Bridge, type V8BridgeLoad } from './v8-bridge.js';
import { calibrateClock, denoVersion, isDeno } from '../runtime/deno.js';
import { AsyncInspectorCpuSource, AsyncInspectorHeapSource, AsyncSession, InspectorCpuSource, InspectorHeapSource, OffCpuSource, OffHeapSource } from './inspector.js';
import type { CpuSource, HeapSource, SourceChoice } from './types.js';
import type { SampleLabelReader } from './labels.js';
import { messageOf, oneLine, warnOnce } from '../runtime/report.js';

export interface SourceFactories {
  kind: 'native' | 'inspector';
  cpu: () => CpuSource;
  heap: () => HeapSource;
  /** Labels read at sample time, where the source offers it (else the async-hook timeline). */
  sampleLabels?: () => SampleLabelReader | undefined;
  /** Why the native bridge is not used (auto mode fell back); undefined when it is used or not wanted. */
  fallbackReason?: string;
}

/** Loads the native bridge, or explains in one line why it cannot. */
export function loadNativeBridge(): V8BridgeLoad {
  try {
    const r = loadV8Bridge();
    return 'error' in r ? { error: oneLine(r.error) } : r;
  } catch (err) {
    return { error: oneLine(messageOf(err)) };
  }
}

const inspector: SourceFactories = { kind: 'inspector', cpu: () => new InspectorCpuSource(), heap: () => new InspectorHeapSource() };

/** Deno: node:inspector if the runtime grants it (--allow-sys), else sources that take no samples. */
export async function selectDenoSource(choice: SourceChoice, write?: (line: string) => void,
  connect: () => AsyncSession = () => new AsyncSession()): Promise<SourceFactories> {
  if (choice === 'native') {
    throw new Error(`wasmprof: source "native" was requested, but the V8 profiler addon cannot load in ${denoVersion()} (it is C++ against Node's V8); use source "auto" or "inspector"`);
  }
  let session: AsyncSession | undefined;
  let now = false;
  try {
    session = connect();
    await calibrateClock((m, p) => session!.post(m, p));
    now = session.answersNow();
  } catch (err) {
    const msg = oneLine(messageOf(err));
    const why = /allow-sys|NotCapable|permission/i.test(msg) ? 'node:inspector needs --allow-sys' : `node:inspector failed: ${msg}`;
    warnOnce('stack source', `wasmprof: ${denoVersion()}: ${why}; profiling is OFF (wall, cpu and heap profiles stay empty)`, write);
    return { kind: 'inspector', cpu: () => new OffCpuSource(), heap: () => new OffHeapSource() };
  } finally {
    session?.close();
  }
  // As in Node, an explicit source "inspector" needs no explanation.
  const loss = now ? '' : ' (it answers asynchronously here: process.exit() and Deno.exit() lose the last period; await profiler.stop() first)';
  if (choice === 'auto' || !now) warnOnce('stack source', `wasmprof: ${denoVersion()}: the V8 profiler addon (C++ against Node's V8) cannot load in Deno; using node:inspector${loss}`, write);
  if (now) return { kind: 'inspector', cpu: () => new InspectorCpuSource(true), heap: () => new InspectorHeapSource(true) };
  return { kind: 'inspector', cpu: () => new AsyncInspectorCpuSource(), heap: () => new AsyncInspectorHeapSource() };
}

/**
 * selectSource without waiting, for a preload that must start before the main module (the
 * bridge loads synchronously, and Node's inspector answers inside post(), so either source
 * starts within the call); undefined under Deno, where only selectSource can start.
 */
export function selectSourceNow(choice: SourceChoice): SourceFactories | undefined {
  if (isDeno()) return undefined;
  if (choice === 'inspector') return inspector;
  const bridge = loadNativeBridge();
  if ('error' in bridge) {
    if (choice === 'native') throw new Error(`wasmprof: native bridge unavailable (${bridge.error}) and source "native" was requested`);
    return { ...inspector, fallbackReason: bridge.error };
  }
  return { kind: 'native', cpu: bridge.cpu, heap: bridge.heap, sampleLabels: bridge.sampleLabels };
}

export async function selectSource(choice: SourceChoice): Promise<SourceFactories> {
  return selectSourceNow(choice) ?? selectDenoSource(choice);
}
