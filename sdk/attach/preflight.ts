// The checks made before anything is sent to the target, each refusing in one line that names
// the reason: the pid is a live process of this user (or we are root), it runs Node, it handles
// SIGUSR1 (Node installs the handler unless started with --disable-sigusr1; without a handler
// the signal would terminate it), it shares our network namespace (the port is on its loopback),
// its inspector is not already open and its inspector port is not taken by another process.
import { basename } from 'node:path';
import { AttachRefused } from './errors.js';
import { inspectorSettings, type InspectorSettings } from './node-flags.js';
import {
  netNamespace, procPath, readCmdline, readExe, readInitialEnv, readStatus, signalBit, SIGUSR1_NUMBER, socketOwner, type ProcStatus,
} from './proc.js';
import { hostPort, isLoopback, listeningSocketsOf, namespaceSockets, type TcpSocket } from './tcp.js';

/** Highest pid Linux hands out (pid_max can be raised to 2^22). */
const PID_MAX = 4_194_304;

export interface Target {
  pid: number;
  /** The pid as the target sees itself (process.pid there). */
  nsPid: number;
  exe: string;
  argv: string[];
  inspector: InspectorSettings;
  /** Listening sockets it held before SIGUSR1 (the inspector's is the one that appears). */
  listening: TcpSocket[];
}

export function parsePid(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new AttachRefused(`--pid must be a process id (a positive integer), got ${JSON.stringify(value)}`);
  const pid = Number(value.trim());
  if (pid < 1 || pid > PID_MAX) throw new AttachRefused(`--pid ${value.trim()} is not a valid process id (1 to ${PID_MAX})`);
  return pid;
}

function errCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

function exists(pid: number): void {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (errCode(err) === 'ESRCH') throw new AttachRefused(`no process with pid ${pid}`);
    if (errCode(err) === 'EPERM') {
      let owner = '';
      try { owner = ` (uid ${readStatus(pid).uid})`; } catch { /* gone meanwhile */ }
      throw new AttachRefused(`pid ${pid} belongs to another user${owner}: only its owner or root can attach`);
    }
    throw err;
  }
}

function status(pid: number): ProcStatus {
  let st: ProcStatus;
  try { st = readStatus(pid); } catch { throw new AttachRefused(`no process with pid ${pid}`); }
  if (st.state === 'Z' || st.state === 'X') throw new AttachRefused(`pid ${pid} has exited (it is a zombie waiting for its parent)`);
  if (st.state === 'T') throw new AttachRefused(`pid ${pid} is stopped (state T): continue it first (kill -CONT ${pid})`);
  if (st.state === 't') throw new AttachRefused(`pid ${pid} is stopped by a debugger or tracer (state t)`);
  return st;
}

/** Node's binary is named node (nodejs, node22, node-v24...) wherever it is installed. */
const NODE_BINARY = /^node(js)?([-_.]?v?\d[\w.-]*)?$/;

function nodeBinary(pid: number): { exe: string; argv: string[] } {
  let exe: string;
  try { exe = readExe(pid); } catch (err) {
    if (errCode(err) === 'EACCES' || errCode(err) === 'EPERM') throw new AttachRefused(`cannot read ${procPath(pid, 'exe')} (permission denied): only the owner of pid ${pid} or root can attach`);
    if (errCode(err) === 'ENOENT') throw new AttachRefused(`pid ${pid} is not a Node process (a kernel thread, or it exited)`);
    throw err;
  }
  let argv: string[] = [];
  try { argv = readCmdline(pid); } catch { /* exited meanwhile: the checks below say so */ }
  if (!NODE_BINARY.test(basename(exe))) {
    throw new AttachRefused(`pid ${pid} is not a Node process (${procPath(pid, 'exe')} is ${exe}${argv.length ? `, running \`${argv.join(' ').slice(0, 80)}\`` : ''})`);
  }
  return { exe, argv };
}

function sameNetwork(pid: number): void {
  const mine = netNamespace('self'), theirs = netNamespace(pid);
  if (mine === undefined || theirs === undefined) throw new AttachRefused(`cannot read the network namespace of pid ${pid} (${procPath(pid, 'ns/net')})`);
  if (mine !== theirs) throw new AttachRefused(`pid ${pid} is in another network namespace (a container?): its inspector would listen on its own loopback; run wasmprof inside it`);
}

function handlesSigusr1(pid: number, st: ProcStatus, s: InspectorSettings): void {
  if (s.disableSigusr1) throw new AttachRefused(`pid ${pid} was started with --disable-sigusr1: its inspector cannot be opened from outside`);
  if (signalBit(st.ignored, SIGUSR1_NUMBER)) throw new AttachRefused(`pid ${pid} ignores SIGUSR1: its inspector cannot be opened from outside`);
  if (!signalBit(st.caught, SIGUSR1_NUMBER)) {
    throw new AttachRefused(`pid ${pid} does not handle SIGUSR1 (--disable-sigusr1, or a Node without the inspector): the signal would terminate it, so it is not sent`);
  }
}

function describeOwner(inode: number, target: number): string {
  const owner = socketOwner(inode, target);
  if (owner === undefined) return 'another process';
  let cmd = '';
  try { cmd = readCmdline(owner).join(' ').slice(0, 60); } catch { /* gone */ }
  return `pid ${owner}${cmd ? ` (${cmd})` : ''}`;
}

function portFree(pid: number, s: InspectorSettings, listening: TcpSocket[]): void {
  if (s.port === 0) return;
  const where = hostPort(s.host, s.port);
  const own = listening.find((l) => l.port === s.port);
  if (own) {
    throw new AttachRefused(`pid ${pid} already listens on ${hostPort(own.address, own.port)}, its inspector port: the inspector is open already (--inspect, a debugger, or another attach); refusing to share or close it`);
  }
  const other = namespaceSockets(pid).find((x) => x.state === 'listen' && x.port === s.port);
  if (other) {
    throw new AttachRefused(`the inspector port ${where} of pid ${pid} is in use by ${describeOwner(other.inode, pid)}: its inspector could not open there`);
  }
}

/** Runs every check; returns what the attach needs to know, or throws AttachRefused. */
export function preflight(pid: number): Target {
  if (pid === process.pid) throw new AttachRefused('cannot attach to wasmprof itself');
  exists(pid);
  const st = status(pid);
  const { exe, argv } = nodeBinary(pid);
  sameNetwork(pid);
  const inspector = inspectorSettings(argv, readInitialEnv(pid, 'NODE_OPTIONS'));
  handlesSigusr1(pid, st, inspector);
  if (!isLoopback(inspector.host) && inspector.host !== 'localhost') {
    throw new AttachRefused(`pid ${pid} would open its inspector on ${hostPort(inspector.host, inspector.port)}, which is not loopback: refusing to expose a debugging port`);
  }
  let listening: TcpSocket[];
  try { listening = listeningSocketsOf(pid); } catch (err) {
    throw new AttachRefused(`cannot list the sockets of pid ${pid} (${procPath(pid, 'fd')}: ${errCode(err) ?? String(err)})`);
  }
  portFree(pid, inspector, listening);
  return { pid, nsPid: st.nsPid, exe, argv, inspector, listening };
}
