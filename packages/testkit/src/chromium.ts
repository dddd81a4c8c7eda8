/**
 * Debian's Chromium for the browser tests (driven by playwright-core, which downloads no browser
 * of its own): where it is, why a test skips, and the flags a sandboxed root session without
 * network needs (no sandbox, no GPU, none of the background connections that would be refused).
 */
import { existsSync } from 'node:fs';

/** Returns the Chromium binary the browser tests launch (EA_CHROMIUM overrides). */
export const CHROMIUM = process.env['EA_CHROMIUM'] ?? '/usr/bin/chromium';

/** Says why the browser tests skip here, or null when Chromium is present. */
export const CHROMIUM_MISSING = existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`;

/** Lists the launch flags for headless Chromium as root on a machine without network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
