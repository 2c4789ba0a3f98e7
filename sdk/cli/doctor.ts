// `wasmprof doctor`: what this installation can do on this Node, and why. One line per check, so
// a user can paste the output into an issue. Exit 0 when the native path works (V8 bridge,
// fork-safety addon and heap preload all load), 1 otherwise.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadForkBridge } from '../runtime/fork-bridge.js';
import { binaryCandidates, missingBinary, nodeAbi, packageRoot, platformTag } from '../runtime/addon-files.js';
import { LabelContext } from '../sources/labels.js';
import { loadV8Bridge, type V8Bridge } from '../sources/v8-bridge.js';

interface Release {
  major: number;
  version: string;
  abi: number;
}

function supported(root: string): { platform: string; releases: Release[] } {
  try {
    return JSON.parse(readFileSync(join(root, 'native-bridge', 'releases.json'), 'utf8')) as { platform: string; releases: Release[] };
  } catch {
    return { platform: 'unknown', releases: [] };
  }
}

/** Whether the dynamic loader accepts `lib` as a preload (it only warns when it does not). */
function preloadLoads(lib: string): string | undefined {
  const r = spawnSync('/bin/sh', ['-c', 'true'], { env: { ...process.env, LD_PRELOAD: lib }, encoding: 'utf8', timeout: 10_000 });
  if (r.error) return r.error.message;
  const complaint = (r.stderr ?? '').split('\n').find((l) => /cannot be preloaded|error/i.test(l));
  return complaint?.trim();
}

function onPath(cmd: string): boolean {
  const r = spawnSync('/bin/sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

function pkgVersion(root: string): string {
  try {
    return String((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown }).version);
  } catch {
    return 'unknown';
  }
}

/** How runWithLabels reaches samples here: the same choice (and checks) a profiler makes. */
function labelsLine(v8: V8Bridge): string {
  const labels = new LabelContext({ clockOffset: 0, reader: v8.sampleLabels() });
  try {
    labels.run({ doctor: 'check' }, () => undefined);
  } finally {
    labels.disable();
  }
  const source = labels.labelSource;
  return source.kind === 'sample-time'
    ? 'read at sample time (runWithLabels costs what AsyncLocalStorage costs)'
    : `async hooks, a hook per callback (${source.reason ?? 'no reason given'})`;
}

export async function doctor(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write('usage: wasmprof doctor\n\nPrints what this installation can do on this Node and why; exit 0 when the native path works.\n');
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`wasmprof doctor: unexpected argument "${argv[0]}" (it takes none)\n`);
    return 2;
  }
  const root = packageRoot();
  const out: string[] = [];
  const line = (label: string, text: string) => out.push(`${`${label}:`.padEnd(14)} ${text}`);
  const { platform, releases } = supported(root);
  const major = Number(process.versions.node.split('.')[0]);
  const release = releases.find((r) => r.major === major);

  line('wasmprof', `${pkgVersion(root)} at ${root}`);
  line('node', `${process.version} (ABI ${nodeAbi()}, ${platformTag()}, ${process.execPath})`);
  line(
    'supported',
    `Node ${releases.map((r) => r.major).join(', ')} on ${platform}; this Node is ${release ? (platformTag() === platform ? 'supported' : `on another platform (${platformTag()})`) : 'not in the supported list'}`,
  );

  let ok = true;
  const v8 = loadV8Bridge();
  if ('error' in v8) {
    ok = false;
    line('V8 bridge', `NOT LOADED: ${v8.error}`);
    line('stack source', 'node:inspector (the fallback: CPU and heap profiles work, period rotation stalls the event loop much longer)');
  } else {
    line('V8 bridge', `ok (${v8.origin}) ${v8.path}`);
    line('stack source', 'native V8 bridge (source "auto" picks it)');
    line('labels', labelsLine(v8));
    const allocations = v8.heap().allocationsUnavailable;
    line('allocations', allocations === undefined ? 'available (heapAllocations: true, /debug/pprof/allocs)' : `unavailable: ${allocations}`);
  }

  const fork = loadForkBridge();
  if (fork.bridge) {
    line('fork addon', `ok (${binaryCandidates('fork', root)[0]?.origin ?? 'loaded'}) ${fork.bridge.path}`);
  } else {
    ok = false;
    line('fork addon', `NOT LOADED: ${fork.reason}`);
  }

  const heap = binaryCandidates('heap', root)[0];
  if (!heap) {
    ok = false;
    const u = missingBinary('heap', 'heap preload library', root);
    line('heap preload', `MISSING: ${u.why}; native-heap profiles are unavailable; fix: ${u.fix}`);
  } else {
    const complaint = preloadLoads(heap.path);
    if (complaint) {
      ok = false;
      line('heap preload', `DOES NOT LOAD (${heap.origin}) ${heap.path}: ${complaint}`);
    } else {
      line('heap preload', `ok (${heap.origin}) ${heap.path}`);
    }
  }

  line('go', onPath('go') ? 'found (optional: `go tool pprof` reads wasmprof\'s files)' : 'not found (optional: only for `go tool pprof`; `wasmprof view` needs nothing)');
  line('browser', 'not needed to write flame graphs; open flamegraph.html in any browser');
  line('result', ok ? 'native path works' : 'native path incomplete (see NOT LOADED / MISSING above)');
  process.stdout.write(out.join('\n') + '\n');
  return ok ? 0 : 1;
}
