// Where a Node process will open its inspector when it gets SIGUSR1, read from its command line
// and its initial NODE_OPTIONS the way Node reads them (NODE_OPTIONS first, the command line
// after it and winning; the last flag of a kind wins): --inspect-port / --debug-port /
// --inspect[-brk|-wait]=[host:]port, default 127.0.0.1:9229. A program may still change
// `process.debugPort` at run time, so this is the expectation that the port search checks.

export interface InspectorSettings {
  host: string;
  /** 0: a port the system picks. */
  port: number;
  /** --disable-sigusr1: SIGUSR1 does not open the inspector (and is not handled). */
  disableSigusr1: boolean;
  /** An --inspect flag: the inspector was opened at start (unless the program closed it). */
  openedAtStart: boolean;
}

export const DEFAULT_INSPECTOR = { host: '127.0.0.1', port: 9229 } as const;

/** Node options that take their value as the next argument. */
const WITH_VALUE = new Set([
  '-r', '--require', '--import', '--loader', '--experimental-loader', '-e', '--eval', '-p', '--print', '-C', '--conditions',
  '--inspect-port', '--debug-port', '--input-type', '--title', '--env-file', '--env-file-if-exists', '--redirect-warnings',
  '--openssl-config', '--icu-data-dir', '--dns-result-order', '--unhandled-rejections', '--experimental-config-file',
]);

/** NODE_OPTIONS split as Node splits it: on spaces, with double quotes and backslash escapes. */
export function splitNodeOptions(value: string): string[] {
  const out: string[] = [];
  let cur = '', quoted = false, has = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && quoted && i + 1 < value.length) { cur += value[++i]; continue; }
    if (c === '"') { quoted = !quoted; has = true; continue; }
    if (c === ' ' && !quoted) { if (has || cur) out.push(cur); cur = ''; has = false; continue; }
    cur += c;
  }
  if (has || cur) out.push(cur);
  return out;
}

/** Node's own options of an argv (after argv[0], up to the script or `--`). */
export function nodeOptionsOf(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--' || !a.startsWith('-') || a === '-') break;
    out.push(a);
    if (WITH_VALUE.has(a) && i + 1 < argv.length) out.push(argv[++i]);
  }
  return out;
}

/** `[host:]port` / `host` as Node reads an inspector address. */
function applyHostPort(value: string, s: InspectorSettings): void {
  const v = value.trim();
  if (/^\d+$/.test(v)) { s.port = Number(v); return; }
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(v) ?? /^([^:]+)(?::(\d+))?$/.exec(v);
  if (!m) return;
  s.host = m[1];
  if (m[2] !== undefined) s.port = Number(m[2]);
}

/** The inspector settings of a process from its argv and initial NODE_OPTIONS. */
export function inspectorSettings(argv: readonly string[], nodeOptions: string | undefined): InspectorSettings {
  const s: InspectorSettings = { ...DEFAULT_INSPECTOR, disableSigusr1: false, openedAtStart: false };
  const options = [...(nodeOptions ? splitNodeOptions(nodeOptions) : []), ...nodeOptionsOf(argv)];
  for (let i = 0; i < options.length; i++) {
    const o = options[i];
    const eq = o.indexOf('=');
    const name = (eq < 0 ? o : o.slice(0, eq)).replace(/_/g, '-');
    const inline = eq < 0 ? undefined : o.slice(eq + 1);
    if (name === '--disable-sigusr1') s.disableSigusr1 = true;
    else if (name === '--inspect-port' || name === '--debug-port') {
      const v = inline ?? options[++i];
      if (v !== undefined) applyHostPort(v, s);
    } else if (name === '--inspect' || name === '--inspect-brk' || name === '--inspect-wait') {
      s.openedAtStart = true;
      if (inline !== undefined) applyHostPort(inline, s);
    }
  }
  return s;
}
