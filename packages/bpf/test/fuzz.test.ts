/**
 * Untrusted input: random and mutated text and bytes, in every format, must either read into
 * encodable instructions or throw FormatError with a location, never anything else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble, disassemble, encodeProgram, FormatError, insn, OPCODES, readProgram, writeProgram, type ProgramFormat } from '../src/index.js';

const RUNS = process.env['EA_FUZZ'] ? 50_000 : 1_500;
const FORMATS: (ProgramFormat | undefined)[] = [undefined, 'bin', 'asm', 'd', 'dd', 'ddd'];

function onlyFormatError(input: Uint8Array | string): void {
  for (const format of FORMATS) {
    try {
      const { insns } = readProgram(input, format === undefined ? {} : { format });
      encodeProgram(insns); // every field must fit its C type
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      expect(typeof error.code).toBe('string');
      if (format !== 'bin' && typeof input === 'string' && error.code !== 'UNKNOWN_FORMAT') {
        expect(error.where?.kind).toBe('text');
      }
    }
  }
}

const sample = assemble(`
  ldh [12]
  jne #0x800, drop
  ldb [23]
  ldxb 4*([14]&0xf)
  ldh [x + 14]
  jeq x, +1
  ret #0xffff
drop:
  ret #0
  .insn 0x7, 0, 0, 3
`);
const texts = (['asm', 'd', 'dd', 'ddd'] as const).map((f) => writeProgram(sample, f));

/** Pieces that make mutations likely to hit interesting parser states. */
const PIECES = ['#', '[', ']', ',', ':', '+', '-', '*', '(', ')', '&', 'x', '%x', 'a', 'M[', 'L1', 'L1:', ' ', '\n',
  '0x', '4294967296', '-2147483649', '99999999999999999999999999999999999999999999999', '0b2', '08', ';', '/*', '*/',
  'jeq', 'ja', 'ld', 'ldxb', '4*([', '&0xf)', '.insn', 'jt', 'jf', '(000)', '{', '}', '\u0000', '\uffff', '\ud800', 'é'];

const mutated = fc
  .tuple(fc.constantFrom(...texts), fc.array(fc.tuple(fc.nat(), fc.nat(4), fc.constantFrom(...PIECES), fc.string()), { maxLength: 6 }))
  .map(([text, edits]) => {
    let t = text;
    for (const [pos, del, piece, junk] of edits) {
      const at = pos % (t.length + 1);
      t = t.slice(0, at) + (pos % 3 === 0 ? junk : piece) + t.slice(at + del);
    }
    return t;
  });

describe('bad input gets FormatError only', () => {
  it('random strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), onlyFormatError), { numRuns: RUNS });
  });

  it('random strings made of format pieces', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES, '12', '0x800', 'ret', 'ldh', 'tax'), { maxLength: 40 }), (parts) =>
        onlyFormatError(parts.join('')),
      ),
      { numRuns: RUNS },
    );
  });

  it('mutated valid text', () => {
    fc.assert(fc.property(mutated, onlyFormatError), { numRuns: RUNS });
  });

  it('random and mutated bytes', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 100 }),
      fc.tuple(fc.constantFrom(...texts), fc.uint8Array({ maxLength: 4 }), fc.nat()).map(([t, junk, pos]) => {
        const b = new TextEncoder().encode(t);
        const at = pos % (b.length + 1);
        return Uint8Array.from([...b.slice(0, at), ...junk, ...b.slice(at)]);
      }),
    );
    fc.assert(fc.property(bytes, onlyFormatError), { numRuns: RUNS });
  });

  it('valid programs written in any format read back, even when every field is random', () => {
    const program = fc.array(
      fc.tuple(fc.oneof(fc.constantFrom(...OPCODES.keys()), fc.integer({ min: 0, max: 0xffff })), fc.nat(255), fc.nat(255), fc.nat(0xffffffff)).map(
        ([c, t, f, k]) => insn(c, t, f, k),
      ),
      { maxLength: 20 },
    );
    fc.assert(fc.property(program, (p) => onlyFormatError(disassemble(p))), { numRuns: Math.ceil(RUNS / 5) });
  });
});

describe('large hostile text', () => {
  // Shapes that made earlier versions quadratic or allocate per character; 1 MiB each keeps the
  // test quick while a quadratic reader would still stall past the test timeout.
  const size = 1 << 20;
  const shapes: [string, string][] = [
    ['unterminated comments', ' /*'.repeat(size / 3)],
    ['commas', ','.repeat(size)],
    ['labels', 'ab: '.repeat(size / 4)],
    ['digits', '1'.repeat(size)],
    ['-ddd words', `1\n${'1 '.repeat(size / 2)}`],
    ['comment lines', ';\n'.repeat(size / 2)],
    ['block comments', '/**/'.repeat(size / 4)],
    ['open brackets', '['.repeat(size)],
  ];
  it.each(shapes)('%s', (_name, text) => {
    onlyFormatError(text);
  });
});
