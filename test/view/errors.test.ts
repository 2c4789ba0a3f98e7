// Every way to feed `wasmprof view` bad input ends the same way: exit code 2 and exactly one
// line on stderr that starts with "wasmprof view:" (no stack trace, nothing on stdout).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import t from 'tap';
import { ViewInputError } from '../../sdk/view/errors.js';
import { parseProfile } from '../../sdk/view/read-profile.js';
import { fixture, runCli } from '../fixtures/view/helpers.js';

const dir = t.testdir({});
const file = (name: string, content: Uint8Array | string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const hotGz = readFileSync(fixture('hot.pb.gz'));
const hotRaw = readFileSync(fixture('hot.pb'));
mkdirSync(join(dir, 'a-directory'));

const cases: Array<[what: string, args: string[], message: RegExp]> = [
  ['a text file', [file('notes.txt', 'hello, this is not a profile\n')], /notes\.txt: not a profile/],
  ['bytes that decode to an empty protobuf', [file('junk.bin', new Uint8Array([0, 1, 2]))], /junk\.bin: not a pprof profile \(it declares no sample types\)/],
  ['JSON that is not a .cpuprofile', [file('other.json', '{"traceEvents": []}')], /other\.json: not a profile \(JSON without the "nodes"/],
  ['JSON that does not parse', [file('broken.cpuprofile', '{"nodes": [')], /broken\.cpuprofile: not a profile \(JSON that does not parse/],
  ['a truncated gzip file', [file('cut.pb.gz', hotGz.subarray(0, Math.floor(hotGz.length / 2)))], /cut\.pb\.gz: truncated or corrupt gzip data/],
  ['gzip with a corrupt body', [file('bad.pb.gz', Buffer.concat([hotGz.subarray(0, 12), Buffer.alloc(40, 0xff)]))], /bad\.pb\.gz: truncated or corrupt gzip data/],
  ['a truncated uncompressed pprof', [file('cut.pb', hotRaw.subarray(0, 400))], /cut\.pb: not a pprof profile/],
  ['an empty file', [file('empty.pb.gz', '')], /empty\.pb\.gz: the file is empty/],
  ['gzip of nothing', [file('nothing.gz', gzipSync(Buffer.alloc(0)))], /nothing\.gz: the gzip data holds an empty file/],
  ['a missing file', [join(dir, 'missing.pb.gz')], /cannot read .*missing\.pb\.gz: no such file/],
  ['a directory', [join(dir, 'a-directory')], /cannot read .*a-directory: is a directory/],
  ['an unknown sample type', [fixture('hot.pb.gz'), '--sample-type', 'inuse_space'], /unknown sample type "inuse_space" for hot\.pb\.gz \(it has: samples\/count, wall\/nanoseconds\)/],
  ['--top that is not a number', [fixture('hot.pb.gz'), '--top', 'ten'], /bad --top value "ten"/],
  ['--top 0', [fixture('hot.pb.gz'), '--top', '0'], /bad --top value "0"/],
  ['--top 2.5', [fixture('hot.pb.gz'), '--top', '2.5'], /bad --top value "2\.5"/],
  ['--top with a negative number', [fixture('hot.pb.gz'), '--top', '-3'], /'--top' argument is ambiguous/],
  ['--top without its value', [fixture('hot.pb.gz'), '--top'], /'--top <value>' argument missing/],
  ['--focus that is not a regex', [fixture('hot.pb.gz'), '--focus', '(unclosed'], /bad --focus value "\(unclosed": Invalid regular expression/],
  ['an empty --sample-type', [fixture('hot.pb.gz'), '--sample-type='], /bad --sample-type value/],
  ['an empty --html', [fixture('hot.pb.gz'), '--html='], /bad --html value/],
  ['--html into a missing directory', [fixture('hot.pb.gz'), '--html', join(dir, 'no/such/dir/out.html')], /cannot write .*out\.html: its directory does not exist/],
  ['an unknown option', [fixture('hot.pb.gz'), '--flame'], /Unknown option '--flame'/],
  ['no profile at all', [], /missing profile file/],
  ['two profiles for the top table', [fixture('hot.pb.gz'), fixture('heap.pb.gz')], /one profile at a time/],
];

for (const [what, args, message] of cases) {
  t.test(what, async (t) => {
    const r = runCli(args);
    t.equal(r.code, 2, 'exit code 2');
    t.equal(r.stdout, '', 'nothing on stdout');
    const lines = r.stderr.split('\n');
    t.equal(lines.length, 2, `exactly one line on stderr: ${JSON.stringify(r.stderr)}`);
    t.equal(lines[1], '', 'ending with a newline');
    t.match(lines[0], /^wasmprof view: /);
    t.match(lines[0], message);
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

t.test('--help is not an error', async (t) => {
  const r = runCli(['--help']);
  t.equal(r.code, 0);
  t.match(r.stdout, /usage: wasmprof view/);
});

// The decoder accepts many byte strings that are not profiles; whatever prefix of a real file
// arrives, the loader must either read it or reject it as bad input, never crash.
t.test('every truncation of a profile is read or rejected cleanly', async (t) => {
  const inputs: Array<[string, Uint8Array]> = [
    ['hot.pb', hotRaw],
    ['go-cpu.pb', gunzipSync(readFileSync(fixture('go-cpu.pb.gz')))],
    ['node.cpuprofile', readFileSync(fixture('node.cpuprofile'))],
  ];
  for (const [name, bytes] of inputs) {
    let crashes = 0;
    for (let len = 0; len < bytes.length; len++) {
      try {
        parseProfile(bytes.subarray(0, len), name);
      } catch (err) {
        if (!(err instanceof ViewInputError)) {
          crashes++;
          if (crashes < 3) t.fail(`${name} cut at ${len}: ${String(err)}`);
        }
      }
    }
    t.equal(crashes, 0, `${name}: no crash for any of ${bytes.length} prefixes`);
  }
});
