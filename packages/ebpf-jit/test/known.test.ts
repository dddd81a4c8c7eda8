/**
 * The JIT's known-value analysis (src/known.ts) and what the emitter folds with it: the facts it
 * derives, that it forgets them at joins and loops, and programs built to sit on the edges of each
 * fold (a carry the bounds must rule in, a join of a known and an unknown high half, a length
 * compared in the wrong direction, a byte swap that is a jump target), run through the JIT and
 * the interpreter on inputs of every length around the edges.
 */
import { assemble, encode, EbpfRunError, interpret, load } from '@ea/ebpf';
import { compile } from '@ea/ebpf-jit';
import { describe, expect, it } from 'vitest';
import { PACKET, Rng } from '@ea/testkit';
import { analyse, entryState } from '../src/known.js';
import { bigEndianLoads, functionBody } from '../src/structure.js';

const programOf = (text: string) => load(encode(assemble(text)));

function factsOf(text: string) {
  const { insns } = programOf(text);
  const { pcs, targets, backward } = functionBody(insns, 0);
  return { insns, before: analyse(insns, 0, pcs, targets, backward, entryState()), bigEndian: bigEndianLoads(insns, pcs, targets) };
}

function outcome(run: () => bigint): string {
  try {
    return `0x${run().toString(16)}`;
  } catch (error) {
    if (error instanceof EbpfRunError) return `${error.reason}@${error.pc}`;
    throw error;
  }
}

/** Runs the JIT (twice per input, the second on the reuse path) and the interpreter on inputs of 0..maxLength bytes; returns the outcomes seen. */
function agree(text: string, maxLength = 40, draws = 6): Set<string> {
  const program = programOf(text);
  const jit = compile(program);
  expect(jit.accelerated).toBe(true);
  const rng = new Rng(0x15);
  const seen = new Set<string>();
  for (let length = 0; length <= maxLength; length++) {
    for (let d = 0; d < draws; d++) {
      const bytes = Uint8Array.from({ length }, () => (d === 0 ? 0xff : d === 1 ? 0 : rng.int(256)));
      const want = outcome(() => interpret(program, bytes.slice()));
      const input = bytes.slice();
      for (let round = 0; round < 2; round++) {
        const got = outcome(() => jit.run(input));
        if (got !== want) throw new Error(`length ${length} draw ${d} round ${round}: jit ${got}, interpreter ${want}\n${jit.source}`);
      }
      seen.add(want);
    }
  }
  return seen;
}

describe('the known-value analysis', () => {
  it('knows the parser: zero high halves, bounds, the context tag and the length it compared', () => {
    const { before, bigEndian } = factsOf(PACKET);
    // pc 11 (`jlt %r4, 20`): r4 = (byte & 15) << 2, high half 0, at most 60; r2 compared with 34 at pc 1.
    expect(before.get(11)!.regs[4]).toEqual({ hi: 0, min: 0, max: 60, cl: false });
    expect(before.get(11)!.clMin).toBe(34);
    expect(before.get(11)!.regs[1]).toEqual({ hi: 1, min: 0, max: 0, cl: false });
    expect(before.get(11)!.regs[2]!.cl).toBe(true);
    // pc 25: r9 = r1 + r7, still the context's tag with a bounded offset.
    expect(before.get(25)!.regs[9]).toEqual({ hi: 1, min: 14, max: 74, cl: false });
    // The exit (pc 45) joins the path from pc 1, where nothing was compared: the bound is gone.
    expect(before.get(45)!.clMin).toBe(0);
    expect(before.get(45)!.regs[0]!.hi).toBe(0);
    expect([...bigEndian].sort((a, b) => a - b)).toEqual([2, 14, 25, 32, 34, 41]);
  });

  it('forgets at a join what only one predecessor knew', () => {
    const { before } = factsOf('mov %r3, 1\njeq %r2, 5, +1\nldxdw %r3, [%r1]\nmov %r0, %r3\nexit');
    expect(before.get(3)!.regs[3]!.hi).toBe(null);
    const { before: b2 } = factsOf('mov %r3, 1\njeq %r2, 5, +1\nmov %r3, 7\nmov %r0, %r3\nexit');
    expect(b2.get(3)!.regs[3]).toEqual({ hi: 0, min: 1, max: 7, cl: false });
  });

  it('starts every jump target of a loop from nothing', () => {
    const { before } = factsOf('mov %r3, 0\nmov %r0, 0\nloop:\nadd %r0, 1\nadd %r3, 1\njlt %r3, 4, loop\nexit');
    expect(before.get(2)!.regs[0]!.hi).toBe(null);
    expect(before.get(2)!.regs[1]!.hi).toBe(null);
    expect(before.get(1)!.regs[1]!.hi).toBe(1);
  });

  it('forgets r0-r5 across a call', () => {
    const { before } = factsOf('mov %r3, 1\nmov %r6, 1\ncall local f\nmov %r0, %r3\nexit\nf:\nmov %r0, 0\nexit');
    expect(before.get(3)!.regs[3]!.hi).toBe(null);
    expect(before.get(3)!.regs[6]!.hi).toBe(0);
  });
});

describe('folded code agrees with the interpreter at the edges', () => {
  it('a sum whose bounds allow a carry keeps the carry', () => {
    agree('ldxw %r3, [%r1]\nadd %r3, 0x7fffffff\nadd %r3, %r3\nmov %r0, %r3\nrsh %r0, 32\nexit', 8);
    agree('ldxw %r3, [%r1]\nadd %r3, 1\nmov %r0, %r3\nrsh %r0, 32\nexit', 6);
    // Past 2^31 the low half must wrap to an int32: a 32-bit comparison with -2 sees it.
    const wrap = 'ldxw %r3, [%r1]\nand %r3, 0x7fffffff\nadd %r3, 0x7fffffff\njeq32 %r3, -2, +2\nmov %r0, 1\nexit\nmov %r0, 2\nexit';
    expect(agree(wrap, 6).has('0x2')).toBe(true);
    agree('ldxb %r3, [%r1]\nsub %r3, 1\nmov %r0, %r3\nrsh %r0, 32\nexit', 4);
    agree('ldxb %r3, [%r1]\nlsh %r3, 24\nlsh %r3, 1\nmov %r0, %r3\nrsh %r0, 32\nexit', 4);
  });

  it('a product leaves out only the cross terms whose high half is known to be 0', () => {
    agree('ldxdw %r3, [%r1]\nldxb %r4, [%r1+8]\nmul %r3, %r4\nmov %r0, %r3\nrsh %r0, 32\nexit', 10, 4);
    agree('ldxdw %r3, [%r1]\nldxb %r4, [%r1+8]\nmul %r4, %r3\nmov %r0, %r4\nrsh %r0, 32\nexit', 10, 4);
    agree('lddw %r4, 0x100000003\nldxb %r5, [%r1]\nmul %r4, %r5\nmov %r0, %r4\nrsh %r0, 32\nexit', 2, 4);
    agree('ldxb %r4, [%r1]\nmul %r4, -3\nmov %r0, %r4\nrsh %r0, 32\nexit', 2, 4);
    agree('ldxw %r4, [%r1]\nldxw %r5, [%r1+4]\nmul %r4, %r5\nmov %r0, %r4\nrsh %r0, 32\nexit', 8, 4);
  });

  it('a pointer moved across its tag by a borrow reads through the runtime', () => {
    const seen = agree('mov %r3, %r1\nadd %r3, -1\nldxb %r0, [%r3+1]\nexit', 4);
    expect(seen.has('out_of_bounds@2')).toBe(true);
    expect(agree('ldxb %r0, [%r1-1]\nexit', 2)).toEqual(new Set(['out_of_bounds@0']));
    agree('jlt %r2, 4, +3\nmov %r3, %r1\nadd %r3, 2\nldxh %r0, [%r3-2]\nexit', 6);
  });

  it('a length compared either way bounds only the edge it is true on', () => {
    const guarded = agree('jlt %r2, 4, +2\nldxw %r0, [%r1]\nexit\nmov %r0, 7\nexit', 8);
    expect(guarded.has('0x7')).toBe(true);
    const wrong = agree('jge %r2, 4, +2\nldxw %r0, [%r1]\nexit\nmov %r0, 7\nexit', 8);
    expect(wrong.has('out_of_bounds@1')).toBe(true);
    expect(agree('jlt %r2, 4, +2\nldxw %r0, [%r1+1]\nexit\nmov %r0, 7\nexit', 8).has('out_of_bounds@1')).toBe(true);
    agree('jgt %r2, 5, +1\nexit\nldxw %r0, [%r1+2]\nldxh %r3, [%r1+4]\nadd %r0, %r3\nexit', 10);
    agree('jle %r2, 5, +2\nldxw %r0, [%r1+2]\nexit\nmov %r0, 1\nexit', 10);
    agree('mov %r4, %r2\njlt32 %r4, 3, +2\nldxh %r0, [%r1+1]\nexit\nmov %r0, 2\nexit', 6);
    agree('jlt %r2, 6, +3\nmov %r5, %r1\nldxb %r0, [%r5+5]\nexit\nmov %r0, 3\nexit', 8);
  });

  it('a join of a known and an unknown high half compares both halves', () => {
    agree('mov %r3, 1\nldxb %r4, [%r1]\njgt %r4, 7, +1\nldxdw %r3, [%r1+1]\njgt %r3, 0x100, +2\nmov %r0, 1\nexit\nmov %r0, 2\nexit', 12);
  });

  it('signed comparisons and jset with known high halves', () => {
    agree('ldxb %r3, [%r1]\nmov %r4, -3\njslt %r3, %r4, +2\nmov %r0, 1\nexit\nmov %r0, 2\nexit', 3);
    agree('ldxb %r3, [%r1]\nsub %r3, 200\nmov %r4, -100\njsgt %r3, %r4, +2\nmov %r0, 1\nexit\nmov %r0, 2\nexit', 3);
    agree('lddw %r3, 0x100000000\nldxb %r4, [%r1]\nor %r4, %r3\njset %r4, %r3, +2\nmov %r0, 1\nexit\nmov %r0, 2\nexit', 3);
    agree('ldxb %r4, [%r1]\njset %r4, 0x80, +2\nmov %r0, 1\nexit\nmov %r0, 2\nexit', 3);
  });

  it('a byte swap that is a jump target stays a swap; one after a load reads big-endian', () => {
    const text = 'ldxh %r0, [%r1]\njeq %r2, 3, +1\nldxh %r0, [%r1+1]\nbe16 %r0\nexit';
    const { bigEndian } = factsOf(text);
    expect(bigEndian.size).toBe(0);
    agree(text, 5);
    agree('ldxh %r0, [%r1+1]\nbe16 %r0\nexit', 5);
    agree('ldxw %r0, [%r1+1]\nbe32 %r0\nexit', 7);
    agree('ldxw %r0, [%r1]\nbswap32 %r0\nexit', 6);
    agree('ldxh %r0, [%r1]\nbe32 %r0\nexit', 4);
    agree('ldxh %r0, [%r1]\nbe16 %r3\nexit', 4);
    // The slow path reads big-endian too: the stack, through the runtime.
    agree('stw [%r10-4], 0x11223344\nldxw %r0, [%r10-4]\nbe32 %r0\nldxh %r3, [%r10-4]\nbe16 %r3\nlsh %r3, 32\nor %r0, %r3\nexit', 0, 1);
  });

  it('the untouched packet parser on every length and its mutations', () => {
    agree(PACKET, 70, 8);
  });
});
