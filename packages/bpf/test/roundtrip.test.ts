import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assemble, BPF_ABS, BPF_H, BPF_LD, decodeProgram, detectFormat, disassemble, encodeProgram, formatInsn, insn, OPCODES, readProgram, writeProgram,
  type Insn, type ProgramFormat, type SockFilter,
} from '../src/index.js';

const RUNS = process.env['EA_FUZZ'] ? 20_000 : 500;

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u8 = fc.integer({ min: 0, max: 0xff });
const known = fc.constantFrom(...OPCODES.keys());
/** Any sock_filter: mostly known codes, sometimes any 16-bit code; fields often 0 (canonical). */
const anyInsn: fc.Arbitrary<Insn> = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: known }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) }),
    fc.oneof(fc.constant(0), u8),
    fc.oneof(fc.constant(0), u8),
    fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 }), u32),
  )
  .map(([code, jt, jf, k]) => insn(code, jt, jf, k));

const bytesOf = (p: readonly SockFilter[]): number[] => [...encodeProgram(p)];

describe('every opcode round-trips through bpf_asm text', () => {
  for (const [code, info] of OPCODES) {
    it(`0x${code.toString(16)} (${info.shape.kind}) with random fields`, () => {
      fc.assert(
        fc.property(u8, u8, u32, (jt, jf, k) => {
          const program = [insn(code, jt, jf, k)];
          expect(bytesOf(assemble(disassemble(program)))).toEqual(bytesOf(program));
          expect(bytesOf(assemble(formatInsn(program[0]!)))).toEqual(bytesOf(program));
        }),
        { numRuns: Math.ceil(RUNS / 10) },
      );
    });
  }

  it('the canonical form of every opcode prints a mnemonic, not .insn', () => {
    for (const code of OPCODES.keys()) {
      const text = formatInsn(insn(code, 0, 0, 0));
      expect(text.startsWith('.insn'), text).toBe(false);
    }
  });
});

describe('random programs', () => {
  const program = fc.array(anyInsn, { maxLength: 40 });

  it('encode → disassemble → assemble → encode gives the same bytes', () => {
    fc.assert(
      fc.property(program, (p) => {
        expect(bytesOf(assemble(disassemble(p)))).toEqual(bytesOf(p));
      }),
      { numRuns: RUNS },
    );
  });

  it.each(['bin', 'asm', 'd', 'dd', 'ddd'] as ProgramFormat[])('writeProgram → readProgram round-trips %s, and detection finds it', (format) => {
    fc.assert(
      fc.property(program, (p) => {
        const written = writeProgram(p, format);
        const forced = readProgram(written, { format });
        expect(bytesOf(forced.insns)).toEqual(bytesOf(p));
        // Binary that happens to be printable UTF-8 is ambiguous; text formats never are.
        if (p.length > 0 && (format !== 'bin' || detectFormat(written) === 'bin')) {
          const detected = readProgram(written);
          expect(detected.format).toBe(format);
          expect(bytesOf(detected.insns)).toEqual(bytesOf(p));
        }
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('big-endian binary round-trips and differs from little-endian', () => {
    const code = BPF_LD | BPF_H | BPF_ABS;
    const p = [insn(code, 0, 0, 12)];
    const be = writeProgram(p, 'bin', { endian: 'be' });
    expect([...be]).toEqual([0, code, 0, 0, 0, 0, 0, 12]);
    expect(bytesOf(readProgram(be, { format: 'bin', endian: 'be' }).insns)).toEqual(bytesOf(p));
    expect(decodeProgram(be)[0]!.code).toBe(code << 8);
  });
});
