// Types of scripts/gen-layout.mjs, for the test that regenerates the layout in memory.
/** The repository root. */
export const ROOT: string;
/** The generated file, relative to ROOT. */
export const OUTPUT: string;
/** The text of sdk/core/layout.generated.ts as the sources under `root` (default ROOT) give it. */
export function generateLayout(root?: string): string;
