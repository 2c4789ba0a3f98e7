// The TCP sockets of a network namespace as /proc/PID/net/tcp and tcp6 list them, and which of
// them a process holds (matched by inode through its file descriptors): how the target's
// inspector port is found, and how its closing is verified, without asking the target.
import { readFileSync } from 'node:fs';
import { procPath, socketInodes } from './proc.js';

export interface TcpSocket {
  /** Dotted IPv4, or IPv6 in its canonical short form. */
  address: string;
  port: number;
  family: 4 | 6;
  /** TCP state: 'listen', 'established' or the kernel's hex code. */
  state: string;
  inode: number;
  /** Remote port (0 when listening). */
  remotePort: number;
}

const STATES: Record<string, string> = { '01': 'established', '0A': 'listen' };

function ipv4(hex: string): string {
  // The kernel prints the address as one 32-bit word in host (little-endian) order.
  const n = Number.parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

function ipv6(hex: string): string {
  // Four 32-bit words, each in host order.
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(Number.parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  // Longest run of zero groups → "::".
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function endpoint(text: string, family: 4 | 6): { address: string; port: number } | undefined {
  const m = /^([0-9A-Fa-f]+):([0-9A-Fa-f]{4})$/.exec(text);
  if (!m || m[1].length !== (family === 4 ? 8 : 32)) return undefined;
  return { address: family === 4 ? ipv4(m[1]) : ipv6(m[1]), port: Number.parseInt(m[2], 16) };
}

/** Parses the text of /proc/net/tcp (family 4) or /proc/net/tcp6 (family 6). */
export function parseTcpTable(text: string, family: 4 | 6): TcpSocket[] {
  const out: TcpSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = endpoint(f[1], family), remote = endpoint(f[2], family);
    const inode = Number(f[9]);
    if (!local || !remote || !Number.isSafeInteger(inode)) continue;
    out.push({ ...local, family, state: STATES[f[3].toUpperCase()] ?? f[3], inode, remotePort: remote.port });
  }
  return out;
}

/** Every TCP socket of the target's network namespace (IPv4 and IPv6). */
export function namespaceSockets(pid: number): TcpSocket[] {
  const out: TcpSocket[] = [];
  for (const [file, family] of [['tcp', 4], ['tcp6', 6]] as const) {
    let text: string;
    try { text = readFileSync(procPath(pid, 'net', file), 'latin1'); } catch { continue; } // no IPv6
    out.push(...parseTcpTable(text, family));
  }
  return out;
}

/** Listening sockets held by the process itself. */
export function listeningSocketsOf(pid: number): TcpSocket[] {
  const mine = socketInodes(pid);
  return namespaceSockets(pid).filter((s) => s.state === 'listen' && mine.has(s.inode));
}

export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address);
}

/** host:port as a URL authority (IPv6 in brackets). */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
