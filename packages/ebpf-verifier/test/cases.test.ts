/**
 * Our verdict on each hand-written case (test/cases.ts): accepted, or refused with the expected
 * reason at the expected pc. kernel.test.ts holds the same cases against the running kernel.
 */
import { assemble, encode } from '@ea/ebpf';
import { checkEbpf, EbpfVerifierError, verifyEbpf } from '@ea/ebpf-verifier';
import { describe, expect, it } from 'vitest';
import { CASES } from './cases.js';
import { ourVerdict } from './support.js';

describe('hand-written cases', () => {
  for (const c of CASES) {
    it(c.name, () => {
      expect(ourVerdict(c).verdict).toBe(c.expect);
    });
  }
});

describe('the public door', () => {
  it('refuses a caller mistake with a typed error', () => {
    expect(() => verifyEbpf(null as never)).toThrow(EbpfVerifierError);
    expect(() => verifyEbpf({ insns: [] } as never)).toThrow(EbpfVerifierError);
  });
  it('names a map index that does not exist', () => {
    const v = checkEbpf(encode(assemble('lddw %r1, pseudo 1, 3\nmov %r0, 0\nexit')), { progType: 'xdp' });
    expect(v.accepted ? 'accept' : `${v.error.reason}@${v.error.pc}`).toBe('unsupported@0');
  });
  it('raw programs see r1 as memory of memSize bytes and r2 as its size', () => {
    const program = encode(assemble('ldxw %r0, [%r1+4]\nexit'));
    expect(checkEbpf(program, { memSize: 8 }).accepted).toBe(true);
    const refused = checkEbpf(program, { memSize: 6 });
    expect(refused.accepted ? '' : refused.error.log).toBe('invalid access to memory, mem_size=6 off=4 size=4');
  });
  it('stops an unbounded loop at the budget it is given', () => {
    const v = checkEbpf(encode(assemble('mov %r0, 0\nloop:\nadd %r0, 1\njne %r0, 0, loop\nexit')), { progType: 'xdp', budget: 5000 });
    expect(v.accepted ? '' : v.error.log).toBe('BPF program is too large. Processed 5001 insn');
  });
});
