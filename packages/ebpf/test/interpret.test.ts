/** Interpreter entry points: budget, bad input, extra regions, helpers, tracing. */
import { assemble, check, conformanceHelpers, decodeBytes, EbpfRunError, encode, type Helper, interpret, load } from '@ea/ebpf';
import { describe, expect, it } from 'vitest';

const prog = (text: string) => check(decodeBytes(encode(assemble(text))));

describe('interpret', () => {
  it('stops an endless loop with a typed budget error naming the pc', () => {
    const p = prog('mov %r0, 0\nloop:\nadd %r0, 1\nja loop\nexit');
    expect(() => interpret(p, new Uint8Array(0), { budget: 1000 })).toThrow(expect.objectContaining({ reason: 'budget' }));
  });

  it('refuses an input that is not a Uint8Array', () => {
    expect(() => interpret(prog('mov %r0, 0\nexit'), 'abc' as unknown as Uint8Array)).toThrow(EbpfRunError);
  });

  it('reads and writes an extra region through lddw map_value', () => {
    const region = new Uint8Array(16);
    const p = prog('lddw %r1, map_value 0, 8\nstdw [%r1], 99\nldxdw %r0, [%r1]\nadd %r0, 1\nexit');
    expect(interpret(p, new Uint8Array(0), { regions: [region] })).toBe(100n);
    expect(region[8]).toBe(99);
    expect(() => interpret(p, new Uint8Array(0))).toThrow(expect.objectContaining({ reason: 'out_of_bounds', pc: 0 }));
    const past = prog('lddw %r1, map_value 0, 12\nldxdw %r0, [%r1]\nexit');
    expect(() => interpret(past, new Uint8Array(0), { regions: [region] })).toThrow(expect.objectContaining({ reason: 'out_of_bounds', pc: 2 }));
  });

  it('calls helpers from a registry the caller extends, with bounds-checked memory', () => {
    const helpers = new Map<number, Helper>(conformanceHelpers());
    helpers.set(1, ([r1, r2], memory, pc) => memory.load(r1, 1, pc) + r2);
    expect(interpret(prog('mov %r2, 10\ncall 1\nexit'), Uint8Array.from([5]), { helpers })).toBe(15n);
    // uBPF's unwind helper (5) ends the program with r0 = 0 when r1 is 0.
    expect(interpret(prog('mov %r1, 0\ncall 5\nmov %r0, 9\nexit'), new Uint8Array(0), { helpers })).toBe(0n);
  });

  it('refuses lddw forms that need a kernel loader', () => {
    expect(() => load(encode(assemble('lddw %r1, pseudo 1 0x5\nexit')))).toThrow(expect.objectContaining({ reason: 'unsupported', pc: 0 }));
  });

  it('traces each step with the pc and registers', () => {
    const pcs: number[] = [];
    interpret(prog('mov %r0, 1\nlddw %r2, 5\nexit'), new Uint8Array(0), { onStep: (pc) => pcs.push(pc) });
    expect(pcs).toEqual([0, 1, 3]);
  });
});
