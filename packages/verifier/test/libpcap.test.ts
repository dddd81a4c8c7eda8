/**
 * The libpcap profile: libpcap's bpf_validate rules (backward `ja` included) and our refusals
 * where pcap_filter's behaviour is undefined, checked against libpcap's own bpf_validate
 * (@ea/oracle's run_libpcap -v) on random and mutated programs: whatever we accept it accepts,
 * whatever it refuses we refuse, and where only we refuse the reason is one of ours.
 */
import { assemble, BPF_JA, BPF_JMP, BPF_RET, BPF_X, disassemble, type SockFilter } from '@ea/bpf';
import { libpcapUnavailable, libpcapValidate } from '@ea/oracle';
import { analyze, check, type ReasonCode, verify, VerifyUsageError } from '@ea/verifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutatedProgram, smallProgram } from '@ea/testkit';

const SCALE = process.env['EA_FUZZ'] ? 10 : 1;

/** Makes instruction `pc` (a ja) jump to `target`, backward allowed, as pcap_filter reads k. */
function jumpTo(insns: SockFilter[], pc: number, target: number): SockFilter[] {
  const out = insns.slice();
  out[pc] = { ...out[pc]!, k: (target - pc - 1) >>> 0 };
  return out;
}

/** The loop `ip6 protochain` compiles to, in small: X walks a chain until a load fails or a zero. */
const LOOP = jumpTo(assemble('ldx #14\nldb [x + 0]\njeq #0, done, next\nnext: txa\nadd #1\ntax\nja done\ndone: txa\nret a'), 6, 1);

function reasonOf(insns: readonly SockFilter[]): string {
  const r = check(insns, { profile: 'libpcap' });
  return r.ok ? 'ok' : `${r.error.reason}@${r.error.pc}`;
}

describe('the libpcap profile', () => {
  it('accepts a backward ja the kernel refuses, and says the program loops', () => {
    expect(reasonOf(LOOP)).toBe('ok');
    expect(verify(LOOP, { profile: 'libpcap' }).backwardJumps).toBe(true);
    expect(check(LOOP, { profile: 'socket' })).toMatchObject({ ok: false, error: { reason: 'JUMP_OUT_OF_RANGE', pc: 6 } });
    expect(verify(assemble('ld #1\nret a'), { profile: 'libpcap' }).backwardJumps).toBe(false);
  });

  it('refuses a ja before the first or past the last instruction (bpf_validate, unsigned)', () => {
    expect(reasonOf(jumpTo(LOOP, 6, 0))).toBe('ok');
    expect(reasonOf(jumpTo(LOOP, 6, 6))).toBe('ok'); // a jump to itself: valid, bounded by the budget
    expect(reasonOf(jumpTo(LOOP, 6, -1))).toBe('JUMP_OUT_OF_RANGE@6');
    expect(reasonOf(jumpTo(LOOP, 6, LOOP.length))).toBe('JUMP_OUT_OF_RANGE@6');
  });

  it('takes any absolute offset (no ancillary table in userland)', () => {
    const p = assemble('ld [0xfffff0ff]\nret a');
    expect(reasonOf(p)).toBe('ok');
    expect(check(p, { profile: 'socket' })).toMatchObject({ ok: false, error: { reason: 'BAD_ANCILLARY' } });
  });

  it('refuses what pcap_filter leaves undefined: constant shifts >= 32, unknown codes', () => {
    expect(reasonOf(assemble('ld #1\nlsh #32\nret a'))).toBe('SHIFT_TOO_LARGE@1');
    expect(reasonOf(assemble('ld #1\nrsh #31\nret a'))).toBe('ok');
    // RET X: bpf_validate passes it (any RET class), pcap_filter has no case and aborts.
    expect(reasonOf([{ code: BPF_RET | BPF_X, jt: 0, jf: 0, k: 0 }])).toBe('BAD_OPCODE@0');
    expect(reasonOf(assemble('ld #1\ndiv #0\nret a'))).toBe('DIV_BY_ZERO@1');
  });

  it('refuses a scratch read some path reaches before a store, around loops too', () => {
    expect(reasonOf(assemble('st M[3]\nld M[3]\nret a'))).toBe('ok');
    expect(reasonOf(assemble('ld M[3]\nret a'))).toBe('UNINIT_MEM_READ@0');
    // Stored in the loop body before the read: fine on every iteration.
    const body = jumpTo(assemble('ldx #0\nld #1\nst M[2]\nld M[2]\njeq #0, out, next\nnext: ja out\nout: ret a'), 5, 1);
    expect(reasonOf(body)).toBe('ok');
    // The read at the loop head is reached first from the entry, where nothing was stored.
    const head = jumpTo(assemble('ld #1\nld M[2]\nst M[2]\njeq #0, out, next\nnext: ja out\nout: ret a'), 4, 1);
    expect(reasonOf(head)).toBe('UNINIT_MEM_READ@1');
    // Dead code is not judged (the kernel's linear scan would refuse this one).
    expect(reasonOf(assemble('ret #0\nld M[5]\nret a'))).toBe('ok');
  });

  it('keeps analyze() to programs without loops', () => {
    expect(() => analyze(verify(LOOP, { profile: 'libpcap' }))).toThrow(VerifyUsageError);
    expect(analyze(verify(assemble('ldh [12]\nret a'), { profile: 'libpcap' })).longestPath).toBe(2);
  });
});

/** Random programs with some ja offsets turned backward. */
const loopyProgram: fc.Arbitrary<SockFilter[]> = fc
  .tuple(smallProgram, fc.array(fc.nat(), { maxLength: 3 }))
  .map(([p, picks]) => {
    let out = p;
    for (const pick of picks) {
      const jas = out.flatMap((i, pc) => (i.code === (BPF_JMP | BPF_JA) ? [pc] : []));
      if (jas.length === 0) break;
      const pc = jas[pick % jas.length]!;
      out = jumpTo(out, pc, (pick >>> 3) % (pc + 2) - 1);
    }
    return out;
  });

/** LOOP with its backward jump retargeted and one other field changed to an edge value. */
const loopMutant: fc.Arbitrary<SockFilter[]> = fc
  .tuple(fc.integer({ min: -2, max: LOOP.length }), fc.nat({ max: LOOP.length - 1 }), fc.constantFrom('code', 'jt', 'jf', 'k'), fc.oneof(fc.nat({ max: 0xff }), fc.constantFrom(0, 15, 16, 31, 32, 0xffff, 0xffffffff, 0x80000000)))
  .map(([target, pc, field, value]) => {
    const out = jumpTo(LOOP, 6, target);
    const limit = field === 'code' ? 0xffff : field === 'k' ? 0xffffffff : 0xff;
    out[pc] = { ...out[pc]!, [field]: value > limit ? value & limit : value };
    return out;
  });

/** Why we may refuse what bpf_validate accepts: where pcap_filter's behaviour is undefined. */
const OURS_ONLY: ReadonlySet<ReasonCode> = new Set(['BAD_OPCODE', 'SHIFT_TOO_LARGE', 'UNINIT_MEM_READ']);

describe.skipIf(libpcapUnavailable())('the libpcap profile against libpcap bpf_validate', () => {
  it('never accepts what bpf_validate refuses, and refuses more only for undefined behaviour', () => {
    const programs = fc
      .sample(fc.oneof({ weight: 3, arbitrary: smallProgram }, { weight: 2, arbitrary: mutatedProgram }, { weight: 2, arbitrary: loopyProgram }, { weight: 2, arbitrary: loopMutant }), 3000 * SCALE)
      .filter((p) => p.length > 0);
    const theirs = libpcapValidate(programs);
    let accepted = 0;
    let backward = 0;
    programs.forEach((p, i) => {
      const r = check(p, { profile: 'libpcap' });
      const text = `${disassemble(p)}\nlibpcap ${theirs[i]}, ours ${r.ok ? 'ok' : `${r.error.reason}@${r.error.pc}`}`;
      if (r.ok) {
        expect(theirs[i], text).toBe(true);
        accepted++;
        if (r.program.backwardJumps) backward++;
      } else if (theirs[i] === true) {
        expect(OURS_ONLY.has(r.error.reason), text).toBe(true);
      }
    });
    // The sample exercises both sides, loops included.
    expect(accepted).toBeGreaterThan(300);
    expect(backward).toBeGreaterThan(30);
    expect(theirs.filter((v) => !v).length).toBeGreaterThan(300);
  });
});
