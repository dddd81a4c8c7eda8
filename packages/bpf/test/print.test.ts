import { describe, expect, it } from 'vitest';
import {
  BPF_A, BPF_ABS, BPF_ALU, BPF_B, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP,
  BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_MEM, BPF_MISC, BPF_MSH, BPF_NEG, BPF_RET, BPF_ST,
  BPF_SUB, BPF_TAILZ, BPF_TAX, BPF_W, BPF_X, SKF_AD_OFF, SKF_AD_PROTOCOL, SKF_AD_VLAN_TPID,
  assemble, disassemble, encodeProgram, formatInsn, insn, jump, stmt, type SockFilter,
} from '../src/index.js';

describe('formatInsn', () => {
  it.each([
    [stmt(BPF_LD | BPF_W | BPF_ABS, 12), 'ld [12]'],
    [stmt(BPF_LD | BPF_H | BPF_IND, 14), 'ldh [x + 14]'],
    [stmt(BPF_LD | BPF_B | BPF_ABS, 0x10000), 'ldb [0x10000]'],
    [stmt(BPF_LDX | BPF_B | BPF_MSH, 14), 'ldxb 4*([14]&0xf)'],
    [stmt(BPF_LD | BPF_IMM, 0x800), 'ld #0x800'],
    [stmt(BPF_LD | BPF_IMM, 7), 'ld #7'],
    [stmt(BPF_LD | BPF_MEM, 3), 'ld M[3]'],
    [stmt(BPF_LD | BPF_W | BPF_LEN, 0), 'ld #len'],
    [stmt(BPF_LDX | BPF_W | BPF_LEN, 0), 'ldx #len'],
    [stmt(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL), 'ld #proto'],
    [stmt(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_VLAN_TPID), 'ld #vlan_tpid'],
    [stmt(BPF_LD | BPF_H | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL), 'ldh #proto'],
    [stmt(BPF_LD | BPF_B | BPF_ABS, 0xfff00000), 'ldb [0xfff00000]'],
    [stmt(BPF_LD | BPF_W | BPF_TAILZ, 16), 'ldtz #0x10'],
    [stmt(BPF_ST, 15), 'st M[15]'],
    [stmt(BPF_ALU | BPF_SUB | BPF_X, 0), 'sub x'],
    [stmt(BPF_ALU | BPF_NEG, 0), 'neg'],
    [stmt(BPF_RET | BPF_A, 0), 'ret a'],
    [stmt(BPF_RET | BPF_K, 0x7fff0000), 'ret #0x7fff0000'],
    [stmt(BPF_MISC | BPF_TAX, 0), 'tax'],
    [jump(BPF_JMP | BPF_JEQ | BPF_K, 0x3e, 2, 5), 'jeq #0x3e, +2, +5'],
    [jump(BPF_JMP | BPF_JEQ | BPF_K, 0x3e, 2, 0), 'jeq #0x3e, +2'],
    [jump(BPF_JMP | BPF_JEQ | BPF_K, 0x3e, 0, 4), 'jne #0x3e, +4'],
    [jump(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 4), 'jle x, +4'],
    [jump(BPF_JMP | BPF_JGE | BPF_K, 1, 0, 4), 'jlt #1, +4'],
    [jump(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 4), 'jset #1, +0, +4'],
    [stmt(BPF_JMP | BPF_JA, 9), 'ja +9'],
  ])('prints %j as %s', (i, text) => {
    expect(formatInsn(i)).toBe(text);
  });

  it('prints absolute targets when given the pc', () => {
    expect(formatInsn(jump(BPF_JMP | BPF_JEQ | BPF_K, 0x3e, 2, 5), 10)).toBe('jeq #0x3e, L13, L16');
    expect(formatInsn(stmt(BPF_JMP | BPF_JA, 0), 4)).toBe('ja L5');
    expect(formatInsn(stmt(BPF_JMP | BPF_JA, 0xfffffff0), 18)).toBe('ja +4294967280');
  });

  it('prints unknown codes and non-zero unused fields as raw .insn, with the meaning in a comment', () => {
    expect(formatInsn(insn(0xffff, 1, 2, 3))).toBe('.insn 0xffff, 1, 2, 3');
    expect(formatInsn(insn(BPF_RET | BPF_A, 0, 0, 0x40))).toBe('.insn 0x16, 0, 0, 0x40 ; ret a');
    expect(formatInsn(insn(BPF_LD | BPF_IMM, 1, 0, 5))).toBe('.insn 0x0, 1, 0, 5 ; ld #5');
    expect(formatInsn(insn(BPF_JMP | BPF_JEQ | BPF_X, 1, 0, 5))).toBe('.insn 0x1d, 1, 0, 5 ; jeq x, +1');
    expect(formatInsn(insn(BPF_JMP | BPF_JA, 0, 1, 5))).toBe('.insn 0x5, 0, 1, 5 ; ja +5');
  });
});

describe('disassemble', () => {
  it('labels only the instructions a jump lands on', () => {
    const program = [
      stmt(BPF_LD | BPF_H | BPF_ABS, 12),
      jump(BPF_JMP | BPF_JEQ | BPF_K, 0x800, 0, 2),
      stmt(BPF_LDX | BPF_IMM, 1),
      stmt(BPF_JMP | BPF_JA, 0),
      stmt(BPF_RET | BPF_K, 0),
      jump(BPF_JMP | BPF_JSET | BPF_K, 1, 9, 0),
    ];
    expect(disassemble(program)).toBe(
      ['  ldh [12]', '  jne #0x800, L4', '  ldx #1', '  ja L4', 'L4:', '  ret #0', '  jset #1, +9', ''].join('\n'),
    );
  });
});

describe('seccomp comments', () => {
  it('names actions and seccomp_data fields when asked', () => {
    const program = assemble(`
      ld [4]
      jne #0xc000003e, kill
      ld [0]
      jeq #59, errno
      ld [20]
      jset #1, trap
      ld [68]
      ret #0x7fff0000
    errno: ret #0x50001
    trap: ret #0x30007
    kill: ret #0x80000000
      ret #0x10000
    `);
    expect(disassemble(program, { seccomp: true }).split('\n')).toEqual([
      '  ld [4] ; arch',
      '  jne #0xc000003e, L10',
      '  ld [0] ; nr',
      '  jeq #0x3b, L8',
      '  ld [20] ; args[0] (high word)',
      '  jset #1, L9',
      '  ld [68] ; ea_meta.esize',
      '  ret #0x7fff0000 ; ALLOW',
      'L8:',
      '  ret #0x50001 ; ERRNO(1)',
      'L9:',
      '  ret #0x30007 ; TRAP(7)',
      'L10:',
      '  ret #0x80000000 ; KILL_PROCESS',
      '  ret #0x10000 ; unknown action, acts as KILL_PROCESS',
      '',
    ]);
    expect(formatInsn(program[7]!, 7, { seccomp: true })).toBe('ret #0x7fff0000 ; ALLOW');
    expect(formatInsn(program[7]!, 7)).toBe('ret #0x7fff0000');
    expect(bytesOf(assemble(disassemble(program, { seccomp: true })))).toEqual(bytesOf(program));
  });
});

function bytesOf(p: readonly SockFilter[]): number[] {
  return [...encodeProgram(p)];
}
