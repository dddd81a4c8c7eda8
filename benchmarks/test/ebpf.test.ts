/** The eBPF workload in smoke mode: every engine that runs agrees on r0 (uBPF too when EA_UBPF names a checkout), and the table renders. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_DIR } from '../native/build.js';
import { dpdkUnavailable } from '../native/dpdk.js';
import { ubpfUnavailable } from '../native/ubpf.js';
import { renderEbpf, runEbpfWorkload } from '../workloads/ebpf.js';

describe('eBPF workload (smoke)', () => {
  it('runs the three programs with no disagreement about r0, then the two JS call floors', () => {
    const all = runEbpfWorkload(join(CACHE_DIR, 'smoke', 'ebpf'), { smoke: true }, () => {});
    const rows = all.filter((r) => !r.floor);
    expect(rows.map((r) => [r.name, r.r0, r.mismatch])).toEqual([['ret1', '1', null], ['alu50', '820', null], ['packet', '2', null]]);
    const floors = all.filter((r) => r.floor);
    expect(floors.map((r) => [r.name.startsWith('JS call floor'), r.jit32 !== null, r.ubpfJit, r.dpdkInterpreter])).toEqual([[true, true, null, null], [true, true, null, null]]);
    expect(renderEbpf(all).join('\n')).toContain('| JS call floor: `(input) => 1` | — |');
    for (const r of rows) expect(r.jit32).not.toBeNull();
    for (const [name, missing, interpreter] of [['DPDK', dpdkUnavailable(), 'dpdkInterpreter'], ['uBPF', ubpfUnavailable(), 'ubpfInterpreter']] as const) {
      if (missing === null) for (const r of rows) expect([r.note?.includes(name) ?? false, r[interpreter] !== null]).toEqual([false, true]);
      else console.log(`${name} peer skipped: ${missing}`);
    }
    expect(renderEbpf(rows).join('\n')).toContain('| packet |');
  });
});
