// The differential flame graph (`--diff-base ... --html`) in headless Chromium, from file://:
// widths follow NEW, colours say grew (red) or shrank (blue-green) per call path, the
// normalization is stated, and hover, zoom, search and the sample-type switcher still work.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { useChromium } from '../helpers/chromium.js';
import t from 'tap';
import { root, runCli } from '../fixtures/view/helpers.js';
import { MS, writeDiffProfiles } from './diff-profiles.js';

const dir = t.testdir({});
const files = writeDiffProfiles(dir);
const browser = useChromium(t);

async function open(file: string): Promise<Page> {
  const page = await browser().newPage({ viewport: { width: 1200, height: 420 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready=true]', { timeout: 5000 });
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  return page;
}

interface DiffFrame { node: string; name: string; value: number; base: number; delta: number; change: string; width: number; hue: number; saturation: number }
/** Frames named `name`, widest first, with the hue/saturation of their drawn background. */
async function frames(page: Page, name: string): Promise<DiffFrame[]> {
  const found = await page.$$eval(`.frame[data-name="${name}"]`, (els) => els.map((e) => {
    const el = e as HTMLElement;
    const [r, g, b] = (getComputedStyle(el).backgroundColor.match(/\d+/g) ?? []).map((x) => Number(x) / 255);
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const d = max - min;
    const hue = d === 0 ? 0 : max === r ? (((g - b) / d) % 6) * 60 : max === g ? ((b - r) / d + 2) * 60 : ((r - g) / d + 4) * 60;
    const light = (max + min) / 2;
    const saturation = d === 0 ? 0 : d / (1 - Math.abs(2 * light - 1));
    return { node: el.dataset.node!, name: el.dataset.name!, value: Number(el.dataset.value), base: Number(el.dataset.base), delta: Number(el.dataset.delta), change: el.dataset.change!, width: el.getBoundingClientRect().width, hue: (hue + 360) % 360, saturation };
  }));
  return found.sort((a, b) => b.width - a.width);
}
const chartWidth = async (page: Page): Promise<number> => (await page.locator('#flamegraph').boundingBox())!.width;
const isRed = (f: DiffFrame): boolean => f.change === 'growth' && (f.hue < 15 || f.hue > 345) && f.saturation > 0.4;
const isBlueGreen = (f: DiffFrame): boolean => f.change === 'shrink' && f.hue > 160 && f.hue < 200 && f.saturation > 0.3;

t.test('1:2 against 2:1: widths from NEW, growth red, shrink blue-green, normalization stated', async (t) => {
  t.setTimeout(30_000);
  const out = join(dir, 'diff.html');
  const r = runCli([files.fresh, '--diff-base', files.base, '--html', out]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /wrote differential flame graph to .*diff\.html \(normalization: by total: BASE values × 0\.5/);
  t.equal(r.stdout.split('\n').length, 2, '--html alone prints no table');
  t.notMatch(readFileSync(out, 'utf8'), /https?:\/\//, 'still a self-contained page');
  const page = await open(out);
  t.teardown(() => page.close());

  const note = page.locator('#diff-note');
  t.ok(await note.isVisible(), 'the page says it is a differential view');
  t.match(await note.innerText(), /new\.pb\.gz \(NEW\) minus base\.pb\.gz \(BASE\)/);
  t.match(await note.innerText(), /Normalization: by total: BASE values × 0\.5 \(its total 2s scaled to NEW's 1s\) because the durations differ \(NEW 1s, BASE 2s\)/);
  t.equal(await note.getAttribute('data-scale'), '0.5');
  t.equal(await page.locator('#total').getAttribute('data-total'), String(1000 * MS));
  t.equal(await page.locator('#total').getAttribute('data-base-total'), String(1000 * MS), 'BASE total after scaling');
  t.match(await page.locator('#total').innerText(), /wall NEW: 1s · BASE: 1s \(normalized\) · change 0s/);

  // Widths are NEW's; B grew (red), A shrank (blue-green).
  const width = await chartWidth(page);
  const [a] = await frames(page, 'A');
  const [b] = await frames(page, 'B');
  t.ok(Math.abs(b.width / width - 0.6) < 0.01, `B is 60% of the width (${b.width / width})`);
  t.ok(Math.abs(a.width / width - 0.3) < 0.01, 'A is 30% of the width');
  t.same([b.value, b.base, b.delta], [600 * MS, 300 * MS, 300 * MS]);
  t.same([a.value, a.base, a.delta], [300 * MS, 600 * MS, -300 * MS]);
  t.ok(isRed(b), `B is red: ${JSON.stringify(b)}`);
  t.ok(isBlueGreen(a), `A is blue-green: ${JSON.stringify(a)}`);
  // Per call path: helper shrank under A and grew under B, though per function it is unchanged.
  const helpers = await frames(page, 'helper');
  t.equal(helpers.length, 2);
  t.ok(isRed(helpers[0]) && helpers[0].delta === 100 * MS, 'helper under B grew');
  t.ok(isBlueGreen(helpers[1]) && helpers[1].delta === -100 * MS, 'helper under A shrank');
  const [main] = await frames(page, 'main');
  t.equal(main.change, 'same');
  t.ok(main.saturation < 0.2, 'an unchanged frame is grey');
  const [fresh] = await frames(page, 'fresh');
  t.ok(isRed(fresh) && fresh.base === 0, 'a frame only in NEW is fully red');
  t.ok(fresh.saturation > b.saturation, 'intensity follows the relative change: new (100%) is stronger than doubled (50%)');

  // The frame only in BASE has no width; it is listed under the graph.
  t.equal(await page.locator('.frame[data-name="legacy"]').count(), 0);
  t.ok(await page.locator('#base-only').isVisible());
  const gone = page.locator('#base-only-list li[data-name="legacy"]');
  t.match(await gone.innerText(), /-100ms\s+main → legacy/);
  t.match(await page.locator('#base-only-total').innerText(), /1 call path, -100ms/);

  // Hover: NEW, BASE and the change.
  await page.hover(`.frame[data-node="${b.node}"]`);
  const tooltip = page.locator('#tooltip');
  await tooltip.waitFor({ state: 'visible', timeout: 2000 });
  const tip = await tooltip.innerText();
  t.match(tip, /NEW: 600ms \(60\.00% of NEW\)/);
  t.match(tip, /BASE: 300ms \(30\.00% of BASE, normalized\)/);
  t.match(tip, /change: \+300ms \(\+100\.0%\)/);
  t.match(tip, /self change: \+200ms/);
  await page.hover(`.frame[data-node="${main.node}"]`);
  t.match(await tooltip.innerText(), /callees only in BASE: -100ms/, 'the caller of a vanished frame says so');
  mkdirSync(join(root, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(root, 'test-results/flamegraph-diff.png') });

  // Zoom into work: it spans the width, B and A rescale, colours stay.
  const [work] = await frames(page, 'work');
  await page.click(`.frame[data-node="${work.node}"]`);
  t.equal(await page.locator('#flamegraph').getAttribute('data-zoom'), work.node);
  t.ok(Math.abs((await frames(page, 'work'))[0].width - width) < 1.5, 'zoomed frame spans the width');
  const [zoomedB] = await frames(page, 'B');
  t.ok(Math.abs(zoomedB.width / width - 600 / 900) < 0.01, 'B rescaled to 600/900');
  t.ok(isRed(zoomedB), 'still red when zoomed');
  t.equal(await page.locator('.frame[data-name="fresh"]').count(), 0, 'frames outside the zoomed one are hidden');
  await page.keyboard.press('Escape');
  t.equal(await page.locator('#flamegraph').getAttribute('data-zoom'), '0');
  // Clicking the listed BASE-only path zooms to its caller.
  await gone.click();
  t.equal(await page.locator('#flamegraph').getAttribute('data-zoom'), main.node);
  await page.click('#reset-zoom');

  // Search: helper matches twice; per function its change is zero.
  await page.fill('#search', 'helper');
  t.equal(await page.locator('.frame.match').count(), 2);
  t.equal(await page.locator('#search-status').getAttribute('data-percent'), '30.00');
  t.equal(await page.locator('#search-status').getAttribute('data-delta'), '0');
  t.match(await page.locator('#search-status').innerText(), /matched 300ms \(30\.00%\) · change 0s/);
  await page.fill('#search', '^B$');
  t.equal(await page.locator('#search-status').getAttribute('data-delta'), String(300 * MS));
  await page.fill('#search', '');
  t.equal(await page.locator('.frame.match').count(), 0);

  // Switching to the sample counts keeps the diff: 60 vs 30 (scaled from 60) for B.
  await page.selectOption('#sample-type', { label: 'samples (count)' });
  t.equal(await page.locator('#total').getAttribute('data-total'), '100');
  const [countB] = await frames(page, 'B');
  t.same([countB.value, countB.base, countB.delta], [60, 30, 30]);
  t.match(await note.innerText(), /BASE values × 0\.5 \(its total 200 scaled to NEW's 100\)/);
});

t.test('the reverse comparison flips the colours; --normalize none is stated', async (t) => {
  t.setTimeout(30_000);
  const out = join(dir, 'reverse.html');
  t.equal(runCli([files.base, '--diff-base', files.fresh, '--normalize', 'none', '--html', out]).code, 0);
  const page = await open(out);
  t.teardown(() => page.close());
  t.match(await page.locator('#diff-note').innerText(), /Normalization: none \(--normalize none\): BASE values are subtracted as they are/);
  t.equal(await page.locator('#diff-note').getAttribute('data-scale'), '1');
  const [a] = await frames(page, 'A');
  const [b] = await frames(page, 'B');
  t.ok(isRed(a) && a.delta === 900 * MS, 'A grew: 1200ms against 300ms');
  t.equal(b.change, 'same', 'B: 600ms in both');
  t.same(await page.$$eval('#base-only-list li', (els) => els.map((e) => (e as HTMLElement).dataset.name)), ['fresh']);
  t.match(await page.locator('#total').innerText(), /wall NEW: 2s · BASE: 1s · change \+1s/);
});
