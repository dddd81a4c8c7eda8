import { describe, expect, it } from 'vitest';
import {
  BPF_ABS, BPF_ALU, BPF_B, BPF_H, BPF_IND, BPF_JA, BPF_JEQ, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_MEM, BPF_MISC, BPF_MSH,
  BPF_NEG, BPF_RET, BPF_ST, BPF_STX, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_A, BPF_ADD, BPF_LEN, BPF_IMM, OPCODES, REG_A, REG_X,
  SKF_AD_HATYPE, SKF_AD_MARK, SKF_AD_NLATTR, SKF_AD_OFF, SKF_AD_ALU_XOR_X, SKF_LL_OFF, SKF_NET_OFF, type KnownInsn, ancillaryField, insn,
  isNegativeOffset, loadWidth, regM, regsRead, regsWritten, successors,
} from '../src/index.js';

const known = (code: number, k = 0, jt = 0, jf = 0): KnownInsn => insn(code, jt, jf, k) as KnownInsn;

describe('instruction facts', () => {
  it('negative offsets start at 2^31, where the kernel reads k as a negative int', () => {
    expect(isNegativeOffset(0x7fffffff)).toBe(false);
    expect(isNegativeOffset(0x80000000)).toBe(true);
    for (const k of [SKF_AD_OFF, SKF_NET_OFF, SKF_LL_OFF, 0xffffffff, -1]) expect(isNegativeOffset(k)).toBe(true);
    expect(ancillaryField(known(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_MARK))).toBe(SKF_AD_MARK);
    expect(ancillaryField(known(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF))).toBeUndefined();
    expect(ancillaryField(known(BPF_LD | BPF_W | BPF_IND, SKF_AD_OFF))).toBeUndefined();
  });

  it('load widths: the size for packet loads, a byte for msh, nothing else', () => {
    expect(loadWidth(known(BPF_LD | BPF_W | BPF_ABS, 4))).toBe(4);
    expect(loadWidth(known(BPF_LD | BPF_H | BPF_IND, 4))).toBe(2);
    expect(loadWidth(known(BPF_LD | BPF_B | BPF_ABS, 4))).toBe(1);
    expect(loadWidth(known(BPF_LDX | BPF_B | BPF_MSH, 14))).toBe(1);
    expect(loadWidth(known(BPF_LD | BPF_W | BPF_MEM, 4))).toBe(0);
    expect(loadWidth(known(BPF_LD | BPF_W | BPF_LEN))).toBe(0);
  });

  it('successors: pc + 1, the ja target, both jump targets, none after a return', () => {
    expect(successors(known(BPF_LD | BPF_IMM, 1), 3)).toEqual([4]);
    expect(successors(known(BPF_JMP | BPF_JA, 5), 3)).toEqual([9]);
    expect(successors(known(BPF_JMP | BPF_JEQ | BPF_K, 1, 2, 0), 3)).toEqual([6, 4]);
    expect(successors(known(BPF_RET | BPF_K, 0), 3)).toEqual([]);
    expect(successors(known(BPF_RET | BPF_A), 3)).toEqual([]);
  });

  it('registers read and written, as filter.h describes each instruction', () => {
    const cases: [KnownInsn, number, number][] = [
      [known(BPF_LD | BPF_W | BPF_ABS, 12), 0, REG_A],
      [known(BPF_LD | BPF_W | BPF_IND, 12), REG_X, REG_A],
      [known(BPF_LD | BPF_MEM, 3), regM(3), REG_A],
      [known(BPF_LDX | BPF_MEM, 15), regM(15), REG_X],
      [known(BPF_LDX | BPF_B | BPF_MSH, 14), 0, REG_X],
      [known(BPF_ST, 7), REG_A, regM(7)],
      [known(BPF_STX, 7), REG_X, regM(7)],
      [known(BPF_ALU | BPF_ADD | BPF_K, 1), REG_A, REG_A],
      [known(BPF_ALU | BPF_ADD | BPF_X), REG_A | REG_X, REG_A],
      [known(BPF_ALU | BPF_NEG), REG_A, REG_A],
      [known(BPF_MISC | BPF_TAX), REG_A, REG_X],
      [known(BPF_MISC | BPF_TXA), REG_X, REG_A],
      [known(BPF_JMP | BPF_JSET | BPF_X), REG_A | REG_X, 0],
      [known(BPF_JMP | BPF_JEQ | BPF_K, 1), REG_A, 0],
      [known(BPF_RET | BPF_A), REG_A, 0],
      [known(BPF_RET | BPF_K, 1), 0, 0],
      // Ancillary: nlattr searches from A for type X, xor_x is A ^ X, hatype exits with A without a device.
      [known(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_NLATTR), REG_A | REG_X, REG_A],
      [known(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_ALU_XOR_X), REG_A | REG_X, REG_A],
      [known(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_HATYPE), REG_A, REG_A],
      [known(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_MARK), 0, REG_A],
    ];
    for (const [ins, reads, writes] of cases) {
      expect([ins.kind, regsRead(ins), regsWritten(ins)]).toEqual([ins.kind, reads, writes]);
    }
  });

  it('every opcode of the table has facts, and only A, X and M[k] appear in them', () => {
    for (const code of OPCODES.keys()) {
      const ins = known(code, 5, 1, 2);
      expect(successors(ins, 0).length).toBeLessThanOrEqual(2);
      expect(regsRead(ins) & ~(REG_A | REG_X | regM(5))).toBe(0);
      expect(regsWritten(ins) & ~(REG_A | REG_X | regM(5))).toBe(0);
    }
  });
});
