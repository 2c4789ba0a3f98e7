// The shared parsers of sdk/config/: one unit table for bytes and durations (and the profiler and
// the exporter now read `1kb` as the same number), the other kinds, rejections that name the
// variable or option, the value and the range, and the one environment reader (Deno's
// permission model simulated with a stand-in Deno global).
import t, { type Test } from 'tap';
import {
  bytesValue, ConfigError, durationMicros, envSetting, formatDuration, parseBoolean, parseBytes, parseChoice, parseDuration,
  parseInteger, parseList, parseText, parseUrl, processEnv, readEnv, type ConfigProblem,
} from '../../sdk/config/index.js';
import { resolveOptions, WasmprofOptionError } from '../../sdk/profiler/options.js';
import { ExporterConfigError, resolveExporterConfig } from '../../sdk/export/config.js';

const KiB = 1024, MiB = 1024 ** 2, GiB = 1024 ** 3;

/** The error `fn` throws (a failure when it returns). */
function caught(t: Test, fn: () => unknown): ConfigError {
  try { fn(); } catch (err) {
    t.ok(err instanceof ConfigError, 'a ConfigError');
    t.ok(err instanceof RangeError, 'and a RangeError');
    return err as ConfigError;
  }
  t.fail('accepted');
  return new ConfigError({});
}

t.test('the byte unit table', async (t) => {
  const cases: Array<[string, number]> = [
    ['1', 1], ['1b', 1], ['1B', 1],
    ['1k', KiB], ['1ki', KiB], ['1KiB', KiB], ['1kib', KiB], ['1K', KiB],
    ['1kb', 1000], ['1kB', 1000], ['1KB', 1000],
    ['1m', MiB], ['1Mi', MiB], ['1MiB', MiB], ['1mb', 1000 ** 2], ['1MB', 1000 ** 2],
    ['1g', GiB], ['1GiB', GiB], ['1gb', 1000 ** 3], ['1GB', 1000 ** 3],
    ['512KiB', 524_288], ['512kb', 512_000], ['1.5MiB', 1.5 * MiB], ['.5KiB', 512], ['64 KiB', 65_536], [' 2048 ', 2048],
  ];
  for (const [text, n] of cases) t.equal(bytesValue(text), n, `${text} = ${n}`);
  t.equal(bytesValue(4096), 4096, 'a number is bytes');
  for (const bad of ['0.5b', '1.5', '1tb', '1 parsec', '-4', '1e3', '', 'KiB', '1KiBs', 1.5, NaN, true, null]) {
    t.ok(Number.isNaN(bytesValue(bad)), `${JSON.stringify(bad)} is not a number of bytes`);
  }
});

t.test('profiler and exporter read the same units the same way', async (t) => {
  for (const [text, n] of [['64kb', 64_000], ['64KiB', 65_536], ['64k', 65_536], ['8MB', 8_000_000], ['8MiB', 8 * MiB]] as const) {
    const profiler = resolveOptions({ env: { WASMPROF_HEAP_INTERVAL: text } }).heapIntervalBytes;
    const c = resolveExporterConfig({ WASMPROF_EXPORTER: 'datadog', WASMPROF_APP_NAME: 'a', WASMPROF_QUEUE_MAX_BYTES: text });
    t.equal(profiler, n, `profiler: ${text} = ${n}`);
    t.equal(c?.kind === 'datadog' ? c.sending.queueMaxBytes : undefined, n, `exporter: ${text} = ${n}`);
  }
  t.equal(resolveOptions({ env: {}, coreHighWater: '64MB' }).coreHighWaterBytes, 64_000_000, 'coreHighWater: MB is 1000-based');
  t.equal(resolveOptions({ env: {}, coreHighWater: '64MiB' }).coreHighWaterBytes, 64 * MiB);
});

t.test('durations', async (t) => {
  const us = (v: unknown) => parseDuration('WASMPROF_X', v, { min: 0, max: 1e12, unit: 'us' });
  t.equal(us('500us'), 500);
  t.equal(us('500µs'), 500, 'micro sign');
  t.equal(us('500μs'), 500, 'Greek mu');
  t.equal(us('500US'), 500, 'any case');
  t.equal(us('10ms'), 10_000);
  t.equal(us('1.5s'), 1_500_000);
  t.equal(us('2m'), 120_000_000, 'm is minutes for a duration');
  t.equal(us('1h'), 3_600_000_000);
  t.equal(us('10'), 10_000, 'a bare number is milliseconds by default');
  t.equal(us(10), 10_000, 'so is a number from code');
  t.equal(parseDuration('x', '10', { min: 0, max: 100, unit: 's', bare: 's' }), 10, 'a bare number means the unit the caller names');
  t.equal(parseDuration('x', '1500ms', { min: 0, max: 100, unit: 's' }), 2, 'the result is rounded to the unit');
  t.equal(durationMicros('250µs'), 250);
  for (const bad of ['10 parsecs', '-5ms', '1d', 'ms', '', Infinity, true]) t.ok(Number.isNaN(durationMicros(bad)), `${String(bad)} is not a duration`);
  t.same(['100us', '10ms', '1s', '90s', '5m', '24h'], [100, 10_000, 1e6, 9e7, 3e8, 8.64e10].map(formatDuration));
  t.equal(resolveOptions({ env: { WASMPROF_INTERVAL: '500us' } }).intervalMicros, 500);
  t.equal(resolveOptions({ env: { WASMPROF_INTERVAL: '500µs' } }).intervalMicros, 500);
  const c = resolveExporterConfig({ WASMPROF_EXPORTER: 'datadog', WASMPROF_APP_NAME: 'a', WASMPROF_EXPORT_TIMEOUT: '500000us' });
  t.equal(c?.kind === 'datadog' ? c.sending.timeoutMs : undefined, 500, 'the exporter takes us too');
});

t.test('integers, booleans, choices, lists, text, URLs', async (t) => {
  t.equal(parseInteger('n', '4096', { min: 16, max: 1 << 24 }), 4096);
  t.equal(parseInteger('n', 17, { min: 16, max: 32 }), 17);
  for (const bad of ['1e6', '-3', '1.5', '0x10', ' ', 1.5, NaN, '12abc']) t.throws(() => parseInteger('n', bad, { min: 0, max: 1e9 }), ConfigError, `${String(bad)} rejected`);
  for (const s of ['1', 'true', 'YES', 'on', true]) t.equal(parseBoolean('b', s), true, `${String(s)} is true`);
  for (const s of ['0', 'false', 'No', 'off', false]) t.equal(parseBoolean('b', s), false, `${String(s)} is false`);
  t.throws(() => parseBoolean('b', 'maybe'), /expected true or false \(or 1\/0, yes\/no, on\/off\)/);
  t.equal(parseChoice('c', 'fetch', { values: ['auto', 'fetch'] }), 'fetch');
  t.equal(parseChoice('c', 'FETCH', { values: ['auto', 'fetch'], ignoreCase: true }), 'fetch');
  t.throws(() => parseChoice('c', 'FETCH', { values: ['auto', 'fetch'] }), /expected auto or fetch/);
  t.same(parseList('l', ' wall, heap ,', { values: ['wall', 'cpu', 'heap'] }), ['wall', 'heap']);
  t.same(parseList('l', ['cpu'], { values: ['wall', 'cpu'] }), ['cpu']);
  t.throws(() => parseList('l', 'wall,wall', { values: ['wall'], item: 'type' }), /type "wall" is listed twice/);
  t.throws(() => parseList('l', '', { values: ['wall', 'cpu'] }), /expected at least one of wall, cpu/);
  t.equal(parseText('s', 'api', { max: 200 }), 'api');
  t.throws(() => parseText('s', 'a\u0007b', { max: 200 }), /1 to 200 characters without control characters/);
  t.equal(parseUrl('u', 'https://h:1/p', { protocols: ['http:', 'https:'] }).host, 'h:1');
  t.throws(() => parseUrl('u', 'http://h/?q=1', { protocols: ['http:'] }), /query string/);
});

t.test('a rejection names the variable or option, the value and the range', async (t) => {
  let e = caught(t, () => parseBytes('WASMPROF_QUEUE_MAX_BYTES', '10', { min: 1024, max: 4 * GiB }));
  t.equal(e.variable, 'WASMPROF_QUEUE_MAX_BYTES', 'a name in capitals is a variable');
  t.equal(e.option, undefined);
  t.equal(e.value, '10');
  t.match(e.message, /^wasmprof: invalid WASMPROF_QUEUE_MAX_BYTES "10": out of range: expected a number of bytes .* from 1024 to 4294967296/);
  t.match(e.expected, /from 1024 to 4294967296/);

  e = caught(t, () => parseDuration('interval', '0ms', { min: 100, max: 1_000_000, unit: 'us', example: '10ms' }));
  t.equal(e.option, 'interval', 'any other name is an option');
  t.match(e.message, /^wasmprof: invalid interval "0ms": out of range: expected a duration from 100us to 1s .*e\.g\. 10ms$/);

  e = caught(t, () => parseInteger({ option: 'frameCacheCapacity', variable: 'WASMPROF_FRAME_CACHE' }, 'many', { min: 16, max: 1 << 24 }));
  t.equal(e.message, 'wasmprof: invalid frameCacheCapacity "many" (from WASMPROF_FRAME_CACHE): expected an integer from 16 to 16777216 (a whole number, no sign or exponent)');

  e = caught(t, () => parseUrl('WASMPROF_SERVER_URL', 'ftp://u:secret@h', { protocols: ['http:', 'https:'] }));
  t.notMatch(e.message, /secret/, 'a URL is kept out of the message');
  t.equal(e.value, undefined);
  t.match(e.message, /got protocol ftp:/);

  t.notMatch(caught(t, () => parseText('s', 'x'.repeat(500), { max: 10 })).message, /x{100}/, 'a long value is cut');

  const seen: ConfigProblem[] = [];
  class MyError extends ConfigError {}
  const mine = caught(t, () => parseInteger({ option: 'n', error: (p) => { seen.push(p); return new MyError(p, `custom: ${p.expected}`); } }, 'x', { min: 1, max: 2 }));
  t.ok(mine instanceof MyError, 'a module can keep its own subclass');
  t.equal(mine.message, 'custom: an integer from 1 to 2 (a whole number, no sign or exponent)');
  t.same(seen.map((p) => [p.option, p.value]), [['n', 'x']]);
});

t.test('the public error names are ConfigErrors', async (t) => {
  let err: unknown;
  try { resolveOptions({ env: { WASMPROF_HEAP_INTERVAL: '1kb' } }); } catch (e) { err = e; }
  t.ok(err instanceof WasmprofOptionError && err instanceof ConfigError && err instanceof RangeError);
  t.match(err, { name: 'WasmprofOptionError', option: 'heapInterval', variable: 'WASMPROF_HEAP_INTERVAL', value: '1kb' });
  t.match((err as Error).message, /invalid heapInterval "1kb" \(from WASMPROF_HEAP_INTERVAL\): out of range: .*from 1024 to 1073741824/, '1kb is 1000 bytes: below the minimum');
  try { resolveExporterConfig({ WASMPROF_EXPORTER: 'file', WASMPROF_OUTPUT_DIR: '/tmp/x', WASMPROF_FILE_MAX_BYTES: 'lots' }); } catch (e) { err = e; }
  t.ok(err instanceof ExporterConfigError && err instanceof ConfigError);
  t.match(err, { name: 'ExporterConfigError', variable: 'WASMPROF_FILE_MAX_BYTES', value: 'lots' });
  try { resolveExporterConfig({ WASMPROF_EXPORTER: 'datadog', WASMPROF_APP_NAME: 'a', WASMPROF_QUEUE_MAX_BYTES: '1kb' }); } catch (e) { err = e; }
  t.match((err as Error).message, /^WASMPROF_QUEUE_MAX_BYTES="1kb" is out of range: expected a number of bytes .* from 1024 to 4294967296/, 'the exporter words it its way: variable, value, range');
  t.notMatch((err as Error).message, /out of range: out of range/);
  t.equal(new WasmprofOptionError('x', undefined, 'm').option, 'x', 'the old constructors still work');
  t.equal(new ExporterConfigError('WASMPROF_X', 'm').variable, 'WASMPROF_X');
});

t.test('the environment under Node', async (t) => {
  t.equal(processEnv(), process.env, 'process.env itself, so later changes are seen');
  process.env.WASMPROF_CONFIG_TEST = ' v ';
  t.teardown(() => { delete process.env.WASMPROF_CONFIG_TEST; });
  t.equal(readEnv('WASMPROF_CONFIG_TEST'), ' v ');
  t.equal(envSetting(processEnv(), 'WASMPROF_CONFIG_TEST'), 'v', 'trimmed');
  t.equal(envSetting({ A: '  ' }, 'A'), undefined, 'blank counts as unset');
});

t.test('the environment under Deno: only what the permission grants, never a prompt', async (t) => {
  const g = globalThis as { Deno?: unknown };
  t.teardown(() => { delete g.Deno; });
  const vars: Record<string, string> = { WASMPROF_PROFILES: 'heap', WASMPROF_PERIOD: '2m', HOME: '/root' };
  const reads: string[] = [];
  const fakeDeno = (granted: (variable?: string) => boolean, querySync = true) => ({
    env: {
      get(name: string) {
        reads.push(name);
        if (!granted(name)) throw new Error(`NotCapable: Requires env access to "${name}"`);
        return vars[name];
      },
      toObject: () => ({ ...vars }),
    },
    permissions: querySync ? { querySync: (d: { name: string; variable?: string }) => ({ state: granted(d.variable) ? 'granted' : 'prompt' }) } : {},
  });

  g.Deno = fakeDeno(() => false);
  t.equal(readEnv('WASMPROF_PROFILES'), undefined, 'without --allow-env: unset');
  t.equal(processEnv().WASMPROF_PROFILES, undefined);
  t.same(reads, [], 'and Deno.env.get is never called (it would prompt on a terminal)');
  t.same(resolveOptions().profiles, ['wall', 'cpu'], 'the variables simply do not apply');

  g.Deno = fakeDeno(() => true);
  t.equal(readEnv('WASMPROF_PROFILES'), 'heap', '--allow-env');
  t.same(Object.keys(processEnv()).sort(), ['HOME', 'WASMPROF_PERIOD', 'WASMPROF_PROFILES']);
  t.same(resolveOptions().profiles, ['heap']);

  g.Deno = fakeDeno((v) => v !== undefined && v.startsWith('WASMPROF_'));
  const env = processEnv();
  t.equal(env.WASMPROF_PERIOD, '2m', '--allow-env=WASMPROF_*: each variable is checked on its own');
  t.equal(env.HOME, undefined);
  t.notOk('HOME' in env);
  t.same(Object.keys(env), [], 'nothing to list without the full permission');

  reads.length = 0;
  g.Deno = fakeDeno(() => false, false);
  t.equal(readEnv('WASMPROF_PROFILES'), undefined, 'a Deno without querySync: tried, and the refusal caught');
  t.same(reads, ['WASMPROF_PROFILES']);
});
