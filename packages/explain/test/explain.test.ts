/**
 * explain() on the committed libseccomp policies (both optimisation levels, multi-arch), on
 * hand-written filters with 64-bit argument trees and bit-linear ALU operations, and on random
 * seccomp programs: every result is checked by running (test/check.ts).
 */
import { assemble } from '@ea/bpf';
import { explain, syscallDecisions } from '@ea/explain';
import { programArb } from '@ea/testkit';
import { committedPolicies } from '@ea/testkit';
import { check, verify } from '@ea/verifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkByRunning } from './support/check.js';

const seccomp = (text: string) => verify(assemble(text), { profile: 'seccomp' });

describe('explain on libseccomp policies', () => {
  for (const policy of committedPolicies()) {
    it(`${policy.name}: every range agrees with the interpreter`, () => {
      const program = verify(policy.program, { profile: 'seccomp' });
      const e = explain(program);
      expect(e.arches.some((a) => a.accepted)).toBe(true);
      expect(checkByRunning(program, e, 7)).toBeGreaterThan(1000);
    });
  }

  it('the check by running catches a one-bit error in a decision', () => {
    const program = verify(committedPolicies().find((p) => p.name === 'args')!.program, { profile: 'seccomp' });
    const e = explain(program);
    const x86 = e.arches.find((a) => a.names.includes('x86_64'))!;
    const ranges = x86.ranges.map((r) => (r.cases.length > 1 ? { ...r, cases: r.cases.map((c, i) => (i === 0 ? { ...c, ret: c.ret ^ 1 } : c)) } : r));
    const tampered = { ...e, arches: e.arches.map((a) => (a === x86 ? { ...a, ranges } : a)) };
    expect(() => checkByRunning(program, tampered, 7)).toThrow(/filter returns/);
    const predicate = x86.ranges.map((r) =>
      r.cases.length > 1 ? { ...r, cases: r.cases.map((c, i) => (i === 0 ? { ...c, when: c.when.map((p) => ({ ...p, value: p.value ^ 1n })) } : c)) } : r,
    );
    expect(() => checkByRunning(program, { ...e, arches: e.arches.map((a) => (a === x86 ? { ...a, ranges: predicate } : a)) }, 7)).toThrow(/filter returns/);
  });

  it('names syscalls and covers every number exactly once', () => {
    const program = verify(committedPolicies().find((p) => p.name === 'allowlist')!.program, { profile: 'seccomp' });
    const x86 = explain(program).arches.find((a) => a.names.includes('x86_64'))!;
    const lines = syscallDecisions(x86);
    let next = 0;
    for (const l of lines) {
      expect(l.nr).toBe(next);
      next = (l.to ?? l.nr) + 1;
    }
    expect(next).toBe(2 ** 32);
    const read = lines.find((l) => l.name === 'read' && l.arch === 'x86_64')!;
    expect(read.cases).toEqual([{ when: [], ret: 0x7fff0000 }]);
    const ptrace = lines.find((l) => l.name === 'ptrace' && l.arch === 'x86_64')!;
    expect(ptrace.cases).toEqual([{ when: [], ret: 0x00050001 }]);
    // x32 numbers carry X32_SYSCALL_BIT and are labelled x32.
    expect(lines.find((l) => l.name === 'read' && l.arch === 'x32')!.nr).toBe(0x40000000);
  });
});

describe('explain on hand-written filters', () => {
  it('recognises a 64-bit comparison split into hi/lo words', () => {
    // args[1] > 0x1_0000_0005 -> ERRNO(1), args[1] == 7 -> TRAP, else ALLOW (nr 3 only).
    const program = seccomp(`
      ld [0]
      jeq #3, args, allow
    args:
      ld [28]
      jgt #1, errno, hi_eq
    hi_eq:
      jeq #1, lo, lo7
    lo:
      ld [24]
      jgt #5, errno, allow
    lo7:
      jeq #0, check7, allow
    check7:
      ld [24]
      jeq #7, trap, allow
    errno: ret #0x50001
    trap: ret #0x30000
    allow: ret #0x7fff0000
    `);
    const e = explain(program);
    const x86 = e.arches.find((a) => a.names.includes('x86_64'))!;
    const r = x86.ranges.find((r) => r.first <= 3 && r.last >= 3)!;
    expect(r.cases).toEqual([
      { when: [{ field: 'args[1]', op: 'ge', value: 0x100000006n }], ret: 0x50001 },
      { when: [{ field: 'args[1]', op: 'eq', value: 7n }], ret: 0x30000 },
      { when: [], ret: 0x7fff0000 },
    ]);
    checkByRunning(program, e, 3);
  });

  it('reads the halves of an argument in each architecture\'s byte order (x86_64, i386, s390x in one filter)', () => {
    // args[0] > 0x1_0000_0000 on x86_64 (lo word at 16) and on s390x (hi word at 16); i386 compares the low word.
    const program = seccomp(`
      ld [4]
      jeq #0xc000003e, x86
      jeq #0x80000016, s390
      jeq #0x40000003, i386, kill
    x86:
      ld [20]
      jgt #1, deny
      jeq #1, x86lo, allow
    x86lo:
      ld [16]
      jgt #0, deny, allow
    s390:
      ld [16]
      jgt #1, deny
      jeq #1, s390lo, allow
    s390lo:
      ld [20]
      jgt #0, deny, allow
    i386:
      ld [16]
      jgt #7, deny, allow
    deny: ret #0x50001
    allow: ret #0x7fff0000
    kill: ret #0x80000000
    `);
    const e = explain(program);
    const wide = [{ when: [{ field: 'args[0]', op: 'ge', value: 0x100000001n }], ret: 0x50001 }, { when: [], ret: 0x7fff0000 }];
    expect(e.arches.find((a) => a.names.includes('x86_64'))!.ranges.map((r) => r.cases)).toEqual([wide]);
    expect(e.arches.find((a) => a.names.includes('s390x'))!.ranges.map((r) => r.cases)).toEqual([wide]);
    expect(e.arches.find((a) => a.names.includes('i386'))!.ranges.map((r) => r.cases)).toEqual([
      [{ when: [{ field: 'args[0].lo', op: 'ge', value: 8n }], ret: 0x50001 }, { when: [], ret: 0x7fff0000 }],
    ]);
    expect(e.arches.filter((a) => a.accepted).map((a) => a.names[0])).toEqual(['x86_64', 'i386', 's390x']);
    expect(checkByRunning(program, e, 13)).toBeGreaterThan(100);
  });

  it('handles masks, shifts and scratch memory exactly', () => {
    const program = seccomp(`
      ld [16]
      and #0xff00
      rsh #8
      st M[3]
      ld [20]
      jset #0x80000000, kill, next
    next:
      ld M[3]
      jge #0x40, errno, low
    low:
      xor #0x5
      jeq #0x7, trap, allow
    kill: ret #0
    errno: ret #0x50002
    trap: ret #0x30000
    allow: ret #0x7fff0000
    `);
    const e = explain(program);
    expect(checkByRunning(program, e, 11)).toBeGreaterThan(100);
  });

  it('reports arithmetic on an argument as unsupported, naming the instruction', () => {
    const program = seccomp('ld [16]\nadd #1\njeq #0, a, b\na: ret #0\nb: ret #0x7fff0000');
    expect(() => explain(program)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED', pc: 1 }));
  });

  it('refuses socket programs', () => {
    const program = verify(assemble('ret #0'), { profile: 'socket' });
    expect(() => explain(program)).toThrow(expect.objectContaining({ code: 'NOT_SECCOMP' }));
  });
});

describe('explain on random seccomp programs', () => {
  it('agrees with the interpreter whenever it gives a result', () => {
    let explained = 0;
    fc.assert(
      fc.property(programArb('seccomp', 40), fc.nat(), (insns, seed) => {
        const r = check(insns, { profile: 'seccomp' });
        if (!r.ok) return;
        let e: ReturnType<typeof explain>;
        try {
          e = explain(r.program);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('UNSUPPORTED');
          return;
        }
        explained++;
        checkByRunning(r.program, e, seed + 1, 20);
      }),
      { numRuns: process.env['EA_FUZZ'] ? 3000 : 200 },
    );
    expect(explained).toBeGreaterThan(50);
  });
});
