/**
 * eBPF input in headless Chromium: a clang-built object (test/c/tally.c, compiled in the setup;
 * skipped with a message without clang) dropped on the page, its listing with relocations by name,
 * the generated JavaScript, and the run view (hex packets and a capture, both engines, the maps
 * after), each checked against what the same code computes in Node; then the typed errors of a
 * truncated object, bad assembly and a program the load-time checks refuse, and the strict CSP.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { generateCapture, packetAt, writePcap } from '@ea/pcap';
import { CHROMIUM_MISSING } from '@ea/testkit';
import { analyze, type Report, type Settings } from '../src/analyze.js';
import { type RunAnswer, runPackets } from '../src/run.js';
import { browserSession } from './support/session.js';

const SETTINGS: Settings = { format: 'auto', profile: 'socket', arch: 'x86_64', section: '' };

/** Returns why clang cannot build test/c here, or null. */
function clangMissing(): string | null {
  try {
    execFileSync('clang', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'clang is not installed (apt-get install clang; .ci/run installs it)';
  }
}

/** Compiles test/c/NAME.c as libbpf's users do (clang -O2 -g -target bpf) into a temp dir. */
function compileC(name: string): Uint8Array {
  const out = join(mkdtempSync(join(tmpdir(), 'ea-playground-c-')), `${name}.o`);
  const source = join(import.meta.dirname, 'c', `${name}.c`);
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-mcpu=v3', '-I/usr/include/x86_64-linux-gnu', '-c', source, '-o', out], { stdio: 'pipe' });
  return new Uint8Array(readFileSync(out));
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The cells the run table must show for an answer (as views.ts writes them). */
function runCells(answer: RunAnswer): string[] {
  if (!answer.ok) throw new Error(answer.error.message);
  const o = (x: { r0: string | null; action: string | null; error: string | null }): string => (x.error !== null ? `error ${x.error}` : `${x.r0}${x.action === null ? '' : ` ${x.action}`}`);
  return answer.rows.flatMap((r) => [String(r.index), String(r.length), o(r.interpreter), o(r.jit)]);
}

const MISSING = CHROMIUM_MISSING ?? clangMissing();

describe.skipIf(MISSING !== null)(`playground eBPF input${MISSING ? ` (skipped: ${MISSING})` : ''}`, () => {
  const { shots, open, selectTab, text } = browserSession();

  /** Drops a file on the page and waits until its analysis is shown: the summary (`ELF object…`) or the error box. */
  async function drop(page: Page, bytes: Uint8Array, name: string, shown: 'summary' | 'error'): Promise<void> {
    await page.setInputFiles('#file', { name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
    await page.waitForFunction(
      (where) => document.body.dataset['state'] === 'ready' &&
        (where === 'summary' ? document.getElementById('summary')?.textContent?.startsWith('ELF object') === true : document.getElementById('error')?.textContent !== ''),
      shown,
    );
  }

  it('reads a clang-built object: listing with relocations by name, JavaScript, and both engines over packets with the maps after', async () => {
    const object = compileC('tally');
    const expected = analyze({ bytes: object }, SETTINGS);
    if (expected.error !== null || expected.ebpf === null) throw new Error(expected.error?.message ?? 'not eBPF');
    expect(expected.verify).toEqual({ ok: true });
    const relocations = expected.listing.flatMap((r) => (r.relocation === null ? [] : [r.relocation]));
    // The three kinds of relocation the object has, by name.
    expect(relocations.some((r) => r === 'map tally')).toBe(true);
    expect(relocations.some((r) => r.startsWith('data .bss'))).toBe(true);
    expect(relocations.some((r) => r.startsWith('call '))).toBe(true);
    const page = await open('', SETTINGS);
    try {
      await drop(page, object, 'tally.o', 'summary');
      expect(await text(page, '#summary')).toBe(`ELF object: 2 programs, 1 map; program xdp: ${expected.listing.length} instructions · eBPF`);
      expect(await text(page, '#verdict')).toContain('Accepted by the eBPF load-time checks');
      const cells = await page.locator('#panel-verifier [aria-label=Listing] tbody tr').evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => td.textContent)));
      expect(cells).toEqual(expected.listing.map((r) => [String(r.pc), r.text, r.relocation ?? '']));
      expect(await page.locator('#object-maps tbody td').allInnerTexts()).toEqual(['tally', 'array', '4', '8', '8', '.bss', 'global data', '', '8', '1']);
      await page.screenshot({ path: join(shots, 'ebpf-object-verifier.png'), fullPage: true });
      await selectTab(page, 'disassembly');
      expect(await page.locator('#disassembly').textContent()).toBe(expected.disassembly);
      await selectTab(page, 'javascript');
      expect(await page.locator('#javascript').textContent()).toBe(expected.jit!.source);
      expect(expected.jit!.source).toContain('// 0: ');

      await selectTab(page, 'run');
      const capture = generateCapture({ count: 60, seed: 21 });
      const lines = Array.from({ length: 40 }, (_, i) => hex(packetAt(capture, i).data)).concat(['-', '00112233']).join('\n');
      const fromText = runPackets({ bytes: object }, null, '', lines, null);
      const pcap = writePcap(capture);
      const fromPcap = runPackets({ bytes: object }, null, '', '', pcap);
      for (const [file, want] of [[null, fromText], [pcap, fromPcap]] as const) {
        if (!want.ok) throw new Error(want.error.message);
        expect(want.agreed).toBe(want.total);
        // The tally is not trivial: several slots were counted, and some frames were dropped (UDP).
        expect(want.maps[0]!.interpreter.filter(([, v]) => v !== '0000000000000000').length).toBeGreaterThan(1);
        expect(want.rows.some((r) => r.interpreter.action === 'XDP_DROP')).toBe(true);
        if (file === null) await page.fill('#run-packets', lines);
        else await page.setInputFiles('#run-pcap', { name: 'x.pcap', mimeType: 'application/octet-stream', buffer: Buffer.from(file) });
        await page.click('#run-run');
        await page.waitForFunction((total) => document.getElementById('run-verdict')?.textContent?.startsWith(`${total} packets`) === true, want.total);
        expect(await page.locator('#run-table tbody td').allInnerTexts()).toEqual(runCells(want));
        const maps = await page.locator('table.run-map').evaluateAll((ts) => ts.map((t) => Array.from(t.querySelectorAll('tbody td'), (td) => td.textContent)));
        expect(maps).toEqual(want.maps.map((m) => m.interpreter.flatMap(([k, v]) => [k, v, new Map(m.jit).get(k) ?? '(absent)'])));
      }
      expect(fromText.ok && fromText.rows.at(-2)!.interpreter.action).toBe('XDP_ABORTED');
      await page.screenshot({ path: join(shots, 'ebpf-object-run.png'), fullPage: true });
      expect(page.url()).toContain('bytes=');

      // The second program, chosen in the Program select: its own listing and run (slot 7 counts every frame).
      const tc = analyze({ bytes: object }, { ...SETTINGS, section: 'tc' });
      if (tc.error !== null) throw new Error(tc.error.message);
      expect(tc.listing).not.toEqual(expected.listing);
      expect(await page.locator('#section option').allTextContents()).toEqual(['xdp (tally_frames)', 'tc (tally_all)']);
      await page.selectOption('#section', 'tc');
      await page.waitForFunction(() => document.getElementById('summary')?.textContent?.includes('program tc:') === true);
      await selectTab(page, 'disassembly');
      expect(await page.locator('#disassembly').textContent()).toBe(tc.disassembly);
      await selectTab(page, 'run');
      const tcRun = runPackets({ bytes: object }, null, 'tc', lines, null);
      if (!tcRun.ok) throw new Error(tcRun.error.message);
      const counted = tcRun.rows.filter((r) => r.interpreter.error === null).length;
      expect(counted).toBeGreaterThan(30);
      expect(tcRun.maps[0]!.interpreter.at(-1)![1]).toBe(`${counted.toString(16).padStart(2, '0')}00000000000000`);
      await page.fill('#run-packets', lines);
      await page.click('#run-run');
      await page.waitForFunction((total) => document.getElementById('run-verdict')?.textContent?.startsWith(`${total} packets`) === true, tcRun.total);
      expect(await page.locator('#run-table tbody td').allInnerTexts()).toEqual(runCells(tcRun));
      expect(page.url()).toContain('section=tc');

      // Packets that are not hex: the typed error, and the page goes on.
      await page.fill('#run-packets', '00 11\nzz');
      await page.click('#run-run');
      await page.waitForSelector('#run-error');
      expect(await text(page, '#run-error')).toBe('RangeError: packets, line 2: a packet is hex bytes (or - for an empty one)');
    } finally {
      await page.close();
    }
  });

  it('shows a truncated object\'s, bad assembly\'s and a refused program\'s typed errors, located', async () => {
    const object = compileC('tally');
    const page = await open('', SETTINGS);
    try {
      const cut = object.subarray(0, 200);
      const truncated = analyze({ bytes: cut }, SETTINGS);
      expect(truncated.error?.name).toBe('ObjectError');
      await drop(page, cut, 'cut.o', 'error');
      expect(await text(page, '#error')).toBe(`ObjectError ${truncated.error!.code}: ${truncated.error!.message}`);
      expect(truncated.error!.message).toMatch(/at byte \d+/);

      const bad = '-- asm\nmov %r0, 1\nfrobnicate %r1\nexit\n';
      const syntax = analyze({ text: bad }, SETTINGS);
      expect(syntax.error?.name).toBe('EbpfSyntaxError');
      await page.fill('#input', bad);
      await page.click('#analyze');
      await page.waitForFunction(() => document.getElementById('error')?.textContent !== '');
      expect(await text(page, '#error')).toBe(`EbpfSyntaxError: ${syntax.error!.message}`);
      expect(syntax.error!.message).toMatch(/^line 3, column \d+/);

      const refused = 'mov %r0, 1\nja +5\nmov %r0, 2\nexit\n';
      const r: Report = analyze({ text: refused }, SETTINGS);
      if (r.verify === null || r.verify.ok) throw new Error('expected a refusal');
      expect(r.verify.reason).toBe('jump_out_of_range');
      await page.fill('#input', refused);
      await page.click('#analyze');
      await page.waitForFunction(() => document.getElementById('verdict')?.textContent?.startsWith('Refused') === true);
      expect(await text(page, '#verdict')).toBe(`Refused by the eBPF load-time checks (@ea/ebpf's load): jump_out_of_range at pc ${r.verify.pc}: ${r.verify.why}`);
      expect(await page.locator('#panel-verifier tr.bad td.num').textContent()).toBe(String(r.verify.pc));
      expect(await page.locator('#diagnostic').textContent()).toBe(r.verify.diagnostic);
      await page.screenshot({ path: join(shots, 'ebpf-refused.png') });
      // The page still works.
      await page.selectOption('#example', 'allowlist');
      await page.waitForFunction(() => document.getElementById('verdict')?.textContent?.startsWith('Accepted') === true);
      expect(await text(page, '#error')).toBe('');
    } finally {
      await page.close();
    }
  });

  it('runs eBPF on the interpreter under the strict CSP and still shows the code it would run', async () => {
    const source = '-- asm\nldxb %r0, [%r1+1]\nadd %r0, 7\nexit\n-- mem\n00 05\n';
    const expected = analyze({ text: source }, SETTINGS);
    const page = await open(source, SETTINGS, 'javascript', 'csp/');
    try {
      expect(await text(page, '#panel-javascript')).toContain('The JIT is off here');
      expect(await page.locator('#javascript').textContent()).toBe(expected.jit!.source);
      await selectTab(page, 'run');
      expect(await page.inputValue('#run-packets')).toBe('0005');
      await page.click('#run-run');
      await page.waitForSelector('#run-table');
      expect(await page.locator('#run-table thead th').allInnerTexts()).toContain('JIT (fell back to the interpreter) r0');
      expect(await page.locator('#run-table tbody td').allInnerTexts()).toEqual(['0', '2', '0xc', '0xc']);
    } finally {
      await page.close();
    }
  });
});
