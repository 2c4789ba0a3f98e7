// Write-combining for single sample adds: Core.addSample stages each sample in these columns
// and the core takes them in one sampleAddColumns call when the stage is full, the kind
// changes, or anything reads or changes the sample table (Core flushes first). A call into
// WebAssembly costs about as much as the add itself; a batch pays it once.

/** Samples held before they are handed to the core in one call. */
export const STAGE_SAMPLES = 2048;

export class SampleStage {
  kind = 0;
  length = 0;
  /** Whether a staged sample has a nonzero v2 or v3 (else those columns are not handed over). */
  wide = false;
  readonly stacks = new Uint32Array(STAGE_SAMPLES);
  readonly labels = new Uint32Array(STAGE_SAMPLES);
  /** Four value columns back to back (v0 at 0, v1 at STAGE_SAMPLES, ...). */
  readonly values = new Float64Array(STAGE_SAMPLES * 4);

  /** Stages one sample; the caller flushes first when the stage is full or holds another kind. */
  push(stack: number, labels: number, v0: number, v1: number, v2: number, v3: number): void {
    const i = this.length++;
    this.stacks[i] = stack;
    this.labels[i] = labels;
    const v = this.values;
    v[i] = v0; v[i + STAGE_SAMPLES] = v1; v[i + 2 * STAGE_SAMPLES] = v2; v[i + 3 * STAGE_SAMPLES] = v3;
    if (v2 !== 0 || v3 !== 0) this.wide = true;
  }
}
