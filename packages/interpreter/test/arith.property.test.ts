/**
 * Property tests against a BigInt model of the kernel's u32 rules (no kernel needed): every ALU op
 * with K and X, unsigned compares, IND offsets wrapping at 32 bits; and the seccomp and ea
 * profiles agreeing on programs both accept.
 */
import { ALU_OPS, type AluOp, insn, BPF_ALU, BPF_IMM, BPF_K, BPF_LD, BPF_LDX, BPF_RET, BPF_A, BPF_X } from '@ea/bpf';
import { verify } from '@ea/verifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetContext, prepare } from '../src/index.js';
import { programArb } from '@ea/testkit';
import { program, seccompData } from './support/run.js';

const RUNS = process.env['EA_FUZZ'] ? 20_000 : 1_000;
const M32 = (1n << 32n) - 1n;

/** The kernel's result for `a op b` as u32, or null when the program returns 0 (division by 0). */
function model(op: AluOp, a: number, b: number): number | null {
  const A = BigInt(a);
  const B = BigInt(b);
  switch (op) {
    case 'add': return Number((A + B) & M32);
    case 'sub': return Number((A - B) & M32);
    case 'mul': return Number((A * B) & M32);
    case 'div': return b === 0 ? null : Number(A / B);
    case 'mod': return b === 0 ? null : Number(A % B);
    case 'or': return Number(A | B);
    case 'and': return Number(A & B);
    case 'xor': return Number(A ^ B);
    case 'lsh': return Number((A << BigInt(b & 31)) & M32);
    case 'rsh': return Number(A >> BigInt(b & 31));
  }
}

const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 2, 31, 32, 33, 0x7fffffff, 0x80000000, 0xffffffff));

describe('u32 arithmetic matches a BigInt model', () => {
  it('for every ALU op, with X and (where the verifier allows) K', () => {
    const ops = Object.keys(ALU_OPS) as AluOp[];
    fc.assert(
      fc.property(fc.constantFrom(...ops), u32, u32, (op, a, b) => {
        const want = model(op, a, b) ?? 0;
        const viaX = verify(
          [insn(BPF_LD | BPF_IMM, 0, 0, a), insn(BPF_LDX | BPF_IMM, 0, 0, b), insn(BPF_ALU | ALU_OPS[op] | BPF_X, 0, 0, 0), insn(BPF_RET | BPF_A, 0, 0, 0)],
          { profile: 'socket' },
        );
        const ctx = packetContext(new Uint8Array(0));
        expect(prepare(viaX).runPacket(ctx)).toBe(want);
        const constOk = !((op === 'div' || op === 'mod') && b === 0) && !((op === 'lsh' || op === 'rsh') && b >= 32);
        if (constOk) {
          const viaK = verify(
            [insn(BPF_LD | BPF_IMM, 0, 0, a), insn(BPF_ALU | ALU_OPS[op] | BPF_K, 0, 0, b), insn(BPF_RET | BPF_A, 0, 0, 0)],
            { profile: 'socket' },
          );
          expect(prepare(viaK).runPacket(ctx)).toBe(want);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('compares unsigned', () => {
    const run = (op: string, a: number, b: number) =>
      prepare(program('socket', `ld #${a}\nldx #${b}\n${op} x, t, f\nt: ret #1\nf: ret #0`)).runPacket(packetContext(new Uint8Array(0)));
    fc.assert(
      fc.property(u32, u32, (a, b) => {
        expect(run('jgt', a, b)).toBe(a > b ? 1 : 0);
        expect(run('jge', a, b)).toBe(a >= b ? 1 : 0);
        expect(run('jeq', a, b)).toBe(a === b ? 1 : 0);
        expect(run('jset', a, b)).toBe((BigInt(a) & BigInt(b)) !== 0n ? 1 : 0);
      }),
      { numRuns: RUNS / 4 },
    );
  });

  it('wraps IND offsets at 32 bits and reads them as signed', () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => i + 1);
    const ctx = packetContext(bytes);
    fc.assert(
      fc.property(u32, fc.integer({ min: 0, max: 0xffffffff }), (x, k) => {
        const off = Number((BigInt(x) + BigInt(k)) & M32);
        const signed = off >= 0x80000000 ? off - 2 ** 32 : off;
        const netOff = signed - (0xfff00000 - 2 ** 32);
        const pos = signed >= 0 ? signed : signed >= -0x100000 ? netOff : -1;
        const want = pos >= 0 && pos < 64 ? bytes[pos]! : 0;
        const run = prepare(program('socket', `ldx #${x}\nldb [x + ${k}]\nret a`));
        expect(run.runPacket(ctx)).toBe(want);
      }),
      { numRuns: RUNS / 4 },
    );
  });
});

describe('profiles', () => {
  it('ea runs every seccomp program like seccomp over seccomp_data and an empty ea_meta', () => {
    fc.assert(
      fc.property(programArb('seccomp', 24), fc.nat(0xffffffff), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (insns, nr, arg) => {
        const data = seccompData(nr, [arg, arg >> 3n]);
        // An EA image is seccomp_data followed by ea_meta (80 bytes at least).
        const image = new Uint8Array(80);
        image.set(new Uint8Array(data.buffer));
        const seccomp = prepare(verify(insns, { profile: 'seccomp' })).runSeccomp(data);
        const ea = prepare(verify(insns, { profile: 'ea' })).runSeccomp(new DataView(image.buffer));
        expect(ea).toBe(seccomp);
      }),
      { numRuns: RUNS / 4 },
    );
  });
});
