/** Registers, scratch memory, u32 arithmetic, shifts and division rules (docs/kernel-facts.md §4.1). */
import { describe, expect, it } from 'vitest';
import { runSeccomp, runSocket, seccompData } from './support/run.js';

/** Computes `a op b` with both operand sources: K and X. */
function alu(op: string, a: number, b: number, profile: 'seccomp' | 'socket' = 'socket'): [number, number] {
  const run = profile === 'socket' ? (t: string) => runSocket(t) : (t: string) => runSeccomp(t);
  const viaK = run(`ld #${a}\n${op} #${b}\nret a`);
  const viaX = run(`ld #${a}\nldx #${b}\n${op} x\nret a`);
  return [viaK, viaX];
}

describe('state', () => {
  it('starts with A = 0 and X = 0', () => {
    expect(runSocket('ret a')).toBe(0);
    expect(runSocket('txa\nret a')).toBe(0);
  });
  it('keeps M[0..15] apart and moves values with TAX/TXA', () => {
    const text = [
      ...Array.from({ length: 16 }, (_, i) => `ld #${i * 3 + 1}\nst M[${i}]`),
      'ldx M[15]', 'txa', 'ldx M[3]', 'add x', 'tax', 'ld #0', 'txa', 'stx M[1]', 'ld M[1]', 'ret a',
    ].join('\n');
    expect(runSocket(text)).toBe(46 + 10);
  });
  it('returns RET K and RET A as u32', () => {
    expect(runSocket('ret #0xffffffff')).toBe(0xffffffff);
    expect(runSeccomp('ld #0x7fff0000\nret a')).toBe(0x7fff0000);
  });
});

describe('u32 arithmetic, K and X', () => {
  it.each([
    ['add', 0xffffffff, 2, 1],
    ['sub', 0, 1, 0xffffffff],
    ['mul', 0x10000, 0x10000, 0],
    ['mul', 0xffffffff, 0xffffffff, 1],
    ['mul', 0x12345678, 0x9abcdef1, Number((0x12345678n * 0x9abcdef1n) & 0xffffffffn)],
    ['div', 0xffffffff, 2, 0x7fffffff],
    ['div', 0xfffffffe, 0xffffffff, 0],
    ['div', 7, 7, 1],
    ['mod', 0xffffffff, 7, 3],
    ['or', 0xf0f00000, 0x0f, 0xf0f0000f],
    ['and', 0xf0f0ffff, 0xff0000ff, 0xf00000ff],
    ['xor', 0xffffffff, 0x0f0f0f0f, 0xf0f0f0f0],
    ['lsh', 3, 31, 0x80000000],
    ['rsh', 0x80000000, 31, 1],
  ])('%s %i, %i = %i', (op, a, b, want) => {
    expect(alu(op, a, b)).toEqual([want, want]);
    if (op !== 'mod') expect(alu(op, a, b, 'seccomp')).toEqual([want, want]);
  });
  it('negates modulo 2^32', () => {
    expect(runSocket('ld #1\nneg\nret a')).toBe(0xffffffff);
    expect(runSocket('ld #0x80000000\nneg\nret a')).toBe(0x80000000);
    expect(runSocket('neg\nret a')).toBe(0);
  });
});

describe('shifts by X use X & 31 (docs/kernel-facts.md, observed 5)', () => {
  it.each([
    ['lsh', 1, 32, 1],
    ['lsh', 1, 33, 2],
    ['lsh', 3, 0xffffffff, 0x80000000],
    ['rsh', 0x80000000, 32, 0x80000000],
    ['rsh', 0x80000000, 63, 1],
  ])('%s %i by X = %i gives %i', (op, a, x, want) => {
    expect(runSocket(`ld #${a}\nldx #${x}\n${op} x\nret a`)).toBe(want);
  });
});

describe('division by X == 0 ends the program with 0 (docs/kernel-facts.md, observed 4)', () => {
  it('drops the packet for DIV X and MOD X', () => {
    expect(runSocket('ld #5\ndiv x\nret #77')).toBe(0);
    expect(runSocket('ld #5\nmod x\nret #77')).toBe(0);
    expect(runSocket('ld #5\nldx #2\ndiv x\nret a')).toBe(2);
    expect(runSocket('ld #5\nldx #2\nmod x\nret a')).toBe(1);
  });
  it('is KILL_THREAD (0) for seccomp even when the program would return ALLOW', () => {
    expect(runSeccomp('ld [0]\ndiv x\nret #0x7fff0000', seccompData(9))).toBe(0);
  });
});
