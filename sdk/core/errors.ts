// The messages users see for the core's error codes. The codes themselves are generated from
// assembly/errors.ts (layout.generated.ts); test/core/layout.test.ts checks each has a message.
import { CoreErrorCode, SnapshotSection } from './layout.generated.js';

export { CoreErrorCode };

const SECTIONS: Record<number, string> = Object.fromEntries(Object.entries(SnapshotSection).map(([name, id]) => [id, name]));

/** A failure reported by the core, with the code it returned and a message naming what is wrong. */
export class CoreError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'CoreError';
  }
}

export function describeCoreError(op: string, code: number, d1: number, d2: number): string {
  const what = (() => {
    switch (code) {
      case CoreErrorCode.NoMemory: return 'out of core memory (raise maxMemoryBytes or reduce what is tracked)';
      case CoreErrorCode.NotConfigured: return 'core used before it was configured';
      case CoreErrorCode.BadArgument: return `invalid argument (${d1}, ${d2})`;
      case CoreErrorCode.BadHandle: return `unknown handle ${d1}${d2 ? ` / ${d2}` : ''} (stale after a reset, or never issued)`;
      case CoreErrorCode.SnapshotTruncated: return `snapshot is truncated: ${d1} bytes, ${d2} needed`;
      case CoreErrorCode.SnapshotMagic: return `not a wasmprof snapshot (magic 0x${(d1 >>> 0).toString(16)}, expected "WPSN")`;
      case CoreErrorCode.SnapshotVersion: return `unsupported snapshot version ${d1} (this core reads version ${d2})`;
      case CoreErrorCode.SnapshotChecksum: return 'snapshot checksum mismatch: the bytes were altered or damaged';
      case CoreErrorCode.SnapshotTrailing: return `snapshot has ${d1} unexpected trailing bytes`;
      case CoreErrorCode.SnapshotLength: return d1 === SnapshotSection.header
        ? `snapshot length field says ${d2} bytes, less than a header`
        : `snapshot ${SECTIONS[d1] ?? 'section'} ${d2}: length points past the end of the data`;
      case CoreErrorCode.SnapshotCount: return `snapshot ${SECTIONS[d1] ?? 'section'} count ${d2} is larger than the data could hold`;
      case CoreErrorCode.SnapshotIndex: return `snapshot ${SECTIONS[d1] ?? 'section'} ${d2} refers to an index that does not exist`;
      case CoreErrorCode.SnapshotVarint: return `snapshot owner ${d1} entry ${d2}: malformed or out-of-range number`;
      case CoreErrorCode.SnapshotFlags: return `snapshot has unknown flags 0x${d1.toString(16)}`;
      case CoreErrorCode.SnapshotDuplicateOwner: return `snapshot lists owner ${d1} twice`;
      case CoreErrorCode.SnapshotBudget: return `snapshot budget of ${d1} bytes is smaller than an empty snapshot (${d2} bytes)`;
      case CoreErrorCode.SnapshotDepth: return `snapshot stack ${d1} has invalid depth ${d2}`;
      case CoreErrorCode.LiveExporting: return 'cannot restore while a live-map export is open';
      default: return `error code ${code}`;
    }
  })();
  return `wasmprof core: ${op}: ${what}`;
}
