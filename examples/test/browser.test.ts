/**
 * The packages in a real browser: esbuild bundles @ea/bpf + @ea/verifier + @ea/jit for the
 * browser, headless Chromium (Debian's, driven by playwright-core) runs a seccomp and a socket
 * filter, once on a plain page (the JIT is used) and once on a page whose Content-Security-Policy
 * forbids eval (compile() must fall back to the interpreter and say so). Answers are compared
 * with the same computation in Node.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eaDemo, type DemoResult } from '../browser/entry.js';
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_MISSING } from '@ea/testkit';

const unavailable = CHROMIUM_MISSING;

describe.skipIf(unavailable !== null)(`browser bundle in headless Chromium${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let server: Server;
  let base = '';
  let browser: Browser;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('../browser/entry.ts', import.meta.url))],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const script = bundle.outputFiles[0]!.text;
    const page = '<!doctype html><meta charset="utf-8"><title>ea</title><script src="/ea.js"></script>';
    server = createServer((req, res) => {
      const csp = req.url?.startsWith('/csp') ?? false;
      const headers: Record<string, string> = csp ? { 'Content-Security-Policy': "script-src 'self'" } : {};
      if (req.url === '/ea.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
      } else {
        res.writeHead(200, { 'Content-Type': 'text/html', ...headers }).end(page);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  async function runIn(path: string): Promise<DemoResult> {
    const page = await browser.newPage();
    try {
      await page.goto(`${base}${path}`);
      const result = await page.evaluate(() => (globalThis as unknown as { eaResult: unknown }).eaResult);
      if (result === undefined || (result as { error?: string }).error !== undefined) {
        throw new Error(`the page's demo failed: ${JSON.stringify(result)}`);
      }
      return result as DemoResult;
    } finally {
      await page.close();
    }
  }

  it('runs the JIT on a page that allows eval, with the answers Node computes', async () => {
    const expected = eaDemo();
    expect(expected.accelerated).toBe(true);
    const got = await runIn('/');
    expect(got.accelerated).toBe(true);
    expect(got.seccomp).toEqual(expected.seccomp);
    expect(got.socket).toEqual(expected.socket);
    expect(got.interpreted).toEqual(expected.interpreted);
    // The filters really decide: allow, ERRNO(EACCES), kill, kill (wrong arch); 53 only.
    expect(got.seccomp).toEqual([0x7fff0000, 0x0005000d, 0, 0]);
    expect(got.socket).toEqual([0x40000, 0, 0]);
  });

  it('falls back to the interpreter where CSP forbids eval, with the same answers', async () => {
    const expected = eaDemo();
    const got = await runIn('/csp');
    expect(got.accelerated).toBe(false);
    expect(got.reason).toMatch(/eval|Function|Content.Security/i);
    expect(got.seccomp).toEqual(expected.seccomp);
    expect(got.socket).toEqual(expected.socket);
  });
});
