/**
 * The playground in headless Chromium (Debian's, driven by playwright-core): every built-in
 * example's views against the answers the same code computes in Node, a malformed input's typed
 * error, a refused filter's highlighted instruction, "try a call" with both engines, the strict
 * CSP variant (interpreter only, and the page says so), no request beyond the page's own files,
 * and axe-core with no serious or critical violation. Screenshots of each view go to a temp dir
 * (printed); EA_PLAYGROUND_SCREENSHOT=path also writes the README's small screenshot.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '@ea/cli';
import { CHROMIUM_MISSING } from '@ea/testkit';
import { analyze, type Settings } from '../src/analyze.js';
import { tryCall } from '../src/call.js';
import { EA_SYSCALLS, TABS } from '../src/choices.js';
import { examples } from '../src/examples.js';
import { SCENARIOS } from '@ea/workbench';
import { diffInputs } from '../src/diff.js';
import { eaAnswer } from '../src/ea.js';
import { countPcap } from '../src/pcap.js';
import { generateCapture, writePcap } from '@ea/pcap';
import { assemble, encodeProgram } from '@ea/bpf';
import { browserSession } from './support/session.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe.skipIf(CHROMIUM_MISSING !== null)(`playground in headless Chromium${CHROMIUM_MISSING ? ` (skipped: ${CHROMIUM_MISSING})` : ''}`, () => {
  const { shots, open, selectTab, text } = browserSession();

  for (const example of examples()) {
    it(`shows the library's answers for the example "${example.title}"`, async () => {
      const settings: Settings = { format: 'auto', profile: example.profile, arch: 'x86_64', section: '' };
      const expected = analyze({ text: example.text }, settings);
      expect(expected.error).toBeNull();
      const page = await open(example.text, settings);
      try {
        expect(await text(page, '#verdict')).toContain(expected.kind === 'ebpf' ? 'Accepted by the eBPF load-time checks' : `Accepted by the ${expected.profile} verifier`);
        const rows = await page.locator('#panel-verifier tbody tr td.code').allInnerTexts();
        expect(rows).toEqual(expected.listing.map((r) => r.text));
        await page.screenshot({ path: join(shots, `${example.id}-verifier.png`) });
        await selectTab(page, 'disassembly');
        expect(await page.locator('#disassembly').textContent()).toBe(expected.disassembly);
        await selectTab(page, 'explain');
        if (expected.explain !== null && 'rows' in expected.explain) {
          const groups = expected.explain.groups;
          expect(await page.locator('#explain-groups h2').allInnerTexts()).toEqual(groups.map((g) => `${g.arch}: ${g.named} named syscall${g.named === 1 ? '' : 's'}: ${g.allowed} allowed, ${g.denied} denied, ${g.conditional.length} conditional`));
          expect(await page.locator('table.explain-actions tbody td').allInnerTexts()).toEqual(groups.flatMap((g) => g.actions.flatMap((a) => [a.action, String(a.names.length), a.names.join(' ')])));
          // The groups partition the named rows: each name once, under the one action it always gets.
          for (const g of groups) {
            const named = expected.explain.rows.filter((r) => r.arch === g.arch && r.name !== null);
            const grouped = [...g.actions.flatMap((a) => a.names.map((n) => [n, a.action] as const)), ...g.conditional.map((c) => [c.name, 'conditional'] as const)];
            expect(new Map(grouped)).toEqual(new Map(named.map((r) => [r.name!, r.cases.length === 1 ? r.cases[0]!.action : 'conditional'])));
          }
          const shown = await page.locator('#explain tbody tr').count();
          expect(shown).toBe(expected.explain.rows.length);
          const first = expected.explain.rows.find((r) => r.name !== null)!;
          const cells = await page.locator('#explain tbody tr').nth(expected.explain.rows.indexOf(first)).locator('td').allTextContents();
          expect(cells.slice(0, 3)).toEqual([first.arch, String(first.nr), first.name]);
        } else {
          expect(await text(page, '#panel-explain')).toMatch(/Explain reads (classic )?seccomp filters/);
        }
        await page.screenshot({ path: join(shots, `${example.id}-explain.png`) });
        await selectTab(page, 'javascript');
        expect(await page.locator('#javascript').textContent()).toBe(expected.jit!.source);
        expect(await page.locator('#javascript span.tok-keyword').count()).toBeGreaterThan(0);
        await page.screenshot({ path: join(shots, `${example.id}-javascript.png`) });
        await selectTab(page, 'call');
        await page.screenshot({ path: join(shots, `${example.id}-call.png`) });
      } finally {
        await page.close();
      }
    });
  }

  it('groups explain by action exactly as `ea-bpf explain` prints its table', async () => {
    const example = examples().find((e) => e.id === 'profile')!;
    const file = join(mkdtempSync(join(tmpdir(), 'ea-playground-explain-')), 'profile.json');
    writeFileSync(file, example.text);
    // The CLI in-process (@ea/cli's runCli), its standard output captured.
    const printed: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk));
      return true;
    });
    let status: number;
    try {
      status = await runCli(['explain', file]);
    } finally {
      spy.mockRestore();
    }
    expect(status).toBe(0);
    const cli = printed.join('');
    const heads = [...cli.matchAll(/^(\S+) \(AUDIT_ARCH 0x[0-9a-f]+\): (.*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
    const actions = [...cli.matchAll(/^ {2}(?!conditional)(\S+) \((\d+)\): (.*)$/gm)].flatMap((m) => [m[1]!, m[2]!, m[3]!]);
    const conditional = [...cli.matchAll(/^ {4}(\S+) \((\d+)\):\n((?: {6}.*\n)+)/gm)].flatMap((m) => [m[1]!, m[2]!, m[3]!.trim().split(/\n\s*/).map((c) => c.replace(' -> ', ' → ')).join('; ')]);
    expect(actions.length).toBeGreaterThan(3);
    expect(conditional.length).toBe(3);
    const page = await open(example.text, { format: 'auto', profile: 'seccomp', arch: 'x86_64', section: '' }, 'explain');
    try {
      expect(heads.length).toBe(2);
      expect(await page.locator('#explain-groups h2').allInnerTexts()).toEqual(heads);
      expect(await page.locator('table.explain-actions tbody td').allInnerTexts()).toEqual(actions);
      expect(await page.locator('table.explain-conditional tbody td').allInnerTexts()).toEqual(conditional);
      await page.screenshot({ path: join(shots, 'explain-groups.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('answers "try a call" with both engines as Node does, and shares the session in the URL', async () => {
    const example = examples().find((e) => e.id === 'profile')!;
    const settings: Settings = { format: 'auto', profile: 'seccomp', arch: 'x86_64', section: '' };
    const page = await open(example.text, settings, 'call');
    try {
      for (const [args, want] of [['8', 'ALLOW'], ['9', 'ERRNO(1)']] as const) {
        await page.fill('#call-syscall', 'personality');
        await page.fill('#call-args', args);
        await page.click('#call-run');
        await page.waitForSelector('#call-answer');
        const expected = tryCall({ text: example.text }, settings, true, { syscall: 'personality', args: [args] });
        if (!expected.ok) throw new Error(expected.error.message);
        expect(expected.interpreter.action).toBe(want);
        const cells = await page.locator('#call-answer tbody td').allInnerTexts();
        expect(cells).toEqual([
          'interpreter', `0x${expected.interpreter.ret.toString(16).padStart(8, '0')}`, want,
          'JIT', `0x${expected.jit.ret.toString(16).padStart(8, '0')}`, want,
        ]);
        expect(await text(page, '#trace')).toBe(`Executed: pc ${expected.trace.join(', ')}`);
        await page.locator('#call-answer').waitFor({ state: 'detached', timeout: 50 }).catch(() => {});
      }
      await page.screenshot({ path: join(shots, 'profile-call.png') });
      expect(page.url()).toContain('tab=call');
      await page.fill('#call-syscall', 'no_such_call');
      await page.click('#call-run');
      await page.waitForSelector('#call-error');
      expect(await text(page, '#call-error')).toContain('SeccompError UNKNOWN_SYSCALL');
    } finally {
      await page.close();
    }
  });

  it('answers an EA call (struct fields, a set_tid array, hex bytes, usize) with both engines and the pcs, as Node does', async () => {
    const cases: readonly { fields: Record<string, string>; hex?: string; usize?: string }[] = [
      { fields: { set_tid: '[34]', set_tid_size: '1' } },
      { fields: { set_tid: '[35]', set_tid_size: '1' } },
      { fields: { flags: '0x10000000', exit_signal: '17' } },
      { fields: {}, hex: `${'00'.repeat(88)}01` },
      { fields: { exit_signal: '17' }, usize: '64' },
    ];
    for (const id of ['clone3', 'profile-ea'] as const) {
      const example = examples().find((e) => e.id === id)!;
      const settings: Settings = { format: 'auto', profile: example.profile, arch: 'x86_64', section: '' };
      const page = await open(example.text, settings, 'call');
      try {
        const actions: string[] = [];
        for (const c of cases) {
          const request = { syscall: 'clone3', args: [], ea: { fields: c.fields, hex: c.hex ?? '', usize: c.usize ?? '' } };
          const expected = tryCall({ text: example.text }, settings, id === 'profile-ea', request);
          if (!expected.ok) throw new Error(expected.error.message);
          expect(expected.jit.ret).toBe(expected.interpreter.ret);
          actions.push(expected.interpreter.action);
          await page.fill('#call-syscall', 'clone3');
          await page.locator('#call-ea input[data-field]').evaluateAll((inputs) => {
            for (const i of inputs) (i as HTMLInputElement).value = '';
          });
          for (const [field, value] of Object.entries(c.fields)) await page.fill(`#call-ea input[data-field="${field}"]`, value);
          await page.fill('#call-ea-hex', c.hex ?? '');
          await page.fill('#call-ea-usize', c.usize ?? '');
          await page.evaluate(() => document.getElementById('call-out')!.replaceChildren());
          await page.click('#call-run');
          await page.waitForSelector('#call-answer');
          const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
          expect(await page.locator('#call-answer tbody td').allInnerTexts()).toEqual([
            'interpreter', hex8(expected.interpreter.ret), expected.interpreter.action, 'JIT', hex8(expected.jit.ret), expected.jit.action,
          ]);
          expect(await text(page, '#trace')).toBe(`Executed: pc ${expected.trace.join(', ')}`);
          expect(await text(page, '#call-image')).toBe(expected.image!.join('\n'));
          expect(await page.locator('#panel-call tr.ran').count()).toBe(new Set(expected.trace).size);
        }
        // The filters tell the calls apart: an unknown non-zero tail is E2BIG (the guard) for both.
        expect(new Set(actions).size).toBeGreaterThan(1);
        expect(actions[3]).toBe('ERRNO(7)');
        if (id === 'clone3') expect(actions.slice(0, 2)).toEqual(['ALLOW', 'ERRNO(1)']);
        await page.screenshot({ path: join(shots, `call-ea-${id}.png`), fullPage: true });
        await page.fill('#call-ea input[data-field="flags"]', 'lots');
        await page.click('#call-run');
        await page.waitForSelector('#call-error');
        expect(await text(page, '#call-error')).toContain('flags: "lots" is not an unsigned number');
      } finally {
        await page.close();
      }
    }
  });

  it('shows a malformed input\'s typed error and keeps working', async () => {
    const settings: Settings = { format: 'auto', profile: 'seccomp', arch: 'x86_64', section: '' };
    const page = await open('  ld [0]\n  frobnicate #1\n  ret #0\n', settings);
    try {
      expect(await text(page, '#error')).toBe('FormatError UNKNOWN_MNEMONIC: line 2, column 3: unknown mnemonic "frobnicate"');
      await page.screenshot({ path: join(shots, 'malformed.png') });
      await page.fill('#input', '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["read"], "action": 7 } ] }');
      await page.click('#analyze');
      await page.waitForSelector('body[data-state=ready]');
      expect(await text(page, '#error')).toMatch(/^ProfileError \w+: syscalls\[0\]\.action: /);
      // The page still works: an example loads and is accepted.
      await page.selectOption('#example', 'allowlist');
      await page.waitForFunction(() => document.getElementById('verdict')?.textContent?.startsWith('Accepted') === true);
      expect(await text(page, '#error')).toBe('');
    } finally {
      await page.close();
    }
  });

  it('highlights the instruction the verifier refuses', async () => {
    const settings: Settings = { format: 'auto', profile: 'seccomp', arch: 'x86_64', section: '' };
    const source = '  ld [0]\n  ldx M[3]\n  ret #0\n';
    const expected = analyze({ text: source }, settings);
    if (expected.verify === null || expected.verify.ok) throw new Error('expected a refusal');
    const page = await open(source, settings);
    try {
      expect(await text(page, '#verdict')).toContain(`Refused: ${expected.verify.reason} (${expected.verify.errno}) at pc ${expected.verify.pc}`);
      expect(await page.locator('#panel-verifier tr.bad td.num').textContent()).toBe(String(expected.verify.pc));
      expect(await page.locator('#diagnostic').textContent()).toBe(expected.verify.diagnostic);
      await page.screenshot({ path: join(shots, 'refused.png') });
    } finally {
      await page.close();
    }
  });

  it('diffs two filters as @ea/explain does, and names a bad second filter', async () => {
    const example = examples()[0]!;
    const settings: Settings = { format: 'auto', profile: 'seccomp', arch: 'x86_64', section: '' };
    // openat allowed instead of ERRNO(EACCES): exactly one syscall differs.
    const second = example.text.replace('jeq #257, deny, kill', 'jeq #257, allow, kill');
    const expected = diffInputs({ text: example.text }, { text: second }, settings);
    if (!expected.ok || expected.equivalent) throw new Error('expected differences');
    const page = await open(example.text, settings, 'diff');
    try {
      await page.fill('#diff-input', second);
      await page.click('#diff-run');
      await page.waitForSelector('#diff-verdict');
      expect(expected.total).toBe(1);
      expect(await text(page, '#diff-verdict')).toBe('1 difference.');
      const cells = await page.locator('#diff-table tbody td').allInnerTexts();
      expect(cells).toEqual(expected.rows.flatMap((r) => [r.arch, r.nr, r.name, r.args, r.a, r.b]));
      expect(cells).toContain('openat');
      await page.screenshot({ path: join(shots, 'diff.png') });
      await page.fill('#diff-input', example.text);
      await page.click('#diff-run');
      await page.waitForFunction(() => document.getElementById('diff-verdict')?.textContent?.includes('equivalent') === true);
      await page.fill('#diff-input', 'ld [0]\nret #0x7fff0000\njmp nowhere');
      await page.click('#diff-run');
      await page.waitForSelector('#diff-error');
      expect(await text(page, '#diff-error')).toMatch(/^second filter: FormatError \w+: line 3/);
    } finally {
      await page.close();
    }
  });

  it('draws the EA layout and the compatibility matrix for the pasted filter, as the workbench does', async () => {
    expect([...EA_SYSCALLS]).toEqual(Object.keys(SCENARIOS));
    const cases = [
      ['clone3', 'ea', 'openat2', 'jump-table'],
      ['profile-ea', 'seccomp', 'clone3', 'fixed-window'],
      ['profile-ea', 'seccomp', 'clone3', 'jump-table'],
      ['allowlist', 'seccomp', 'openat2', 'fixed-window'],
    ] as const;
    for (const [id, profile, syscall, strategy] of cases) {
      const example = examples().find((e) => e.id === id)!;
      const settings: Settings = { format: 'auto', profile, arch: 'x86_64', section: '' };
      const expected = eaAnswer(syscall, strategy, { text: example.text }, settings);
      if (!expected.ok) throw new Error(expected.error.message);
      const page = await open(example.text, settings, 'ea');
      try {
        await page.selectOption('#ea-syscall', syscall);
        await page.selectOption('#ea-strategy', strategy);
        await page.click('#ea-run');
        await page.waitForFunction((want) => document.getElementById('ea-matrix')?.textContent === want, expected.matrix);
        expect(await page.locator('#ea-layout').textContent()).toBe(expected.layout);
        expect(await text(page, '#ea-source')).toBe(`Drawn for ${expected.source}.`);
        if (id === 'allowlist') {
          // Not an EA filter: the workbench's scenario, and no "your filter" table.
          expect(expected.own).toBeNull();
          expect(expected.matrix).toContain(syscall);
          expect(await page.locator('#ea-own').count()).toBe(0);
          continue;
        }
        // The pasted filter's syscall is drawn (the clone3 filter, whatever the select says), and it ran on every cell.
        expect(expected.syscall).toBe('clone3');
        expect(expected.layout).toContain('struct clone_args');
        const own = expected.own!;
        expect(own.length).toBe(2 * SCENARIOS['clone3']!.programs.length);
        expect(await page.locator('#ea-own tbody td').allInnerTexts()).toEqual(own.flatMap((r) => [r.kernel, r.program, r.interpreter, r.jit, r.matrix]));
        for (const r of own) expect(r.jit).toBe(r.interpreter);
        if (id === 'profile-ea') {
          // The profile's own filter answers as the matrix's filter built from its checks (examples/docker-clone3.ts).
          for (const r of own) expect(r.interpreter).toBe(r.matrix);
          expect(own.some((r) => r.interpreter === 'ALLOW') && own.some((r) => r.interpreter !== 'ALLOW')).toBe(true);
        } else {
          // set_tid[0] == 34 is set by none of the scenario's callers: the seed's filter denies each.
          for (const r of own) expect(r.interpreter).toBe('ERRNO(EPERM)');
        }
        await page.screenshot({ path: join(shots, `ea-${id}-${strategy}.png`), fullPage: true });
      } finally {
        await page.close();
      }
    }
  });

  it('counts a capture through the packet filter with both engines, as Node does', async () => {
    const example = examples().find((e) => e.id === 'tcpdump')!;
    const settings: Settings = { format: 'auto', profile: 'socket', arch: 'x86_64', section: '' };
    const page = await open(example.text, settings, 'pcap');
    try {
      const generated = countPcap({ text: example.text }, settings, null);
      const bytes = writePcap(generateCapture({ count: 300, seed: 7 }));
      const dropped = countPcap({ text: example.text }, settings, bytes);
      for (const [file, expected] of [[null, generated], [bytes, dropped]] as const) {
        if (!expected.ok) throw new Error(expected.error.message);
        expect(expected.interpreter).toBeGreaterThan(0);
        expect(expected.interpreter).toBeLessThan(expected.total);
        if (file !== null) await page.setInputFiles('#pcap-file', { name: 'x.pcap', mimeType: 'application/octet-stream', buffer: Buffer.from(file) });
        await page.click('#pcap-run');
        await page.waitForFunction((want) => document.querySelector('#pcap-answer caption')?.textContent === want, expected.source);
        const cells = await page.locator('#pcap-answer tbody td').allInnerTexts();
        expect(cells).toEqual(['interpreter', String(expected.interpreter), String(expected.total), 'JIT', String(expected.jit), String(expected.total)]);
      }
      await page.screenshot({ path: join(shots, 'pcap.png') });
      await page.setInputFiles('#pcap-file', { name: 'bad.pcap', mimeType: 'application/octet-stream', buffer: Buffer.from('not a capture at all') });
      await page.click('#pcap-run');
      await page.waitForSelector('#pcap-error');
      expect(await text(page, '#pcap-error')).toMatch(/^\w+Error/);
    } finally {
      await page.close();
    }
  });

  it('reads a raw sock_filter file, keeps it in the link, and cancels a running job', async () => {
    const example = examples()[0]!;
    const settings: Settings = { format: 'auto', profile: 'seccomp', arch: 'x86_64', section: '' };
    const bytes = encodeProgram(assemble(example.text));
    const expected = analyze({ bytes }, settings);
    expect(expected.format).toBe('bin');
    const page = await open('', settings);
    try {
      await page.setInputFiles('#file', { name: 'filter.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
      await page.waitForFunction(() => document.getElementById('summary')?.textContent?.startsWith('read as bin') === true);
      expect(await text(page, '#summary')).toBe(`read as bin: ${expected.insns.length} instructions · verifier profile seccomp`);
      await selectTab(page, 'disassembly');
      expect(await page.locator('#disassembly').textContent()).toBe(expected.disassembly);
      expect(page.url()).toContain('bytes=');
      // Both clicks in one task: the worker cannot answer in between, so the job is cancelled.
      await page.evaluate(() => {
        document.getElementById('analyze')!.click();
        document.getElementById('cancel')!.click();
      });
      expect(await text(page, '#status')).toBe('cancelled');
      // A fresh worker answers the next job (its progress clears the status when done).
      await page.click('#analyze');
      await page.waitForFunction(() => document.getElementById('status')?.textContent === '' && document.body.dataset['state'] === 'ready');
      expect(await page.locator('#disassembly').textContent()).toBe(expected.disassembly);
    } finally {
      await page.close();
    }
  });

  it('runs under a strict CSP without eval on the interpreter, and says so', async () => {
    const example = examples()[0]!;
    const settings: Settings = { format: 'auto', profile: 'seccomp', arch: 'x86_64', section: '' };
    const page = await open(example.text, settings, 'javascript', 'csp/');
    try {
      expect(await text(page, '#engine')).toMatch(/^Engine: interpreter only\..*(eval|Content.Security)/i);
      expect(await text(page, '#panel-javascript')).toContain('The JIT is off here');
      await selectTab(page, 'call');
      await page.fill('#call-syscall', 'openat');
      await page.click('#call-run');
      await page.waitForSelector('#call-answer');
      const cells = await page.locator('#call-answer tbody td').allInnerTexts();
      expect(cells).toEqual(['interpreter', '0x0005000d', 'ERRNO(13)', 'JIT (fell back to the interpreter)', '0x0005000d', 'ERRNO(13)']);
      await page.screenshot({ path: join(shots, 'csp-call.png') });
    } finally {
      await page.close();
    }
  });

  it('passes axe-core with no serious or critical violation on every view', async () => {
    // A profile with EA rules (the EA struct form), eBPF (the run view filled), a seccomp profile (explain groups; last, for the README shot).
    for (const id of ['profile-ea', 'ebpf', 'profile'] as const) {
      const example = examples().find((e) => e.id === id)!;
      const page = await open(example.text, { format: 'auto', profile: example.profile, arch: 'x86_64', section: '' });
      try {
        await axeEveryTab(page, id);
        if (id !== 'profile') continue;
        // Keyboard: arrows move between tabs.
        await page.focus('#tab-verifier');
        await page.keyboard.press('ArrowRight');
        expect(await page.getAttribute('#tab-disassembly', 'aria-selected')).toBe('true');
        const readme = process.env['EA_PLAYGROUND_SCREENSHOT'];
        if (readme !== undefined) {
          await selectTab(page, 'explain');
          await page.setViewportSize({ width: 900, height: 760 });
          await page.screenshot({ path: readme, type: 'png' });
        }
      } finally {
        await page.close();
      }
    }
  });

  /** Runs axe-core on every tab (the Run tab after a run, the EA tab after drawing). */
  async function axeEveryTab(page: Page, id: string): Promise<void> {
    await page.evaluate(AXE);
    for (const [tab] of TABS) {
      await selectTab(page, tab);
      if (tab === 'run' && id === 'ebpf') {
        await page.click('#run-run');
        await page.waitForSelector('#run-table');
      }
      if (tab === 'ea') {
        await page.click('#ea-run');
        await page.waitForSelector('#ea-matrix, #ea-error');
      }
      const violations = await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe;
        return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
      });
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), `${id} ${tab}`).toEqual([]);
    }
  }
});
