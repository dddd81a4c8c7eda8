import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nativeUnavailable } from '../native/build.js';
import { describeMachine } from '../machine.js';
import { renderResults } from '../report.js';
import { crossCheck, type EngineResult, runSuite } from '../suite.js';

function tcpdumpMissing(): string | null {
  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'tcpdump is not installed (the packet workload compiles its filters with tcpdump -ddd)';
  }
}

describe('crossCheck', () => {
  const ok = (matched: number, hash: number): EngineResult => ({ ns: 1, matched, hash });
  const batch = { interpreterBatch: { ns: null }, jitBatch: ok(3, 9) };
  it('accepts agreeing engines and ignores engines that did not run', () => {
    expect(
      crossCheck({ ...batch, interpreter: ok(3, 9), jit: ok(3, 9), libpcap: ok(3, 9), native: { ns: null, note: 'missing' } }),
    ).toBeNull();
  });
  it('flags a different count or a different return-value hash', () => {
    expect(crossCheck({ ...batch, interpreter: ok(3, 9), jit: ok(4, 9), libpcap: ok(3, 9), native: ok(3, 9) })).toContain('jit matched 4');
    expect(crossCheck({ ...batch, interpreter: ok(3, 9), jit: ok(3, 9), libpcap: ok(3, 9), native: ok(3, 8) })).toContain('native matched 3 hash 8');
    expect(crossCheck({ ...batch, jitBatch: ok(3, 7), interpreter: ok(3, 9), jit: ok(3, 9), libpcap: ok(3, 9), native: ok(3, 9) })).toContain('jitBatch matched 3 hash 7');
  });
});

describe.skipIf(tcpdumpMissing())('benchmark smoke run', () => {
  it('runs every workload once and every engine that ran agrees', async () => {
    const lines: string[] = [];
    const results = await runSuite({ smoke: true, packets: 400, calls: 400, log: (l) => lines.push(l) });
    expect(results.packets.length).toBeGreaterThanOrEqual(20);
    expect(results.seccomp.length).toBeGreaterThanOrEqual(4);
    expect(results.compile.map((c) => c.size)).toEqual([10, 100, 300, 1000, 4096]);
    for (const row of [...results.packets, ...results.seccomp]) {
      expect(row.mismatch, row.name).toBeNull();
      expect(row.engines.interpreter.matched, row.name).toBeTypeOf('number');
      if (results.packets.includes(row)) {
        // The batch loops ran, and agree (crossCheck above covers their hashes).
        expect(row.engines.jitBatch.matched, row.name).toBe(row.engines.interpreter.matched);
        expect(row.engines.interpreterBatch.matched, row.name).toBe(row.engines.interpreter.matched);
      }
      if (nativeUnavailable() === null) {
        expect(row.engines.libpcap.matched, row.name).toBe(row.engines.interpreter.matched);
        expect(row.engines.native.hash, row.name).toBe(row.engines.interpreter.hash);
      }
    }
    // The filters really select: not every packet, not none, for most expressions.
    const selective = results.packets.filter((r) => r.engines.interpreter.matched! > 0 && r.engines.interpreter.matched! < 400);
    expect(selective.length).toBeGreaterThanOrEqual(15);
    const md = renderResults(results, describeMachine(), new Date(0));
    expect(md).toContain('| `tcp port 80` |');
    expect(md).toContain('## Compile latency');
    expect(Array.isArray(results.ea) ? results.ea.length : results.ea).toBe(4);
    if (Array.isArray(results.ea)) for (const r of results.ea) expect(r.mismatch, r.name).toBeNull();
    expect(md).not.toContain('MISMATCH**');
  });
});

describe.skipIf(tcpdumpMissing())('issue 19 workloads, smoke run', () => {
  it('runs resident, cold and stacked once; every way agrees', async () => {
    const { runExtra } = await import('../extra.js');
    const out = await runExtra({ smoke: true, only: new Set(['resident', 'cold', 'stacked']), programs: /^(ip|tcp port 80)$/, log: () => {} });
    expect(out.agree).toBe(true);
    const text = out.lines.join('\n');
    for (const heading of ['## Cache-resident packets', '## Cold capture', '## Stacked seccomp filters']) expect(text).toContain(heading);
    expect(text).toContain('| `tcp port 80` | 20 |');
    expect(text).toContain('JS floor');
  }, 300_000);
});
