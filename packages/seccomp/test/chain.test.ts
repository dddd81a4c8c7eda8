import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP,
  SECCOMP_RET_USER_NOTIF,
  X32_SYSCALL_BIT,
} from '@ea/bpf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bypassesFilters, chainBypass, type FilterFn, runChain, runChainDetailed, SeccompError } from '../src/index.js';

const view = new DataView(new ArrayBuffer(64));
const x86 = { arch: AUDIT_ARCH_X86_64, nr: 1000 };
const constant = (ret: number): FilterFn => () => ret;

/** A second formulation of the rule: sort by (signed action, newest first) and take the head. */
function reference(rets: readonly number[]): { ret: number; match: number } {
  const ranked = rets
    .map((r, i) => ({ r: r >>> 0, i, rank: (r | 0) - ((r | 0) & 0xffff) }))
    .filter((e) => e.rank < (SECCOMP_RET_ALLOW | 0))
    .sort((a, b) => a.rank - b.rank || b.i - a.i);
  return ranked.length === 0 ? { ret: SECCOMP_RET_ALLOW, match: -1 } : { ret: ranked[0]!.r, match: ranked[0]!.i };
}

const action = fc.oneof(
  fc.constantFrom(
    SECCOMP_RET_KILL_PROCESS,
    SECCOMP_RET_KILL_THREAD,
    SECCOMP_RET_TRAP,
    SECCOMP_RET_ERRNO,
    SECCOMP_RET_USER_NOTIF,
    SECCOMP_RET_TRACE,
    SECCOMP_RET_LOG,
    SECCOMP_RET_ALLOW,
    0x00010000,
    0x7ffe0000,
    0x80010000,
    0xffff0000,
  ),
  fc.integer({ min: 0, max: 0xffff }).map((a) => a * 0x10000),
);
const ret = fc.tuple(action, fc.constantFrom(0, 1, 2, 38, 4095, 4096, 0xffff)).map(([a, d]) => (a | d) >>> 0);

describe('runChain precedence (seccomp_run_filters)', () => {
  it('agrees with a sort-based formulation on random chains', () => {
    fc.assert(
      fc.property(fc.array(ret, { minLength: 1, maxLength: 8 }), (rets) => {
        const filters = rets.map(constant);
        const expected = reference(rets);
        expect(runChain(filters, view, x86)).toBe(expected.ret);
        expect(runChainDetailed(filters, view, x86)).toEqual(expected);
      }),
      { numRuns: process.env['EA_FUZZ'] ? 200_000 : 5_000 },
    );
  });

  it('gives ties to the newest filter (ERRNO|1 then ERRNO|2 gives errno 2)', () => {
    expect(runChain([constant(SECCOMP_RET_ERRNO | 1), constant(SECCOMP_RET_ERRNO | 2)], view, x86)).toBe(SECCOMP_RET_ERRNO | 2);
    expect(runChain([constant(SECCOMP_RET_ERRNO | 2), constant(SECCOMP_RET_ERRNO | 1)], view, x86)).toBe(SECCOMP_RET_ERRNO | 1);
  });

  it('reproduces the observed orderings (docs/kernel-facts.md §5.2)', () => {
    const two = (a: number, b: number) => runChain([constant(a), constant(b)], view, x86);
    expect(two(SECCOMP_RET_ERRNO | 1, SECCOMP_RET_TRAP)).toBe(SECCOMP_RET_TRAP);
    expect(two(SECCOMP_RET_USER_NOTIF, SECCOMP_RET_ERRNO | 3)).toBe(SECCOMP_RET_ERRNO | 3);
    expect(two(SECCOMP_RET_TRAP, 0x00010000)).toBe(0x00010000);
    expect(two(0x7ffe0000, SECCOMP_RET_ERRNO | 4)).toBe(SECCOMP_RET_ERRNO | 4);
    expect(two(SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO)).toBe(SECCOMP_RET_ERRNO);
    expect(two(0xffff0000, SECCOMP_RET_KILL_PROCESS | 9)).toBe((SECCOMP_RET_KILL_PROCESS | 9) >>> 0);
  });

  it('drops ALLOW data: the running value starts as plain ALLOW', () => {
    expect(runChainDetailed([constant(SECCOMP_RET_ALLOW | 0x1234)], view, x86)).toEqual({ ret: SECCOMP_RET_ALLOW, match: -1 });
  });

  it('runs every filter, newest first', () => {
    const order: number[] = [];
    const filters = [0, 1, 2].map((i) => () => {
      order.push(i);
      return SECCOMP_RET_KILL_PROCESS;
    });
    expect(runChainDetailed(filters, view, x86)).toEqual({ ret: SECCOMP_RET_KILL_PROCESS, match: 2 });
    expect(order).toEqual([2, 1, 0]);
  });

  it('fails closed on an empty chain', () => {
    expect(runChain([], view, x86)).toBe(SECCOMP_RET_KILL_PROCESS);
  });

  it('lets x86_64 uretprobe (335) and uprobe (336) through without running a filter (docs/kernel-facts.md, observed 1)', () => {
    let ran = 0;
    const kill: FilterFn = () => {
      ran++;
      return SECCOMP_RET_KILL_PROCESS;
    };
    expect(runChain([kill], view, { arch: AUDIT_ARCH_X86_64, nr: 335 })).toBe(SECCOMP_RET_ALLOW);
    expect(runChain([kill], view, { arch: AUDIT_ARCH_X86_64, nr: 336 })).toBe(SECCOMP_RET_ALLOW);
    expect(ran).toBe(0);
    expect(runChain([kill], view, { arch: AUDIT_ARCH_X86_64, nr: 337 })).toBe(SECCOMP_RET_KILL_PROCESS);
    // Not native: i386 numbers 335/336 and x32's are filtered like any other call.
    expect(runChain([kill], view, { arch: AUDIT_ARCH_I386, nr: 335 })).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(bypassesFilters({ arch: AUDIT_ARCH_X86_64, nr: (X32_SYSCALL_BIT | 335) >>> 0 })).toBe(false);
    expect(ran).toBe(2);
  });

  it('follows the chosen kernel: nothing bypasses before 6.14, 335 from 6.14, 336 too from 6.18', () => {
    const kill: FilterFn = () => SECCOMP_RET_KILL_PROCESS;
    const at = (kernel: string | undefined, nr: number): number => runChain([kill], view, { arch: AUDIT_ARCH_X86_64, nr }, kernel);
    for (const kernel of ['5.11', '6.1', '6.13', '6.13.7-arch1-1']) {
      expect(chainBypass(kernel)).toEqual([]);
      expect([at(kernel, 335), at(kernel, 336)]).toEqual([SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_PROCESS]);
    }
    for (const kernel of ['6.14', '6.17']) {
      expect(chainBypass(kernel)).toEqual([335]);
      expect([at(kernel, 335), at(kernel, 336)]).toEqual([SECCOMP_RET_ALLOW, SECCOMP_RET_KILL_PROCESS]);
    }
    for (const kernel of ['6.18', '6.18.0-1-amd64', '7.3', 'newest', undefined]) {
      expect(chainBypass(kernel)).toEqual([335, 336]);
      expect([at(kernel, 335), at(kernel, 336)]).toEqual([SECCOMP_RET_ALLOW, SECCOMP_RET_ALLOW]);
    }
    expect(runChainDetailed([kill], view, { arch: AUDIT_ARCH_X86_64, nr: 335 }, '6.13')).toEqual({ ret: SECCOMP_RET_KILL_PROCESS, match: 0 });
    expect(runChainDetailed([kill], view, { arch: AUDIT_ARCH_X86_64, nr: 335 }, '6.14')).toEqual({ ret: SECCOMP_RET_ALLOW, match: -1 });
    expect(bypassesFilters({ arch: AUDIT_ARCH_X86_64, nr: 336 }, '6.17')).toBe(false);
    // A release we cannot model is the caller's typed error, never a guess.
    for (const kernel of ['4.19', '6.19', 'linux', '']) {
      expect(() => runChain([kill], view, { arch: AUDIT_ARCH_X86_64, nr: 335 }, kernel)).toThrow(SeccompError);
    }
  });
});
