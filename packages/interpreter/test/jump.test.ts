/** Jumps: JA and every conditional with K and X, unsigned compares, jt/jf targets. */
import { describe, expect, it } from 'vitest';
import { runSocket } from './support/run.js';

function cond(op: string, a: number, b: number): [number, number] {
  const k = runSocket(`ld #${a}\n${op} #${b}, yes, no\nyes: ret #1\nno: ret #2`);
  const x = runSocket(`ld #${a}\nldx #${b}\n${op} x, yes, no\nyes: ret #1\nno: ret #2`);
  return [k, x];
}

describe('conditional jumps', () => {
  it.each([
    ['jeq', 5, 5, 1], ['jeq', 5, 6, 2],
    ['jgt', 0xffffffff, 1, 1], ['jgt', 1, 0xffffffff, 2], ['jgt', 7, 7, 2],
    ['jge', 7, 7, 1], ['jge', 0x80000000, 0x7fffffff, 1], ['jge', 6, 7, 2],
    ['jset', 0x80000001, 0x80000000, 1], ['jset', 0xf0, 0x0f, 2],
  ])('%s %i, %i takes branch %i (unsigned)', (op, a, b, want) => {
    expect(cond(op, a, b)).toEqual([want, want]);
  });
  it('jumps over instructions with jt/jf offsets and JA', () => {
    expect(runSocket('ld #1\njeq #1, l1\nret #9\nl1: ja l2\nret #8\nl2: ld #3\nret a')).toBe(3);
    expect(runSocket('ld #2\njeq #1, l1, l2\nl1: ret #9\nl2: ret #8')).toBe(8);
  });
});

describe('trace and one-shot interpret', () => {
  it('reports every executed instruction with A and X, and interpret() agrees with prepare()', async () => {
    const { interpret, prepare, packetContext } = await import('../src/index.js');
    const { program } = await import('./support/run.js');
    const prog = program('socket', 'ld #3\ntax\njeq #3, l1\nret #0\nl1: ret a');
    const steps: [number, number, number][] = [];
    const ctx = packetContext(new Uint8Array(0));
    expect(prepare(prog).trace(ctx, (pc, a, x) => steps.push([pc, a, x]))).toBe(3);
    expect(steps).toEqual([[0, 0, 0], [1, 3, 0], [2, 3, 3], [4, 3, 3]]);
    expect(interpret(prog, ctx)).toBe(3);
  });
});
