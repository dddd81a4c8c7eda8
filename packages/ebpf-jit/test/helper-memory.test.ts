/**
 * Helpers read memory through a facade the engines keep from run to run (only a region that
 * changed gets a new view), and the fast engines call a helper's pair form where the reference
 * calls its BigInt form. Both engines, run after run on the same prepared program with the
 * context and the regions replaced, resized, mutated in place or kept, must return what the
 * BigInt reference returns on that run alone.
 */
import { assemble, encode, interpretReference, load, prepare } from '@ea/ebpf';
import { compile } from '@ea/ebpf-jit';
import { Rng } from '@ea/testkit';
import { describe, expect, it } from 'vitest';
import { readU32 } from './support/helpers.js';

// r0 = u32 at ctx[0] + u32 at region 0's byte 0 * 2^32 + u32 at region 1's byte 4.
const PROGRAM = `
call 1
mov32 %r6, %r0
lddw %r1, map_value 0, 0
call 1
lsh %r0, 32
or %r6, %r0
lddw %r1, map_value 1, 4
call 1
add %r0, %r6
exit
`;

describe('helpers see the regions of the run they are called in', () => {
  it('interpreter and JIT equal the reference over 2,000 runs with regions swapped, resized and rewritten', () => {
    const program = load(encode(assemble(PROGRAM)));
    const helpers = new Map([[1, readU32]]);
    const interp = prepare(program, { helpers });
    const jit = compile(program, { helpers });
    expect(jit.accelerated).toBe(true);
    const rng = new Rng(7);
    const fill = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng.int(256));
    let ctx = fill(4);
    let regions = [fill(4), fill(8)];
    for (let i = 0; i < 2000; i++) {
      // What changes before this run: nothing, the bytes in place, an array, or the list itself.
      switch (rng.int(6)) {
        case 0: break;
        case 1: ctx = fill(4 + rng.int(3)); break;
        case 2: regions[rng.int(2)]!.set(fill(4)); break;
        case 3: regions = [fill(4 + rng.int(2)), regions[1]!]; break;
        case 4: regions[1] = fill(8 + rng.int(2)); break;
        default: ctx.set(fill(4));
      }
      const want = interpretReference(program, ctx, { regions, helpers });
      expect(interp.run(ctx, regions), `run ${i}`).toBe(want);
      expect(jit.run(ctx, regions), `run ${i}`).toBe(want);
    }
  });

  it('interpreter and JIT equal the reference when the context and regions are windows of one buffer', () => {
    // The JIT's core keeps one DataView per buffer and a base per region; its helpers' Memory
    // must still see exactly each window (a window too short for the helper is out_of_bounds).
    const program = load(encode(assemble(PROGRAM)));
    const helpers = new Map([[1, readU32]]);
    const interp = prepare(program, { helpers });
    const jit = compile(program, { helpers });
    const rng = new Rng(9);
    const buffer = Uint8Array.from({ length: 128 }, () => rng.int(256));
    const window = (min: number): Uint8Array => {
      const at = rng.int(100);
      return buffer.subarray(at, at + min - 1 + rng.int(3));
    };
    const outcome = (f: () => bigint): unknown => {
      try {
        return f();
      } catch (error) {
        return { reason: (error as { reason?: string }).reason, pc: (error as { pc?: number }).pc };
      }
    };
    for (let i = 0; i < 2000; i++) {
      const ctx = window(4);
      const regions = [window(4), window(8)];
      const want = outcome(() => interpretReference(program, ctx, { regions, helpers }));
      expect(outcome(() => interp.run(ctx, regions)), `run ${i}`).toEqual(want);
      expect(outcome(() => jit.run(ctx, regions)), `run ${i}`).toEqual(want);
    }
  });

  it('refuse a region too short for the helper, after runs where it fit', () => {
    const program = load(encode(assemble(PROGRAM)));
    const helpers = new Map([[1, readU32]]);
    for (const engine of [prepare(program, { helpers }), compile(program, { helpers })]) {
      const ctx = new Uint8Array(4);
      const regions = [new Uint8Array(4), new Uint8Array(8)];
      expect(engine.run(ctx, regions)).toBe(0n);
      regions[1] = new Uint8Array(7);
      expect(() => engine.run(ctx, regions)).toThrow(expect.objectContaining({ reason: 'out_of_bounds', pc: 9 }));
    }
  });
});
