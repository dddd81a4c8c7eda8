/**
 * The limits outside bpf_check_classic, against the running kernel: the socket memory charge
 * (converted length vs net.core.optmem_max), converted jump distances, and seccomp's
 * 32768-instruction path limit over stacked filters. Each family is probed on both sides of its
 * boundary, so a one-off error in any expansion count changes a verdict.
 */
import {
  BPF_A, BPF_ABS, BPF_ALU, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP,
  BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_MSH, BPF_RET, BPF_W, BPF_X, SECCOMP_RET_ALLOW, SKF_AD_OFF, SKF_NET_OFF,
  type SockFilter,
} from '@ea/bpf';
import { kernelChainVerdicts, kernelVerdicts, oracleUnavailable } from '@ea/oracle';
import { check, checkSeccompChain, ERRNO, seccompPathLength, verify } from '@ea/verifier';
import { describe, expect, it } from 'vitest';

const unavailable = oracleUnavailable();
const s = (code: number, k = 0): SockFilter => ({ code, jt: 0, jf: 0, k });
const j = (code: number, k: number, jt: number, jf: number): SockFilter => ({ code, jt, jf, k });
const rep = <T,>(n: number, i: T): T[] => Array.from({ length: n }, () => i);
const FILL = s(BPF_LD | BPF_IMM, 1);
const RET = s(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

function ours(p: readonly SockFilter[], profile: 'socket' | 'seccomp'): number {
  const r = check(p, { profile });
  return r.ok ? 0 : r.error.errnoNumber;
}

/** Instruction families with their converted size; a x T + b x filler brackets the optmem boundary. */
const FAMILIES: [string, SockFilter][] = [
  ['ld [0]', s(BPF_LD | BPF_W | BPF_ABS, 0)],
  ['ld [1]', s(BPF_LD | BPF_W | BPF_ABS, 1)],
  ['ldb [1]', s(BPF_LD | BPF_B | BPF_ABS, 1)],
  ['ldh [40000]', s(BPF_LD | BPF_H | BPF_ABS, 40000)],
  ['ld [0x7fffffff]', s(BPF_LD | BPF_W | BPF_ABS, 0x7fffffff)],
  ['ld [net]', s(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF)],
  ['ld [x+0]', s(BPF_LD | BPF_W | BPF_IND, 0)],
  ['ldb [x+1]', s(BPF_LD | BPF_B | BPF_IND, 1)],
  ['ldxb 4*([1]&0xf)', s(BPF_LDX | BPF_B | BPF_MSH, 1)],
  ['ldxb 4*([0x8000]&0xf)', s(BPF_LDX | BPF_B | BPF_MSH, 0x8000)],
  ['div x', s(BPF_ALU | BPF_DIV | BPF_X)],
  ['ret #k', s(BPF_RET | BPF_K, 1)],
  ['ret a', s(BPF_RET | BPF_A)],
  ['jeq #1, +0, +0', j(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0)],
  ['jeq #1, +0, +1', j(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1)],
  ['jset #1, +0, +1', j(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1)],
  ['jgt #-1, +1, +1', j(BPF_JMP | BPF_JGT | BPF_K, 0xffffffff, 1, 1)],
  ['jge x, +1, +0', j(BPF_JMP | BPF_JGE | BPF_X, 0x80000000, 1, 0)],
  ...Array.from({ length: 16 }, (_, n): [string, SockFilter] => [`anc ${4 * n}`, s(BPF_LD | BPF_H | BPF_ABS, (SKF_AD_OFF + 4 * n) >>> 0)]),
];

describe.skipIf(unavailable !== null)(`socket conversion limits vs the kernel ${unavailable ?? ''}`, () => {
  it('matches the optmem boundary for every expansion family', () => {
    const progs: SockFilter[][] = [];
    for (const [, t] of FAMILIES) {
      // Fill most of the budget with 1100 x ld [1] (14 each), then a x T, then b fillers.
      const prefix = rep(1100, s(BPF_LD | BPF_W | BPF_ABS, 1));
      for (const a of [20, 21]) {
        // Jumps skip at most the next instruction: end with two RETs so every target is valid.
        const make = (b: number): SockFilter[] => [...prefix, ...rep(a, t), ...rep(b, FILL), RET, RET];
        // Our predicted boundary, then three programs on each side: the kernel judges them all.
        let lo = 0;
        let hi = 900;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (ours(make(mid), 'socket') === 0) lo = mid;
          else hi = mid - 1;
        }
        for (let b = Math.max(0, lo - 2); b <= lo + 3; b++) progs.push(make(b));
      }
    }
    const kernel = kernelVerdicts(progs, 'socket');
    const mismatches = progs.flatMap((p, i) => (ours(p, 'socket') === kernel[i] ? [] : [i]));
    expect(mismatches.slice(0, 5)).toEqual([]);
    // The boundary was crossed: both accepted and ENOMEM occur.
    expect(new Set(kernel)).toEqual(new Set([0, ERRNO.ENOMEM]));
  });

  it('matches converted jump distances (EINVAL) around 32767', () => {
    // Only JA can go far: jt/jf reach 255 instructions, at most ~22 eBPF instructions each.
    const progs: SockFilter[][] = [];
    for (let b = 0; b < 24; b++) {
      const body = [...rep(2340, s(BPF_LD | BPF_W | BPF_ABS, 1)), ...rep(b, FILL)];
      progs.push([s(BPF_JMP | BPF_JA, body.length), ...body, RET]);
      progs.push([j(BPF_JMP | BPF_JEQ | BPF_K, 0x80000000, 0, 1), RET, s(BPF_JMP | BPF_JA, body.length), ...body, RET]);
      progs.push([s(BPF_JMP | BPF_JA, body.length + 1), ...body, RET, RET]);
    }
    const kernel = kernelVerdicts(progs, 'socket');
    const mismatches = progs.flatMap((p, i) => (ours(p, 'socket') === kernel[i] ? [] : [i]));
    expect(mismatches).toEqual([]);
    expect(new Set(kernel)).toEqual(new Set([ERRNO.ENOMEM, ERRNO.EINVAL]));
  });

  it('names the jump that does not fit', () => {
    const body = rep(2341, s(BPF_LD | BPF_W | BPF_ABS, 1));
    const r = check([FILL, s(BPF_JMP | BPF_JA, body.length), ...body, RET], { profile: 'socket' });
    expect(r.ok ? null : [r.error.reason, r.error.pc, r.error.errno]).toEqual(['CONVERTED_JUMP_TOO_FAR', 1, 'EINVAL']);
  });
});

describe.skipIf(unavailable !== null)(`seccomp path limit vs the kernel ${unavailable ?? ''}`, () => {
  const chainVerdict = (filters: SockFilter[][]): number[] => {
    const verified = filters.map((f) => verify(f, { profile: 'seccomp' }));
    return verified.map((f, i) => {
      const r = checkSeccompChain(verified.slice(0, i), f);
      return r.ok ? 0 : r.error.errnoNumber;
    });
  };
  const cases: [string, SockFilter[][]][] = [];
  for (const last of [4083, 4084, 4085, 4086]) {
    cases.push([`3 x 4096 ret + ${last} ret`, [...rep(3, rep(4096, RET)), rep(last, RET)]]);
  }
  const jeqs = [...rep(4095, j(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0)), RET];
  for (const last of [2017, 2018, 2019, 2020]) {
    cases.push([`7 x jeq chains + ${last} ret`, [...rep(7, jeqs), rep(last, RET)]]);
  }
  // ldx #1 first: DIV X by 0 would return KILL and end the task before the next seccomp().
  const negs = [s(BPF_LDX | BPF_IMM, 1), ...rep(2000, j(BPF_JMP | BPF_JEQ | BPF_K, 0x80000000, 0, 0)), ...rep(100, s(BPF_ALU | BPF_DIV | BPF_X)), RET];
  for (const extra of [0, 1, 2, 3, 4, 5, 6, 7]) {
    cases.push([`7 x neg-k/div-x + ${1190 + extra}`, [...rep(7, negs), [...rep(1190 + extra, FILL), RET]]]);
  }
  it.each(cases)('%s', (_, filters) => {
    const kernel = kernelChainVerdicts(filters);
    // Our chain check only speaks for the loads the kernel attempted (it stops at the first failure).
    const mine = chainVerdict(filters);
    const firstFail = kernel.findIndex((e) => e !== 0);
    const upTo = firstFail === -1 ? kernel.length : firstFail + 1;
    expect(mine.slice(0, upTo)).toEqual(kernel.slice(0, upTo));
  });

  it('counts converted lengths (RET K 2, negative-K jump 2, DIV X 5)', () => {
    expect(seccompPathLength(verify(rep(4096, RET), { profile: 'seccomp' }))).toBe(3 + 4096 * 2);
    expect(seccompPathLength(verify(negs, { profile: 'seccomp' }))).toBe(3 + 1 + 2000 * 2 + 100 * 5 + 2);
  });
});
