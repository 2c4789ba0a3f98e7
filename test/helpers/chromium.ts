// One headless Chromium per test file (the flags the project runs Chromium with everywhere).
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

interface Hooks { before(fn: () => Promise<void>): void; teardown(fn: () => Promise<void>): void }

/** Launches the browser before the file's tests and closes it after; call the result to get it. */
export function useChromium(t: Hooks): () => Browser {
  let browser: Browser | undefined;
  t.before(async () => { browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }); });
  t.teardown(async () => { await browser?.close(); });
  return () => {
    if (!browser) throw new Error('chromium is not launched yet');
    return browser;
  };
}
