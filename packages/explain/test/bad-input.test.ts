/**
 * Bad input: socket and EA programs, programs the seccomp verifier refuses, operations the
 * analysis cannot represent, and 4,096-instruction filters get a typed error or a result within
 * the bound, never a crash or a hang.
 */
import { assemble, BPF_ABS, BPF_JEQ, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_RET, BPF_W, type Insn, insn } from '@ea/bpf';
import { audit, diff, ExplainError, explain } from '@ea/explain';
import { check, verify } from '@ea/verifier';
import { describe, expect, it } from 'vitest';
import { checkByRunning } from './support/check.js';

describe('bad input', () => {
  it('socket and EA programs are refused with NOT_SECCOMP', () => {
    for (const profile of ['socket', 'ea'] as const) {
      const program = verify(assemble('ld [0]\nret a'), { profile });
      expect(() => explain(program)).toThrow(ExplainError);
      expect(() => explain(program)).toThrow(expect.objectContaining({ code: 'NOT_SECCOMP' }));
      expect(() => diff(program, program)).toThrow(expect.objectContaining({ code: 'NOT_SECCOMP' }));
      expect(() => audit(program)).toThrow(expect.objectContaining({ code: 'NOT_SECCOMP' }));
    }
  });

  it('unrepresentable operations name the instruction', () => {
    const cases: [string, number][] = [
      ['ld [16]\nneg\njeq #1, a, b\na: ret #0\nb: ret #0x7fff0000', 1],
      ['ld [16]\ntax\nld [24]\njgt x, a, b\na: ret #0\nb: ret #0x7fff0000', 3],
      ['ld [16]\nret a', 1],
      ['ld [16]\nmul #3\njeq #1, a, b\na: ret #0\nb: ret #0x7fff0000', 1],
    ];
    for (const [text, pc] of cases) {
      expect(() => explain(verify(assemble(text), { profile: 'seccomp' })), text).toThrow(expect.objectContaining({ code: 'UNSUPPORTED', pc }));
    }
  });

  it('a 4,096-instruction filter whose paths double at every test stops with TOO_COMPLEX', () => {
    // jset on a different argument bit at every step: 2^4094 feasible paths.
    const insns: Insn[] = [insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 16)];
    for (let i = 0; i < 4094; i++) insns.push(insn(BPF_JMP | BPF_JSET | BPF_K, 0, 0, 1 << (i % 32)));
    insns.push(insn(BPF_RET | BPF_K, 0, 0, 0x7fff0000));
    const program = verify(insns, { profile: 'seccomp' });
    // jt == jf == 0: both sides go to the same place, yet each is a feasible distinct constraint set.
    const started = Date.now();
    let outcome: unknown;
    try {
      outcome = explain(program, { maxSteps: 200_000 });
    } catch (error) {
      outcome = error;
    }
    expect(Date.now() - started).toBeLessThan(60_000);
    if (outcome instanceof ExplainError) expect(outcome.code).toBe('TOO_COMPLEX');
    else expect(outcome).toHaveProperty('arches');
  });

  it('a branching 4,096-instruction filter on distinct argument words stops with TOO_COMPLEX', () => {
    const insns: Insn[] = [];
    for (let i = 0; i < 1365; i++) {
      insns.push(insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 16 + 4 * (i % 12)));
      insns.push(insn(BPF_JMP | BPF_JSET | BPF_K, 0, 1, 1 << (i % 31)));
      insns.push(insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0));
    }
    insns.push(insn(BPF_RET | BPF_K, 0, 0, 0x7fff0000));
    const program = verify(insns, { profile: 'seccomp' });
    expect(() => explain(program)).toThrow(expect.objectContaining({ code: 'TOO_COMPLEX' }));
  });

  it('a 4,096-instruction linear allow-list is explained exactly', () => {
    const insns: Insn[] = [
      insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 4),
      insn(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0xc000003e),
      insn(BPF_RET | BPF_K, 0, 0, 0x80000000),
      insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0),
      insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0),
    ];
    for (let r = 0; insns.length < 4095; r++) {
      insns.push(insn(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, r * 3), insn(BPF_RET | BPF_K, 0, 0, r % 2 ? 0x7fff0000 : 0x50001));
    }
    insns.push(insn(BPF_RET | BPF_K, 0, 0, 0x50026));
    expect(insns.length).toBe(4096);
    const program = verify(insns, { profile: 'seccomp' });
    const e = explain(program);
    expect(checkByRunning(program, e, 5, 300)).toBeGreaterThan(300);
  });

  it('programs the seccomp verifier refuses never reach explain', () => {
    expect(check(assemble('ld [64]\nret a'), { profile: 'seccomp' }).ok).toBe(false);
  });
});
