/**
 * Formats: encode(decode(x)) reproduces every valid slot, the disassembly reads back to the same
 * bytes (generated programs and every opcode), bad text gets line and column, objdump output reads.
 */
import {
  assemble, decodeBytes, decodeInsn, type Insn, disassemble, EbpfLoadError, EbpfSyntaxError, encode, encodeInsn, formatInsn,
  parseObjdump, readProgramBytes, toHex, writeSlots,
} from '@ea/ebpf';
import { describe, expect, it } from 'vitest';
import { generateProgram, rng } from '@ea/testkit';

/** Every slot shape worth trying for one opcode byte. */
function shapes(code: number): { code: number; dst: number; src: number; off: number; imm: number }[] {
  const out = [];
  for (const dst of [0, 3]) for (const src of [0, 1]) for (const off of [0, 1, 8, 32, -3]) for (const imm of [0, 16, 64, -7, 0xe1, 0xf1, 0xa1]) out.push({ code, dst, src, off, imm });
  return out;
}

describe('binary encoding', () => {
  it('round-trips every valid slot through decode and encode, and formats each', () => {
    let valid = 0;
    const codes = new Set<number>();
    for (let code = 0; code < 256; code++) {
      for (const raw of shapes(code)) {
        const next = { code: 0, dst: 0, src: 0, off: 0, imm: 9 };
        let insn: Insn;
        try {
          insn = decodeInsn(raw, next, 0);
        } catch (error) {
          expect(error).toBeInstanceOf(EbpfLoadError);
          continue;
        }
        valid++;
        codes.add(code);
        const slots = encodeInsn(insn);
        expect(toHex(writeSlots(slots))).toBe(toHex(writeSlots(insn.kind === 'lddw' ? [raw, next] : [raw])));
        const text = formatInsn(insn);
        expect(toHex(encode(assemble(text)))).toBe(toHex(writeSlots(slots)));
      }
    }
    // RFC 9669's opcodes (ALU 27, ALU64 26, JMP 26, JMP32 23, LDX 7, ST 4, STX 6) and LD's
    // lddw plus the six legacy packet loads.
    expect(codes.size).toBe(126);
    expect(valid).toBeGreaterThan(500);
  });

  it('refuses a length that is not a multiple of 8 and an empty program', () => {
    expect(() => decodeBytes(new Uint8Array(12))).toThrow(expect.objectContaining({ reason: 'truncated', pc: 1 }));
    expect(() => decodeBytes(new Uint8Array(0))).toThrow(expect.objectContaining({ reason: 'empty' }));
  });
});

describe('assembler and disassembler', () => {
  it('reads back the disassembly of generated programs bit for bit', () => {
    const next = rng(7);
    for (let i = 0; i < 300; i++) {
      const bytes = encode(generateProgram(next, 32).insns);
      const text = disassemble(decodeBytes(bytes));
      expect(toHex(encode(assemble(text)))).toBe(toHex(bytes));
    }
  });

  it('resolves labels, the implicit exit label and call local', () => {
    const bytes = encode(assemble('jeq %r1, 0, exit\ncall local f\nexit\nf:\nmov %r0, 1\nexit'));
    expect(disassemble(decodeBytes(bytes))).toBe('jeq %r1, 0, +1\ncall local +1\nexit\nmov %r0, 1\nexit\n');
  });

  it.each([
    ['mov %r11, 1', 1, 5, /does not exist/],
    ['mov %r0', 1, 1, /takes 2 operands/],
    ['frob %r0, 1', 1, 1, /unknown mnemonic/],
    ['exit\nja nowhere', 2, 4, /undefined label/],
    ['ldxw %r0, [%r1+70000]', 1, 11, /out of range/],
    ['mov %r0, 0x100000000', 1, 10, /out of range/],
    ['lddw %r0, 0x10000000000000000', 1, 11, /64 bits/],
    ['a:\na:\nexit', 2, 1, /duplicate label/],
  ])('names the line and column of %j', (text, line, column, reason) => {
    try {
      assemble(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EbpfSyntaxError);
      expect(error).toMatchObject({ line, column });
      expect((error as EbpfSyntaxError).reason).toMatch(reason);
    }
  });
});

describe('program formats', () => {
  const objdump = [
    '',
    'prog.o:\tfile format elf64-bpf',
    '',
    'Disassembly of section xdp:',
    '',
    '0000000000000000 <prog>:',
    '       0:\tb7 00 00 00 02 00 00 00\tr0 = 0x2',
    '       1:\t18 01 00 00 44 33 22 11 00 00 00 00 88 77 66 55\tr1 = 0x5566778811223344 ll',
    '       3:\t95 00 00 00 00 00 00 00\texit',
  ].join('\n');

  it('reads llvm-objdump -d output by its byte columns', () => {
    const bytes = parseObjdump(objdump);
    expect(disassemble(decodeBytes(bytes))).toBe('mov %r0, 2\nlddw %r1, 0x5566778811223344\nexit\n');
    expect(readProgramBytes(new TextEncoder().encode(objdump)).format).toBe('objdump');
  });

  it('detects binary, hex and assembly', () => {
    const bytes = encode(assemble('mov %r0, 2\nexit'));
    expect(readProgramBytes(bytes).format).toBe('binary');
    expect(readProgramBytes(new TextEncoder().encode(toHex(bytes))).format).toBe('hex');
    expect(readProgramBytes(new TextEncoder().encode('mov %r0, 2\nexit\n')).format).toBe('asm');
    expect(toHex(readProgramBytes(new TextEncoder().encode(`${toHex(bytes)}\n`)).bytes)).toBe(toHex(bytes));
  });
});
