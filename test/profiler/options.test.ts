// Option validation: defaults, precedence (code > environment > default), every kind of bad
// value from code and from WASMPROF_* variables, each failing with a message that names the
// option (and the variable) and the accepted range.
import t from 'tap';
import { DEFAULTS, resolveOptions, WasmprofOptionError, type StartOptions } from '../../sdk/profiler/options.js';
import { parseDurationMicros } from '../../sdk/profiler/options.js';
import { start } from '../../sdk/index.js';

interface Asserts {
  ok(v: unknown, msg?: string): unknown;
  equal(a: unknown, b: unknown, msg?: string): unknown;
  match(a: unknown, b: RegExp | string, msg?: string): unknown;
  notMatch(a: unknown, b: RegExp | string, msg?: string): unknown;
}

function rejects(t: Asserts, o: StartOptions, option: string, pattern: RegExp, variable?: string): void {
  let caught: unknown;
  try { resolveOptions(o); } catch (err) { caught = err; }
  t.ok(caught instanceof WasmprofOptionError, `${JSON.stringify(o)} is rejected with a WasmprofOptionError`);
  const e = caught as WasmprofOptionError;
  t.equal(e.option, option, 'names the option');
  t.equal(e.variable, variable, variable ? `names ${variable}` : 'no variable');
  t.match(e.message, pattern);
  t.notMatch(e.message, /\n/, 'one line');
  if (variable) t.match(e.message, variable);
}

t.test('defaults', async (t) => {
  const o = resolveOptions({ env: {} });
  t.same(o.profiles, ['wall', 'cpu']);
  t.equal(o.intervalMicros, 10_000);
  t.equal(o.periodMillis, 60_000);
  t.equal(o.heapIntervalBytes, 524_288);
  t.equal(o.outputDir, undefined);
  t.equal(o.sourceMaps, true);
  t.same(o.labels, []);
  t.equal(o.frameCacheCapacity, DEFAULTS.frameCacheCapacity);
  t.equal(o.source, 'auto');
});

t.test('environment values are read and parsed', async (t) => {
  const o = resolveOptions({
    env: {
      WASMPROF_PROFILES: 'wall, heap', WASMPROF_INTERVAL: '500us', WASMPROF_PERIOD: '2m', WASMPROF_HEAP_INTERVAL: '64KiB',
      WASMPROF_OUTPUT_DIR: '/tmp/x', WASMPROF_SOURCE_MAPS: 'off', WASMPROF_SERVICE: 'api', WASMPROF_VERSION: '1.2.3',
      WASMPROF_ENV: 'prod', WASMPROF_FRAME_CACHE: '4096', WASMPROF_SOURCE: 'inspector',
    },
  });
  t.same(o.profiles, ['wall', 'heap']);
  t.equal(o.intervalMicros, 500);
  t.equal(o.periodMillis, 120_000);
  t.equal(o.heapIntervalBytes, 65_536);
  t.equal(o.outputDir, '/tmp/x');
  t.equal(o.sourceMaps, false);
  t.same(o.labels, [['service', 'api'], ['version', '1.2.3'], ['env', 'prod']]);
  t.equal(o.frameCacheCapacity, 4096);
  t.equal(o.source, 'inspector');
  t.equal(resolveOptions({ env: { WASMPROF_INTERVAL: '10' } }).intervalMicros, 10_000, 'a bare number is milliseconds');
  t.equal(resolveOptions({ env: { WASMPROF_PERIOD: '  ' } }).periodMillis, 60_000, 'blank = unset');
});

t.test('code wins over the environment', async (t) => {
  const env = { WASMPROF_INTERVAL: '1ms', WASMPROF_PROFILES: 'heap', WASMPROF_SERVICE: 'from-env' };
  const o = resolveOptions({ interval: 20, profiles: ['cpu'], labels: { service: 'from-code' }, env });
  t.equal(o.intervalMicros, 20_000);
  t.same(o.profiles, ['cpu']);
  t.same(o.labels, [['service', 'from-code']]);
  t.equal(resolveOptions({ env }).intervalMicros, 1000);
  // A bad environment value is still an error when code does not set the option.
  t.throws(() => resolveOptions({ env: { WASMPROF_INTERVAL: 'fast' } }), /WASMPROF_INTERVAL/);
  t.doesNotThrow(() => resolveOptions({ interval: 10, env: { WASMPROF_INTERVAL: 'fast' } }), 'shadowed by code');
});

t.test('durations', async (t) => {
  t.equal(parseDurationMicros('10ms'), 10_000);
  t.equal(parseDurationMicros('1.5s'), 1_500_000);
  t.equal(parseDurationMicros('250µs'), 250);
  t.equal(parseDurationMicros('1h'), 3_600_000_000);
  t.equal(parseDurationMicros(7), 7000);
  t.ok(Number.isNaN(parseDurationMicros('10 parsecs')));
  t.ok(Number.isNaN(parseDurationMicros('-5ms')));
  t.ok(Number.isNaN(parseDurationMicros(Infinity)));
});

t.test('bad values from code', async (t) => {
  rejects(t, { env: {}, profiles: [] }, 'profiles', /at least one of wall, cpu, heap/);
  rejects(t, { env: {}, profiles: ['wall', 'gpu'] as never }, 'profiles', /unknown profile type "gpu"; accepted: wall, cpu, heap/);
  rejects(t, { env: {}, profiles: ['cpu', 'cpu'] }, 'profiles', /listed twice/);
  rejects(t, { env: {}, profiles: 42 as never }, 'profiles', /expected a list/);
  rejects(t, { env: {}, interval: 0 }, 'interval', /out of range: expected a duration from 100us to 1s/);
  rejects(t, { env: {}, interval: '2s' }, 'interval', /from 100us to 1s/);
  rejects(t, { env: {}, interval: '50us' }, 'interval', /from 100us to 1s/);
  rejects(t, { env: {}, interval: -1 }, 'interval', /out of range/);
  rejects(t, { env: {}, interval: NaN }, 'interval', /expected a duration/);
  rejects(t, { env: {}, interval: 'ten ms' }, 'interval', /expected a duration/);
  rejects(t, { env: {}, interval: true as never }, 'interval', /expected a duration/);
  rejects(t, { env: {}, period: '50ms' }, 'period', /from 100ms to 24h/);
  rejects(t, { env: {}, period: '25h' }, 'period', /from 100ms to 24h/);
  rejects(t, { env: {}, period: 'soon' }, 'period', /expected a duration/);
  rejects(t, { env: {}, period: '500ms', interval: '100ms' }, 'period', /at least 10 sampling intervals \(interval is 100ms, so at least 1s\)/);
  rejects(t, { env: {}, heapInterval: 100 }, 'heapInterval', /from 1024 to 1073741824/);
  rejects(t, { env: {}, heapInterval: 2 ** 31 }, 'heapInterval', /out of range/);
  rejects(t, { env: {}, heapInterval: 1024.5 }, 'heapInterval', /whole number of bytes/);
  rejects(t, { env: {}, heapInterval: '12 parsecs' }, 'heapInterval', /whole number of bytes/);
  rejects(t, { env: {}, outputDir: '' }, 'outputDir', /expected a directory path/);
  rejects(t, { env: {}, outputDir: 5 as never }, 'outputDir', /expected a directory path/);
  rejects(t, { env: {}, sourceMaps: 'maybe' as never }, 'sourceMaps', /expected true or false/);
  rejects(t, { env: {}, frameCacheCapacity: 0 }, 'frameCacheCapacity', /from 16 to 16777216/);
  rejects(t, { env: {}, frameCacheCapacity: 2 ** 25 }, 'frameCacheCapacity', /from 16 to 16777216/);
  rejects(t, { env: {}, frameCacheCapacity: 100.5 }, 'frameCacheCapacity', /whole number/);
  rejects(t, { env: {}, source: 'jit' as never }, 'source', /auto, native or inspector/);
  rejects(t, { env: {}, labels: { service: '' } }, 'labels.service', /1 to 200 characters/);
  rejects(t, { env: {}, labels: { version: 'a\nb' } }, 'labels.version', /without control characters/);
  rejects(t, { env: {}, labels: { env: 'x'.repeat(201) } }, 'labels.env', /1 to 200 characters/);
  rejects(t, { env: {}, labels: { service: 3 as never } }, 'labels.service', /expected a string/);
  rejects(t, { env: {}, labels: { team: 'a' } as never }, 'labels', /unknown key "team"/);
  rejects(t, { env: {}, labels: 'svc' as never }, 'labels', /expected an object/);
  rejects(t, { env: {}, intervall: 5 } as never, 'intervall', /unknown option "intervall"; accepted: profiles, interval/);
  t.throws(() => resolveOptions(null as never), /options must be an object/);
});

t.test('bad values from the environment name the variable', async (t) => {
  rejects(t, { env: { WASMPROF_PROFILES: 'wall,stack' } }, 'profiles', /unknown profile type "stack"/, 'WASMPROF_PROFILES');
  rejects(t, { env: { WASMPROF_PROFILES: ',' } }, 'profiles', /at least one/, 'WASMPROF_PROFILES');
  rejects(t, { env: { WASMPROF_INTERVAL: '0ms' } }, 'interval', /from 100us to 1s/, 'WASMPROF_INTERVAL');
  rejects(t, { env: { WASMPROF_INTERVAL: '10 ms please' } }, 'interval', /expected a duration/, 'WASMPROF_INTERVAL');
  rejects(t, { env: { WASMPROF_PERIOD: '1d' } }, 'period', /expected a duration/, 'WASMPROF_PERIOD');
  rejects(t, { env: { WASMPROF_PERIOD: '10ms' } }, 'period', /from 100ms to 24h/, 'WASMPROF_PERIOD');
  rejects(t, { env: { WASMPROF_HEAP_INTERVAL: '-4' } }, 'heapInterval', /whole number of bytes/, 'WASMPROF_HEAP_INTERVAL');
  rejects(t, { env: { WASMPROF_HEAP_INTERVAL: '2GiB' } }, 'heapInterval', /out of range/, 'WASMPROF_HEAP_INTERVAL');
  rejects(t, { env: { WASMPROF_HEAP_INTERVAL: '512 potatoes' } }, 'heapInterval', /whole number of bytes/, 'WASMPROF_HEAP_INTERVAL');
  rejects(t, { env: { WASMPROF_SOURCE_MAPS: 'sometimes' } }, 'sourceMaps', /expected true or false/, 'WASMPROF_SOURCE_MAPS');
  rejects(t, { env: { WASMPROF_FRAME_CACHE: '1e6' } }, 'frameCacheCapacity', /whole number/, 'WASMPROF_FRAME_CACHE');
  rejects(t, { env: { WASMPROF_FRAME_CACHE: '8' } }, 'frameCacheCapacity', /from 16 to/, 'WASMPROF_FRAME_CACHE');
  rejects(t, { env: { WASMPROF_SOURCE: 'NATIVE!' } }, 'source', /auto, native or inspector/, 'WASMPROF_SOURCE');
  rejects(t, { env: { WASMPROF_SERVICE: 'a\u0001b' } }, 'labels.service', /control characters/, 'WASMPROF_SERVICE');
  rejects(t, { env: { WASMPROF_OUTPUT_DIR: 'a\u0000b' } }, 'outputDir', /directory path/, 'WASMPROF_OUTPUT_DIR');
});

t.test('start() reports a bad option before starting anything', async (t) => {
  await t.rejects(start({ env: {}, interval: '5s' }), { name: 'WasmprofOptionError', option: 'interval' });
  await t.rejects(start({ env: { WASMPROF_PROFILES: 'cpu,bogus' } }), /WASMPROF_PROFILES/);
  await t.rejects(start({ env: {}, onPeriod: 'x' as never }), /onPeriod must be a function/);
});
