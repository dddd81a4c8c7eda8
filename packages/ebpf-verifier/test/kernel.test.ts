/**
 * Agreement with the kernel's verifier: every hand-written case (test/cases.ts) is loaded with
 * bpf(BPF_PROG_LOAD) through @ea/oracle's verify_ebpf and the verdicts are compared case by case.
 * A disagreement must be one documented in docs/ebpf-verifier.md (DISAGREEMENTS below); a new one,
 * or a documented one that went away, fails. Root and gcc are needed; skipped otherwise.
 */
import { assemble, encode } from '@ea/ebpf';
import { kernelEbpfVerdicts, oracleUnavailable } from '@ea/oracle';
import { describe, expect, it } from 'vitest';
import { CASES } from './cases.js';
import { ourVerdict } from './support.js';

const skip = oracleUnavailable();
const PROG_TYPE = { xdp: 6, socket_filter: 1 } as const;

/** Cases where our verdict differs from the kernel's (see docs/ebpf-verifier.md). */
const DISAGREEMENTS: readonly string[] = [];

describe.skipIf(skip !== null)(`kernel agreement${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  it('agrees with bpf(BPF_PROG_LOAD) on the hand-written cases', () => {
    const kernel = kernelEbpfVerdicts(CASES.map((c) => ({
      progType: PROG_TYPE[c.progType], program: encode(assemble(c.asm)), maps: c.maps ?? [], privileged: c.privileged ?? true, license: c.license ?? 'GPL',
    })));
    const rows = CASES.map((c, i) => {
      const ours = ourVerdict(c);
      const k = kernel[i]!;
      return { name: c.name, agree: (ours.verdict === 'accept') === k.accepted, ours: ours.log.split('\n')[0] ?? '', kernel: k.accepted ? '' : k.firstError };
    });
    const agree = rows.filter((r) => r.agree).length;
    const sameLine = rows.filter((r) => r.ours === r.kernel).length;
    console.log(`verifier agreement: ${agree} / ${rows.length} verdicts, ${sameLine} / ${rows.length} identical first log lines`);
    for (const r of rows.filter((x) => x.ours !== x.kernel)) console.log(`  ${r.agree ? 'line differs' : 'DISAGREES'}: ${r.name}: ours ${JSON.stringify(r.ours)}, kernel ${JSON.stringify(r.kernel)}`);
    expect(rows.filter((r) => !r.agree).map((r) => r.name)).toEqual(DISAGREEMENTS);
    // Refusals also name the same first log line, except where the kernel words it differently.
    expect(rows.filter((r) => r.agree && r.ours !== r.kernel).map((r) => r.name)).toEqual([]);
  });
});
