// Bookkeeping of the suites that run outside tap (test/package, test/startup): TAP-like lines,
// the Node releases given as `version=/path/to/node` arguments (test/run-all.mjs passes the
// matrix; none means the Node running the suite), and the counts run-all reads back from
// test-results/<name>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export function plainSuite(name) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const releases = process.argv.slice(2).map((a) => {
    const i = a.indexOf('=');
    return { version: a.slice(0, i), node: a.slice(i + 1) };
  });
  if (releases.length === 0) releases.push({ version: process.versions.node, node: process.execPath });
  return {
    releases,
    /** One check: an ok / not ok line (with the detail when it failed); returns ok. */
    check(ok, what, detail = '') {
      counts[ok ? 'passed' : 'failed']++;
      console.log(`${ok ? 'ok' : 'not ok'} - ${what}${!ok && detail ? `\n  # ${detail.replace(/\n/g, '\n  # ')}` : ''}`);
      return ok;
    },
    /** Writes the counts, prints the suite's totals line and exits (1 when a check failed). */
    finish() {
      mkdirSync(join(root, 'test-results'), { recursive: true });
      writeFileSync(join(root, 'test-results', `${name}.json`), JSON.stringify(counts) + '\n');
      console.log(`# ${name}: ${counts.passed} passed, ${counts.failed} failed`);
      process.exit(counts.failed === 0 ? 0 : 1);
    },
  };
}
