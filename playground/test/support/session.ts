/**
 * The browser half of the playground's tests: builds the page into a temp dir, serves it, launches
 * Debian's headless Chromium (playwright-core), opens sessions by URL fragment, and checks after all
 * tests that every request stayed on the page's own origin and no page threw. Screenshots go to a
 * temp dir (printed).
 */
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '@ea/testkit';
import { buildPlayground } from '../../build.js';
import { servePlayground } from '../../serve.js';
import type { Settings } from '../../src/analyze.js';
import { encodeState } from '../../src/state.js';

/** What a test file drives the page with. */
export interface Session {
  /** The directory screenshots are written to. */
  readonly shots: string;
  /** Opens the page with a session in its fragment (`variant` 'csp/' for the strict one) and waits for the analysis. */
  open(text: string, settings: Settings, tab?: string, variant?: string): Promise<Page>;
  /** Clicks a tab and checks it is selected. */
  selectTab(page: Page, id: string): Promise<void>;
  /** Returns an element's text content ('' when none). */
  text(page: Page, selector: string): Promise<string>;
}

/** Registers beforeAll/afterAll for one test file's browser and server; call inside its describe. */
export function browserSession(): Session {
  let server: Server | undefined;
  let base = '';
  let browser: Browser;
  const shots = mkdtempSync(join(tmpdir(), 'ea-playground-'));
  const requests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const dist = mkdtempSync(join(tmpdir(), 'ea-playground-dist-'));
    await buildPlayground(dist);
    ({ server, url: base } = await servePlayground(dist, 0));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    process.stdout.write(`playground screenshots: ${shots}\n`);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    // Nothing is sent anywhere: every request the pages made was for the page's own files.
    expect(requests.length).toBeGreaterThan(0);
    for (const url of requests) expect(url.startsWith(base)).toBe(true);
    // No uncaught exception in any page, whatever it was given.
    expect(pageErrors).toEqual([]);
  });

  return {
    shots,
    async open(text, settings, tab = 'verifier', variant = '') {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      page.on('request', (r) => requests.push(r.url()));
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      const state = { text, bytes: null, format: settings.format, profile: settings.profile, arch: settings.arch, section: settings.section, tab };
      await page.goto(`${base}${variant}#${encodeState(state)}`);
      await page.waitForSelector('body[data-state=ready]');
      return page;
    },
    async selectTab(page, id) {
      await page.click(`#tab-${id}`);
      expect(await page.getAttribute(`#tab-${id}`, 'aria-selected')).toBe('true');
    },
    async text(page, selector) {
      return (await page.locator(selector).textContent()) ?? '';
    },
  };
}
