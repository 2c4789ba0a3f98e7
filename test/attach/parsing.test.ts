// The pieces of `record --pid` that read outside input, without a process: /proc/net/tcp lines,
// a Node command line and NODE_OPTIONS (where the inspector will listen), and the target's
// profile answers (checked before the pipeline sees them).
import t from 'tap';
import { inspectorSettings, splitNodeOptions } from '../../sdk/attach/node-flags.js';
import { checkCpuProfile, checkHeapProfile } from '../../sdk/attach/remote-profile.js';
import { isLoopback, parseTcpTable } from '../../sdk/attach/tcp.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

t.test('/proc/net/tcp and tcp6', async (t) => {
  const v4 = parseTcpTable(HEADER
    + '   0: 0100007F:240D 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 869810 1 0000 100 0 0 10 0\n'
    + '   1: 0100007F:240D 0100007F:D3A2 01 00000000:00000000 00:00000000 00000000  1000        0 869999 1 0000 20 4 30 10 -1\n'
    + '   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 145 1 0000 100 0 0 10 0\n'
    + 'garbage line\n', 4);
  t.same(v4.map((s) => [s.address, s.port, s.state, s.inode, s.remotePort]), [
    ['127.0.0.1', 9229, 'listen', 869810, 0], ['127.0.0.1', 9229, 'established', 869999, 54178], ['0.0.0.0', 8080, 'listen', 145, 0],
  ]);
  const v6 = parseTcpTable(HEADER
    + '   0: 00000000000000000000000001000000:240E 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 4242 1\n'
    + '   1: 0000000000000000FFFF00000100007F:240F 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 4243 1\n'
    + '   2: 00000000000000000000000000000000:2410 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 4244 1\n', 6);
  t.same(v6.map((s) => [s.address, s.port]), [['::1', 9230], ['::ffff:127.0.0.1', 9231], ['::', 9232]]);
  t.same(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'].map(isLoopback), [true, true, true, true]);
  t.same(['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1'].map(isLoopback), [false, false, false, false]);
});

t.test('where SIGUSR1 will open the inspector', async (t) => {
  const s = (argv: string[], nodeOptions?: string) => inspectorSettings(['node', ...argv], nodeOptions);
  t.match(s(['app.js']), { host: '127.0.0.1', port: 9229, disableSigusr1: false, openedAtStart: false }, 'the default');
  t.match(s(['--inspect-port=9300', 'app.js']), { port: 9300 });
  t.match(s(['--inspect-port', '9301', 'app.js']), { port: 9301 }, 'value as the next argument');
  t.match(s(['--debug-port=[::1]:9302', 'app.js']), { host: '::1', port: 9302 });
  t.match(s(['--inspect=0.0.0.0:9303', 'app.js']), { host: '0.0.0.0', port: 9303, openedAtStart: true });
  t.match(s(['--inspect=localhost', 'app.js']), { host: 'localhost', port: 9229 });
  t.match(s(['app.js', '--inspect-port=9304', '--disable-sigusr1']), { port: 9229, disableSigusr1: false }, 'the script\'s own arguments are not Node\'s');
  t.match(s(['-r', './x.js', '--disable-sigusr1', 'app.js']), { disableSigusr1: true }, 'after an option with a value');
  t.match(s(['app.js'], '--inspect-port=9305 --max-old-space-size=100'), { port: 9305 }, 'NODE_OPTIONS');
  t.match(s(['--inspect-port=9306', 'app.js'], '--inspect-port=9305'), { port: 9306 }, 'the command line wins over NODE_OPTIONS');
  t.same(splitNodeOptions('--import "a b.mjs"  --title=x\\ y --require "q\\"r"'), ['--import', 'a b.mjs', '--title=x\\', 'y', '--require', 'q"r']);
});

t.test('profile answers are checked before use', async (t) => {
  const frame = { functionName: 'f', url: 'file:///a.js', scriptId: '1', lineNumber: 0, columnNumber: 0 };
  const cpu = checkCpuProfile({ nodes: [{ id: 1, callFrame: frame, children: [2] }, { id: 2, callFrame: frame }], startTime: 1, endTime: 9, samples: [2], timeDeltas: [3] });
  t.same(cpu.nodes[1].children, []);
  t.same([cpu.samples, cpu.timeDeltas], [[2], [3]]);
  for (const bad of [null, {}, { nodes: 'x', startTime: 0, endTime: 1 }, { nodes: [{ id: 1 }], startTime: 0, endTime: 1 },
    { nodes: [{ id: 1, callFrame: frame }], startTime: 0, endTime: 1, samples: ['x'] }]) {
    t.throws(() => checkCpuProfile(bad), /the target's CPU profile .*is not a DevTools profile/, JSON.stringify(bad));
  }
  const heap = checkHeapProfile({ head: { id: 1, callFrame: frame, selfSize: 0, children: [{ id: 2, callFrame: frame, selfSize: 64, children: [] }] }, samples: [{ size: 64, nodeId: 2, ordinal: 1 }] });
  t.equal(heap.head.children[0].selfSize, 64);
  t.throws(() => checkHeapProfile({ head: { id: 1, callFrame: frame, selfSize: 'big', children: [] } }), /heap profile/);
  t.throws(() => checkHeapProfile({ head: { id: 1, callFrame: frame, selfSize: 0, children: [] }, samples: [{ size: 'x' }] }), /heap profile/);
});
