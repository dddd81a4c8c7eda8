/**
 * Agreement with the kernel's verifier: every hand-written case (test/cases.ts) and every program
 * of the clang-built objects (objects.test.ts) is loaded with bpf(BPF_PROG_LOAD) through
 * @ea/oracle's verify_ebpf, and the kernel's verdict is compared with ours case by case (ours are
 * the expected verdicts cases.test.ts and objects.test.ts hold us to), and its first log error
 * line with ours. A disagreement must be one documented in docs/ebpf-verifier.md (DISAGREEMENTS);
 * a new one, or a documented one that went away, fails. Root and gcc (and clang for the objects)
 * are needed; skipped otherwise.
 */
import { assemble, encode } from '@ea/ebpf';
import { checkEbpf } from '@ea/ebpf-verifier';
import { kernelEbpfVerdicts, oracleUnavailable } from '@ea/oracle';
import { describe, expect, it } from 'vitest';
import { CASES } from './cases.js';
import { OBJECT_CASES, objectVerdicts } from './objects.test.js';
import { clangUnavailable, compileC, OBJECT_C_DIR, OWN_C_DIR } from './support.js';

const skip = oracleUnavailable() ?? clangUnavailable();
const PROG_TYPE = { xdp: 6, socket_filter: 1, tc: 3 } as const;
const TOO_LARGE = 'BPF program is too large. Processed 1000001 insn';

/** Cases where our verdict differs from the kernel's (see docs/ebpf-verifier.md). */
const DISAGREEMENTS: readonly string[] = [];

interface Row {
  readonly name: string;
  readonly agree: boolean;
  readonly ours: string;
  readonly kernel: string;
}

describe.skipIf(skip !== null)(`kernel agreement${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  it('agrees with bpf(BPF_PROG_LOAD) on the hand-written cases and the clang-built programs', () => {
    const rows: Row[] = [];
    const programs = CASES.map((c) => encode(assemble(c.asm)));
    const handKernel = kernelEbpfVerdicts(CASES.map((c, i) => ({
      progType: PROG_TYPE[c.progType], program: programs[i]!, maps: c.maps ?? [], privileged: c.privileged ?? true, license: c.license ?? 'GPL',
    })));
    CASES.forEach((c, i) => {
      const k = handKernel[i]!;
      // Our verdict is c.expect (cases.test.ts); recompute only the log line, and not by walking a million instructions again.
      let ours = '';
      if (c.expect.startsWith('too_large')) ours = TOO_LARGE;
      else if (c.expect !== 'accept') {
        const v = checkEbpf(programs[i]!, { progType: c.progType, maps: c.maps ?? [], privileged: c.privileged ?? true, license: c.license ?? 'GPL' });
        ours = v.accepted ? '' : (v.error.log.split('\n')[0] ?? '');
      }
      rows.push({ name: c.name, agree: (c.expect === 'accept') === k.accepted, ours, kernel: k.accepted ? '' : k.firstError });
    });
    for (const c of OBJECT_CASES) {
      const verdicts = objectVerdicts(compileC(c.own ? OWN_C_DIR : OBJECT_C_DIR, c.file));
      const kernel = kernelEbpfVerdicts(verdicts.map((v) => ({ progType: PROG_TYPE[v.progType as keyof typeof PROG_TYPE], program: v.view.bytes, maps: v.view.maps, license: v.license })));
      verdicts.forEach((v, i) => {
        const k = kernel[i]!;
        rows.push({ name: `${c.file}.c ${v.section}`, agree: (v.verdict === 'accept') === k.accepted, ours: v.log.split('\n')[0] ?? '', kernel: k.accepted ? '' : k.firstError });
      });
    }
    const agree = rows.filter((r) => r.agree).length;
    const sameLine = rows.filter((r) => r.ours === r.kernel).length;
    console.log(`verifier agreement: ${agree} / ${rows.length} verdicts, ${sameLine} / ${rows.length} identical first log lines`);
    for (const r of rows.filter((x) => x.ours !== x.kernel)) console.log(`  ${r.agree ? 'line differs' : 'DISAGREES'}: ${r.name}: ours ${JSON.stringify(r.ours)}, kernel ${JSON.stringify(r.kernel)}`);
    expect(rows.filter((r) => !r.agree).map((r) => r.name)).toEqual(DISAGREEMENTS);
  });
});
