// Placeholder until the recorder lands (issue 3); keeps the dispatcher compiling.
export async function record(_argv: string[]): Promise<number> {
  process.stderr.write('wasmprof record: not available yet in this build\n');
  return 2;
}
