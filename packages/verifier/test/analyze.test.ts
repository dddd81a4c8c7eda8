/**
 * The analysis API: CFG, longest path, seccomp_data fields and argument halves, load bounds,
 * converted lengths, and the seccomp_cache_prepare emulation (docs/kernel-facts.md §5.3).
 */
import {
  AUDIT_ARCH_AARCH64, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, BPF_A, BPF_ABS, BPF_ALU, BPF_AND, BPF_IMM, BPF_JA, BPF_JEQ,
  BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LEN, BPF_RET, BPF_W, BPF_X, EA_META_USIZE,
  EA_REGION_OFFSET, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_LOG, type SockFilter,
} from '@ea/bpf';
import { analyze, constantAllowed, isConstAllow, seccompFieldAt, verify, X86_64_HARDWIRED_ALLOW } from '@ea/verifier';
import { describe, expect, it } from 'vitest';

const s = (code: number, k = 0): SockFilter => ({ code, jt: 0, jf: 0, k });
const j = (code: number, k: number, jt: number, jf: number): SockFilter => ({ code, jt, jf, k });
const LD = (k: number): SockFilter => s(BPF_LD | BPF_W | BPF_ABS, k);
const ALLOW = s(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
const ERRNO = s(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1);

/** A typical allow-list: x86_64 only, allow 0..9 except 3, allow 39, and nr 50 only when args[1].lo == 7. */
const ALLOWLIST = [
  LD(4), // 0
  j(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 9), // 1 -> 2 | 11
  LD(0), // 2
  j(BPF_JMP | BPF_JEQ | BPF_K, 3, 7, 0), // 3 -> 11 | 4
  j(BPF_JMP | BPF_JGE | BPF_K, 10, 0, 5), // 4 -> 5 | 10
  j(BPF_JMP | BPF_JEQ | BPF_K, 39, 4, 0), // 5 -> 10 | 6
  j(BPF_JMP | BPF_JEQ | BPF_K, 50, 0, 4), // 6 -> 7 | 11
  LD(24), // 7
  j(BPF_JMP | BPF_JEQ | BPF_K, 7, 1, 2), // 8 -> 10 | 11
  s(BPF_LD | BPF_IMM, 1), // 9 (unreachable)
  ALLOW, // 10
  ERRNO, // 11
];

describe('analyze', () => {
  const v = verify(ALLOWLIST, { profile: 'seccomp' });
  const a = analyze(v);
  it('builds the CFG and the reachable set', () => {
    expect(a.successors[1]).toEqual([2, 11]);
    expect(a.successors[3]).toEqual([11, 4]);
    expect(a.successors[10]).toEqual([]);
    expect(a.reachable.flatMap((r, pc) => (r ? [] : [pc]))).toEqual([9]);
  });
  it('finds the longest path', () => {
    expect(a.longestPath).toBe(10);
    expect(a.longestPathPcs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 10]);
  });
  it('names the fields and argument halves read', () => {
    expect(a.fieldsRead).toEqual(['nr', 'arch', 'args[1].lo']);
    expect(analyze(v, 'be').fieldsRead).toEqual(['nr', 'arch', 'args[1].hi']);
    expect(seccompFieldAt(12)).toBe('instruction_pointer.hi');
    expect(seccompFieldAt(60)).toBe('args[5].hi');
    expect(seccompFieldAt(EA_META_USIZE)).toBe('ea_meta.usize');
    expect(seccompFieldAt(EA_REGION_OFFSET + 8)).toBe('ea[+8]');
    expect(a.maxLoadEnd).toBe(28);
  });
  it('ignores loads in unreachable code for fieldsRead, not for maxLoadEnd', () => {
    const p = verify([s(BPF_JMP | BPF_JA, 1), LD(60), LD(8), ALLOW], { profile: 'seccomp' });
    expect(analyze(p).fieldsRead).toEqual(['instruction_pointer.lo']);
    expect(p.maxLoadEnd).toBe(64);
  });
  it('counts converted lengths as the kernel does', () => {
    // prologue 3; loads 3 x 1; ld imm 1; jf=0 or jt=0 JEQ/JGE 4 x 1; JEQ of the negative-looking
    // AUDIT_ARCH_X86_64 through a temp register 2; jt and jf both set 2; RET K 2 x 2
    expect(v.convertedLength).toBe(3 + 3 + 1 + 4 + 2 + 2 + 4);
  });
});

describe('seccomp_cache_prepare emulation', () => {
  const v = verify(ALLOWLIST, { profile: 'seccomp' });
  it('marks exactly the numbers that return ALLOW without looking at arguments', () => {
    const allowed = constantAllowed([v], { arch: AUDIT_ARCH_X86_64, syscalls: 400 });
    expect(allowed).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9, 39, ...X86_64_HARDWIRED_ALLOW]);
  });
  it('has no hard-wired numbers on other arches and refuses a wrong arch', () => {
    expect(constantAllowed([v], { arch: AUDIT_ARCH_I386, syscalls: 400 })).toEqual([]);
    expect(constantAllowed([v], { arch: AUDIT_ARCH_AARCH64, syscalls: 400, hardwired: [] })).toEqual([]);
  });
  it('sizes the bitmap and the hard-wired numbers by the kernel release modelled', () => {
    // Allows mseal (462) and statmount (457) on x86_64, denies the rest.
    const prog = verify(
      [LD(4), j(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 4), LD(0), j(BPF_JMP | BPF_JEQ | BPF_K, 462, 1, 0),
        j(BPF_JMP | BPF_JEQ | BPF_K, 457, 0, 1), ALLOW, ERRNO],
      { profile: 'seccomp' },
    );
    expect(constantAllowed([prog], { arch: AUDIT_ARCH_X86_64 })).toEqual([335, 336, 457, 462]);
    expect(constantAllowed([prog], { arch: AUDIT_ARCH_X86_64, kernel: '6.18' })).toEqual([335, 336, 457, 462]);
    expect(constantAllowed([prog], { arch: AUDIT_ARCH_X86_64, kernel: '6.9' })).toEqual([457]);
    expect(constantAllowed([prog], { arch: AUDIT_ARCH_X86_64, kernel: '6.1' })).toEqual([]);
    expect(constantAllowed([prog], { arch: AUDIT_ARCH_I386, kernel: '6.18' })).toEqual([]);
    const all = verify([ALLOW], { profile: 'seccomp' });
    expect(constantAllowed([all], { arch: AUDIT_ARCH_X86_64, kernel: '6.18' })).toHaveLength(470);
    expect(constantAllowed([all], { arch: AUDIT_ARCH_AARCH64, kernel: '6.1' })).toHaveLength(451);
    expect(constantAllowed([all], { arch: AUDIT_ARCH_X86_64 })).toHaveLength(473);
    expect(() => constantAllowed([all], { arch: AUDIT_ARCH_X86_64, kernel: '6.19' })).toThrow(/kernel: 6\.19: no exact syscall table/);
    expect(() => constantAllowed([all], { arch: 0x1234 })).toThrow(/syscalls: required for arch 0x1234/);
  });
  it('ANDs a chain', () => {
    const only5 = verify([LD(0), j(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 1), ALLOW, ERRNO], { profile: 'seccomp' });
    expect(constantAllowed([v, only5], { arch: AUDIT_ARCH_X86_64, syscalls: 10, hardwired: [] })).toEqual([5]);
  });
  it('follows AND K and JSET, and gives up on what it does not model', () => {
    const and = [LD(0), s(BPF_ALU | BPF_AND | BPF_K, 1), j(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1), ALLOW, ERRNO];
    expect(constantAllowed([verify(and, { profile: 'seccomp' })], { arch: 0, syscalls: 6 })).toEqual([1, 3, 5]);
    const gt = [LD(0), j(BPF_JMP | BPF_JGT | BPF_K, 2, 1, 0), ALLOW, ERRNO];
    expect(constantAllowed([verify(gt, { profile: 'seccomp' })], { arch: 0, syscalls: 5 })).toEqual([0, 1, 2]);
    const insns = (p: SockFilter[]) => verify(p, { profile: 'seccomp' }).insns;
    expect(isConstAllow(insns([s(BPF_RET | BPF_K, SECCOMP_RET_LOG)]), 0, 0)).toBe(false);
    expect(isConstAllow(insns([s(BPF_RET | BPF_K, SECCOMP_RET_ALLOW | 1)]), 0, 0)).toBe(false);
    expect(isConstAllow(insns([s(BPF_LD | BPF_IMM, SECCOMP_RET_ALLOW), s(BPF_RET | BPF_A)]), 0, 0)).toBe(false);
    expect(isConstAllow(insns([s(BPF_LD | BPF_W | BPF_LEN), ALLOW]), 0, 0)).toBe(false);
    expect(isConstAllow(insns([LD(16), ALLOW]), 0, 0)).toBe(false);
    expect(isConstAllow(insns([j(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 0), ALLOW]), 0, 0)).toBe(false);
    expect(isConstAllow(insns([s(BPF_JMP | BPF_JA, 1), ERRNO, ALLOW]), 0, 0)).toBe(true);
  });
});
