// Entry point of the `wasmprof` command: picks a subcommand and hands it the rest of argv.
// Each subcommand lives in its own module and is imported lazily so that `wasmprof view`
// never pays for loading the profiler (and vice versa).

/** A subcommand receives its own arguments and resolves to the process exit code. */
export type Subcommand = (argv: string[]) => Promise<number>;

const SUBCOMMANDS: Record<string, { summary: string; load: () => Promise<Subcommand> }> = {
  record: { summary: 'run a program under the profiler and write pprof + flame graph', load: async () => (await import('./record.js')).record },
  doctor: { summary: 'check which native parts load on this Node, and why (exit 1 if any does not)', load: async () => (await import('./doctor.js')).doctor },
  view: { summary: 'show a profile as a flame graph (HTML) or a top table', load: async () => (await import('./view.js')).view },
};

function usage(): string {
  const lines = ['usage: wasmprof <command> [options]', '', 'commands:'];
  for (const [name, { summary }] of Object.entries(SUBCOMMANDS)) lines.push(`  ${name.padEnd(8)} ${summary}`);
  lines.push('', 'Run `wasmprof <command> --help` for the options of one command.');
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = SUBCOMMANDS[name];
  if (!entry) {
    process.stderr.write(`wasmprof: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  return (await entry.load())(rest);
}
