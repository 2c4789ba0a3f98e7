// The flame graph page in a real (headless) Chromium, opened from disk the way a user would:
// what it shows must match the profile as pprof-format reads it, and zoom, search, sample-type
// switching and label filters must work without any server or network.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { useChromium } from '../helpers/chromium.js';
import t from 'tap';
import { writeFlameGraphHtml } from '../../sdk/view/index.js';
import { decodeFixture, fixture, root, runCli, sampleTypeIndex, stackNames } from '../fixtures/view/helpers.js';

const dir = t.testdir({});
const browser = useChromium(t);

/** Percent of the total that the call path (root first) accounts for, read straight from pprof. */
function pathPercent(file: string, type: string, path: string[], keep: (labels: Map<string, string>) => boolean = () => true): string {
  const p = decodeFixture(file);
  const ti = sampleTypeIndex(p, type);
  const s = p.stringTable.strings;
  let total = 0;
  let under = 0;
  for (const sample of p.sample) {
    const labels = new Map(sample.label.map((l) => [s[Number(l.key)], s[Number(l.str)]]));
    if (!keep(labels)) continue;
    const v = Number(sample.value[ti]);
    total += v;
    const rootFirst = stackNames(p, sample.locationId).reverse();
    if (path.every((name, i) => rootFirst[i] === name)) under += v;
  }
  return ((under / total) * 100).toFixed(2);
}

async function open(file: string): Promise<{ page: Page; requests: string[] }> {
  const page = await browser().newPage({ viewport: { width: 1200, height: 330 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready=true]', { timeout: 5000 });
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  return { page, requests };
}

interface FrameInfo { node: string; name: string; percent: string; value: number; text: string; width: number }
async function frames(page: Page, name: string): Promise<FrameInfo[]> {
  const found = await page.$$eval(`.frame[data-name="${name}"]`, (els) => els.map((e) => {
    const el = e as HTMLElement;
    return { node: el.dataset.node!, name: el.dataset.name!, percent: el.dataset.percent!, value: Number(el.dataset.value), text: el.textContent ?? '', width: el.getBoundingClientRect().width };
  }));
  return found.sort((a, b) => b.width - a.width);
}
const chartWidth = async (page: Page): Promise<number> => (await page.locator('#flamegraph').boundingBox())!.width;

const HOT_PATH = ['processTicksAndRejections', 'main', 'handleRequest', 'hotLoop'];

t.test('single profile page from the CLI: hot function, tooltip, zoom, search, switcher, labels', async (t) => {
  t.setTimeout(20_000);
  const out = join(dir, 'hot.html');
  const r = runCli([fixture('hot.pb.gz'), '--html', out]);
  t.equal(r.code, 0, r.stderr);
  const html = readFileSync(out, 'utf8');
  t.notMatch(html, /\b(src|href)\s*=/i, 'no external resources');
  t.notMatch(html, /https?:\/\//, 'no URLs at all');
  t.match(html, /<script type="application\/json" id="profile-data">/, 'data is embedded JSON');

  const { page, requests } = await open(out);
  t.teardown(() => page.close());

  // The hot function is visible, labelled, and has the share pprof-format gives its call path.
  const wantHot = pathPercent('hot.pb.gz', 'wall', HOT_PATH);
  t.equal(wantHot, '70.00');
  const [hot] = await frames(page, 'hotLoop');
  t.equal(hot.percent, wantHot, 'hotLoop percent from the DOM');
  t.equal(hot.text, 'hotLoop', 'hotLoop is labelled');
  t.ok(Math.abs(hot.width / (await chartWidth(page)) - 0.7) < 0.01, 'hotLoop is 70% of the width');
  t.equal(await page.locator('#total').getAttribute('data-total'), String(1e9), 'total wall time');

  // Hover: the tooltip names the function, its file:line, value and percent.
  await page.hover(`.frame[data-node="${hot.node}"]`);
  const tooltip = page.locator('#tooltip');
  await tooltip.waitFor({ state: 'visible', timeout: 2000 });
  const tip = await tooltip.innerText();
  t.match(tip, /hotLoop/);
  t.match(tip, /\/srv\/app\/src\/hot\.js:3/);
  t.match(tip, /wall: 700ms \(70\.00% of total\)/);
  mkdirSync(join(root, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(root, 'test-results/flamegraph.png') });

  // Click zooms: the clicked frame spans the whole width, its children scale with it.
  const [handle] = await frames(page, 'handleRequest');
  await page.click(`.frame[data-node="${handle.node}"]`);
  t.equal(await page.locator('#flamegraph').getAttribute('data-zoom'), handle.node);
  const [zoomedHandle] = await frames(page, 'handleRequest');
  t.ok(Math.abs(zoomedHandle.width - (await chartWidth(page))) < 1.5, 'zoomed frame spans the full width');
  const [zoomedHot] = await frames(page, 'hotLoop');
  t.ok(Math.abs(zoomedHot.width / (await chartWidth(page)) - 700 / 855) < 0.01, 'children are rescaled');
  t.same(await frames(page, 'recurse'), [], 'frames outside the zoomed one are hidden');
  t.equal(zoomedHot.percent, '70.00', 'percent stays relative to the total');
  t.ok(await page.locator('#reset-zoom').isEnabled());
  await page.screenshot({ path: join(root, 'test-results/flamegraph-zoomed.png') });
  await page.click('#reset-zoom');
  t.equal(await page.locator('#flamegraph').getAttribute('data-zoom'), '0');
  const [unzoomed] = await frames(page, 'handleRequest');
  t.ok(Math.abs(unzoomed.width / (await chartWidth(page)) - 0.855) < 0.01, 'reset restores the full view');

  // Search highlights matching frames and says how much they account for.
  await page.fill('#search', 'json');
  t.same(await page.$$eval('.frame.match', (els) => els.map((e) => (e as HTMLElement).dataset.name)), ['parseJson']);
  t.equal(await page.locator('#search-status').getAttribute('data-percent'), '10.00');
  await page.fill('#search', 'recurse|hot');
  const matchNames = await page.$$eval('.frame.match', (els) => els.map((e) => (e as HTMLElement).dataset.name).sort());
  t.same(matchNames, ['hotLoop', 'hotLoop', 'recurse', 'recurse', 'recurse']);
  t.equal(await page.locator('#search-status').getAttribute('data-percent'), '82.00', 'recursion counted once: 700 + 120 of 1000');
  await page.fill('#search', '');
  t.equal(await page.locator('.frame.match').count(), 0);

  // Switching sample type changes totals and shares.
  t.ok(await page.locator('#sample-type').isVisible());
  await page.selectOption('#sample-type', { label: 'samples (count)' });
  t.equal(await page.locator('#total').getAttribute('data-total'), '100');
  t.equal((await frames(page, 'hotLoop'))[0].percent, pathPercent('hot.pb.gz', 'samples', HOT_PATH));
  t.equal((await frames(page, 'hotLoop'))[0].percent, '60.00');
  await page.selectOption('#sample-type', { label: 'wall (nanoseconds)' });

  // Label filter: only /tree requests.
  await page.selectOption('select[data-label-key="route"]', '/tree');
  t.equal(await page.locator('#total').getAttribute('data-total'), String(120e6));
  const treeHot = await frames(page, 'hotLoop');
  t.equal(treeHot.length, 1, 'only the hotLoop under recurse is left');
  const treePath = ['processTicksAndRejections', 'main', 'recurse', 'recurse', 'hotLoop'];
  t.equal(treeHot[0].percent, pathPercent('hot.pb.gz', 'wall', treePath, (l) => l.get('route') === '/tree'));
  t.equal(treeHot[0].percent, '33.33');
  t.equal(await page.locator('.frame[data-name="parseJson"]').count(), 0);
  await page.selectOption('select[data-label-key="route"]', '');
  t.equal(await page.locator('#total').getAttribute('data-total'), String(1e9));

  t.ok(requests.every((u) => u.startsWith('file://')) && requests.length === 1, `only the page itself was loaded: ${requests.join(', ')}`);
});

t.test('writeFlameGraphHtml: wall and heap profiles in one page', async (t) => {
  t.setTimeout(20_000);
  const out = join(dir, 'flamegraph.html');
  await writeFlameGraphHtml(
    [
      { name: 'wall.pb.gz', bytes: readFileSync(fixture('hot.pb.gz')) },
      { name: 'heap.pb.gz', bytes: readFileSync(fixture('heap.pb.gz')) },
    ],
    out,
  );
  const { page } = await open(out);
  t.teardown(() => page.close());
  const options = await page.$$eval('#sample-type option', (els) => els.map((e) => e.textContent));
  t.same(options, ['samples (count) — wall.pb.gz', 'wall (nanoseconds) — wall.pb.gz', 'inuse_objects (count) — heap.pb.gz', 'inuse_space (bytes) — heap.pb.gz']);
  t.equal(await page.locator('#total').getAttribute('data-total'), String(1e9), 'opens on the first profile, default type');
  await page.selectOption('#sample-type', { label: 'inuse_space (bytes) — heap.pb.gz' });
  t.equal(await page.locator('#total').getAttribute('data-total'), String(4 * 1024 * 1024));
  t.match(await page.locator('#total').innerText(), /inuse_space total: 4MB/);
  const p = decodeFixture('heap.pb.gz');
  const want = pathPercent('heap.pb.gz', 'inuse_space', ['processTicksAndRejections', 'main', 'handleRequest', 'parseJson']);
  t.equal(want, '75.00');
  t.equal((await frames(page, 'parseJson'))[0].percent, want);
  t.ok(await page.locator('#label-filters').isHidden(), 'the heap profile has no labels to filter by');
  t.ok(p.sample.length > 0);
});

t.test('V8 .cpuprofile and Go profiles render too', async (t) => {
  t.setTimeout(20_000);
  const cpu = join(dir, 'cpu.html');
  t.equal(runCli([fixture('node.cpuprofile'), '--html', cpu]).code, 0);
  const a = await open(cpu);
  t.equal((await frames(a.page, 'crunch'))[0].percent, '62.50');
  t.ok(await a.page.locator('#sample-type-label').isVisible(), 'samples and wall are offered');
  await a.page.close();

  const go = join(dir, 'go.html');
  t.equal(runCli([fixture('go-cpu.pb.gz'), '--html', go]).code, 0);
  const b = await open(go);
  // main.add was inlined into main.compute: both are shown, the inlined one as the callee.
  const [add] = await frames(b.page, 'main.add');
  const [compute] = await frames(b.page, 'main.compute');
  t.equal(add.percent, compute.percent);
  t.equal(add.percent, ((300 / 470) * 100).toFixed(2));
  t.equal(await b.page.locator('#label-filters').isHidden(), true);
  await b.page.close();
});

t.test('a function name made of markup is shown as text, never run', async (t) => {
  t.setTimeout(20_000);
  const evil = '<img src=x onerror="document.title=\'pwned\'"></script><script>document.title="pwned"</script>';
  const out = join(dir, 'evil.html');
  const profile = { nodes: [{ id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2] }, { id: 2, callFrame: { functionName: evil, url: 'x.js', lineNumber: 0 } }], samples: [2, 2], timeDeltas: [0, 10], startTime: 0, endTime: 20 };
  await writeFlameGraphHtml([{ name: 'evil "<b>".cpuprofile', bytes: new TextEncoder().encode(JSON.stringify(profile)) }], out);
  const { page } = await open(out);
  t.teardown(() => page.close());
  t.equal(await page.locator('#title').innerText(), 'evil "<b>".cpuprofile');
  t.equal(await page.locator('.frame.labelled:not(.root)').first().innerText(), evil);
  t.equal(await page.locator('img').count(), 0);
  t.notMatch(await page.title(), /pwned/);
});
