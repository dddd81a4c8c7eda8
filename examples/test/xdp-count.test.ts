/**
 * The XDP per-protocol count (xdp-count.ts) in Node and in a browser: clang builds c/xdp-count.c
 * in the setup; the rows must equal a count computed here from the frame bytes by hand (an
 * independent model of the C source), through both engines, and headless Chromium running the
 * esbuild bundle of browser/xdp-entry.ts on the same object and pcap file must give the same
 * rows. Skipped with a message without clang (or without Chromium for the browser half).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_MISSING } from '@ea/testkit';
import { readCapture } from '@ea/pcap';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildXdpCount, generatedPcap, PACKETS } from '../xdp-count.js';
import { countPerProtocol, protocolName, type XdpCount } from '../xdp/count.js';
import { runExample } from './support/run-example.js';

const dir = mkdtempSync(join(tmpdir(), 'ea-xdp-count-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const object = buildXdpCount(dir);
const pcap = generatedPcap();

/** xdp-count.c, in JavaScript: rows by key, and the actions. */
function model(bytes: Uint8Array): { rows: Map<number, [number, number]>; drops: number } {
  const capture = readCapture(bytes);
  const rows = new Map<number, [number, number]>();
  let drops = 0;
  for (let i = 0; i < capture.count; i++) {
    const p = capture.data.subarray(capture.offsets[i]!, capture.offsets[i]! + capture.capLengths[i]!);
    const type = p.length >= 14 ? (p[12]! << 8) | p[13]! : -1;
    let key: number;
    if (type < 0 || (type === 0x0800 && p.length < 34) || (type === 0x86dd && p.length < 54)) {
      drops++;
      continue;
    }
    if (type === 0x0800) key = p[23]!;
    else if (type === 0x86dd) key = 0x100 | p[20]!;
    else key = 0x10000 | type;
    const row = rows.get(key);
    if (row !== undefined) {
      row[0]++;
      row[1] += p.length;
    } else if (rows.size < 256) rows.set(key, [1, p.length]);
  }
  return { rows, drops };
}

function expectModel(count: XdpCount): void {
  const { rows, drops } = model(pcap);
  expect(count.packets).toBe(PACKETS);
  expect(new Map(count.rows.map((r) => [r.key, [r.packets, r.bytes]]))).toEqual(rows);
  expect(count.actions).toEqual({ XDP_PASS: PACKETS - drops, ...(drops > 0 && { XDP_DROP: drops }) });
  expect(count.rows.every((r) => r.protocol === protocolName(r.key))).toBe(true);
}

describe.skipIf(object === null)(`the XDP per-protocol count${object === null ? ' (skipped: clang is not installed)' : ''}`, () => {
  it('equals a count made from the frame bytes, through both engines', () => {
    const jit = countPerProtocol(object!, pcap, 'jit');
    expectModel(jit);
    expect(countPerProtocol(object!, pcap, 'interp')).toEqual(jit);
    expect(jit.rows.length).toBeGreaterThan(5);
  });

  it('runs as a script and prints the rows', () => {
    const out = runExample('xdp-count');
    const jit = countPerProtocol(object!, pcap, 'jit');
    expect(out).toContain(`${PACKETS} packets`);
    for (const r of jit.rows) expect(out).toMatch(new RegExp(`${r.protocol.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+${r.packets}\\s+${r.bytes}`));
    expect(out).toContain('the interpreter agrees on every row and action');
  });

  describe.skipIf(CHROMIUM_MISSING !== null)(`in headless Chromium${CHROMIUM_MISSING === null ? '' : ` (skipped: ${CHROMIUM_MISSING})`}`, () => {
    it('the bundled page counts the same pcap file to the same rows, JIT and interpreter', async () => {
      const bundle = await build({
        entryPoints: [fileURLToPath(new URL('../browser/xdp-entry.ts', import.meta.url))],
        bundle: true,
        format: 'iife',
        platform: 'browser',
        target: 'es2022',
        write: false,
        logLevel: 'silent',
      });
      const script = bundle.outputFiles[0]!.text;
      const page = '<!doctype html><meta charset="utf-8"><title>ea xdp</title><script src="/ea.js"></script>';
      const server: Server = createServer((req, res) => {
        if (req.url === '/ea.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
        else if (req.url === '/xdp-count.o') res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(object!);
        else if (req.url === '/capture.pcap') res.writeHead(200, { 'Content-Type': 'application/vnd.tcpdump.pcap' }).end(pcap);
        else res.writeHead(200, { 'Content-Type': 'text/html' }).end(page);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      try {
        const tab = await browser.newPage();
        await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
        const got = await tab.evaluate(async () => {
          const fetchBytes = async (path: string): Promise<Uint8Array> => new Uint8Array(await (await fetch(path)).arrayBuffer());
          const [o, c] = await Promise.all([fetchBytes('/xdp-count.o'), fetchBytes('/capture.pcap')]);
          const count = (globalThis as unknown as { eaXdpCount: (o: Uint8Array, c: Uint8Array, e: string) => unknown }).eaXdpCount;
          return { jit: count(o, c, 'jit'), interp: count(o, c, 'interp') };
        });
        const expected = countPerProtocol(object!, pcap, 'jit');
        expect(got.jit).toEqual(expected);
        expect(got.interp).toEqual(expected);
        expectModel(got.jit as XdpCount);
      } finally {
        await browser.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }, 120_000);
  });
});
