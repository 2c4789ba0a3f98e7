// A period's numbers: what the profiler returns as PeriodStats and writes into every profile as
// comments (so a profile says how it was taken and what was dropped, wherever it is opened).
import type { CoreStats } from '../core/core.js';
import type { CpuIngest } from '../ingest/cpu.js';
import type { HeapIngest } from '../ingest/heap.js';
import type { LabelTimeline } from '../sources/labels.js';
import type { ResolvedOptions } from './options.js';
import type { PeriodStats } from './types.js';

export function periodStats(cs: CoreStats, cpu: CpuIngest | undefined, heap: HeapIngest | undefined, timeline: LabelTimeline,
  t: { rotateMs: number; sourceMapsMs: number }): PeriodStats {
  const fc = cs.frameCache;
  return {
    samples: cpu?.samples ?? 0,
    idleSamples: cpu?.idleSamples ?? 0,
    labelledSamples: cpu?.labelledSamples ?? 0,
    unknownLabelSamples: cpu?.unknownLabelSamples ?? 0,
    wallNanos: cpu?.wallNanos ?? 0,
    cpuNanos: cpu?.cpuNanos ?? 0,
    cpuScope: cpu?.cpuScope ?? 'none',
    heap,
    labelTransitions: Math.max(0, timeline.count - 1),
    labelTransitionsDropped: timeline.dropped,
    labelSource: timeline.source ?? 'unused',
    labelUnreadable: timeline.unreadable ?? 0,
    frameCache: { entries: fc.entries, capacity: fc.capacity, hits: fc.hits, misses: fc.misses, evictions: fc.evictions, hitRate: fc.hitRate },
    drops: { ...cs.drops },
    timings: { rotateMs: t.rotateMs, sourceMapsMs: t.sourceMapsMs, buildMs: 0, maxSliceMs: 0, encodeMs: 0 },
  };
}

export interface CommentContext {
  source: 'native' | 'inspector';
  options: ResolvedOptions;
  upkeepComments: string[];
  dropComment: string | undefined;
  maps: { loaded: number; missing: number; failed: number } | undefined;
  /** What the profiler holds at the end of the period (bounded: docs/configuration.md#memory;
   *  the label timeline's size is on the labels line). */
  held?: { coreBytes: number; sourceMapScripts: number; labelSets: number };
}

export function periodComments(s: PeriodStats, c: CommentContext): string[] {
  const o = c.options;
  const out = [
    `wasmprof: source=${c.source} interval=${o.intervalMicros}us period=${o.periodMillis}ms profiles=${o.profiles.join(',')}`,
    `wasmprof core drops: noMemory=${s.drops.noMemory} abandonedCaptures=${s.drops.abandonedCaptures} staleKeys=${s.drops.staleKeys} truncatedStacks=${s.drops.truncatedStacks}`,
    `wasmprof frame cache: entries=${s.frameCache.entries} capacity=${s.frameCache.capacity} hits=${s.frameCache.hits} misses=${s.frameCache.misses} evictions=${s.frameCache.evictions} hitRate=${s.frameCache.hitRate.toFixed(4)}`,
    `wasmprof labels: source=${s.labelSource} transitions=${s.labelTransitions} dropped=${s.labelTransitionsDropped} unknownLabelSamples=${s.unknownLabelSamples} unreadable=${s.labelUnreadable}`,
    `wasmprof cpu time: scope=${s.cpuScope}`,
    ...c.upkeepComments,
  ];
  if (c.held) out.push(`wasmprof held: coreMemory=${c.held.coreBytes} sourceMapScripts=${c.held.sourceMapScripts} labelSets=${c.held.labelSets}`);
  if (c.dropComment) out.push(c.dropComment);
  if (c.maps) out.push(`wasmprof source maps: loaded=${c.maps.loaded} scriptsWithout=${c.maps.missing} unreadable=${c.maps.failed}`);
  if (o.labels.length > 0) out.push(`wasmprof static labels: ${o.labels.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  return out;
}
