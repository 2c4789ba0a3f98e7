// The one-screen summary `wasmprof record --profiles native-heap` prints at the end: per process
// (largest peak first), its peak, what it held at its end (at exit, for a process that ended) and
// its five largest stacks then.
import { formatValue } from '../view/format-value.js';
import type { ProcessSummary } from './aggregator-types.js';

const MAX_PROCESSES = 6;
const TOP = 5;
/** Frames of the allocator itself say nothing about who allocated. */
const ALLOCATOR = /^(malloc|calloc|realloc|free|posix_memalign|aligned_alloc|memalign|valloc|mmap|mmap64|mremap|shmat|operator new.*|__libc_\w+|_int_\w+)$/;

function bytes(n: number): string { return formatValue(Math.round(n), 'bytes'); }

function describe(names: string[], width: number): string {
  const shown = names.filter((n) => !ALLOCATOR.test(n)).slice(0, 3).map((n) => n.replace(/\(.*\)( const)?$/, ''));
  const s = shown.length ? shown.join(' ← ') : '(no frames)';
  return s.length > width ? `${s.slice(0, width - 1)}…` : s;
}

export function formatSummary(processes: readonly ProcessSummary[], stackNames: (stack: number) => string[], startMs: number, columns = 100): string {
  const width = Math.max(40, Math.min(columns, 160) - 14);
  const shown = [...processes].sort((a, b) => b.peakBytes - a.peakBytes || a.pid - b.pid).slice(0, MAX_PROCESSES);
  const out = ['wasmprof: native-heap summary (estimates from sampled allocations)'];
  for (const p of shown) {
    const at = p.peakTimeMs > 0 ? ` at +${((p.peakTimeMs - startMs) / 1000).toFixed(1)}s` : '';
    out.push(`  pid ${p.pid}${p.exit ? ` (${p.exit})` : ' (still running)'}: peak ${bytes(p.peakBytes)}${at} · in use ${p.exit ? 'at exit' : 'now'} ${bytes(p.inuseAtEndBytes)}`);
    // The stacks at the end, unless the end holds little of what the peak did: then the peak's.
    const atPeak = p.inuseAtEndBytes < 0.1 * p.peakBytes;
    const stacks = atPeak ? p.peakStacks : p.endStacks;
    out.push(`    largest stacks ${atPeak ? 'at the peak' : p.exit ? 'at exit' : 'now'}:`);
    for (const s of stacks.slice(0, TOP)) out.push(`    ${bytes(s.bytes).padStart(8)}  ${describe(stackNames(s.stack), width)}`);
  }
  if (processes.length > shown.length) out.push(`  … and ${processes.length - shown.length} more process(es) with smaller peaks (all are in the profiles, label pid)`);
  return out.join('\n');
}
