/**
 * Bound regions (@ea/ebpf's bound.ts): bind() takes regions 1.. once and each run gives only the
 * input and region 0 as a window of a buffer. Both engines, over runs where the window moves
 * inside one buffer, bound regions are rewritten in place, plain runs and another binding come
 * between, must return what the BigInt reference returns on the same regions, and refuse what
 * cannot be bound or run with typed errors.
 */
import { assemble, encode, interpretReference, load, prepare } from '@ea/ebpf';
import { compile } from '@ea/ebpf-jit';
import { Rng } from '@ea/testkit';
import { describe, expect, it } from 'vitest';
import { readU32 } from './support/helpers.js';

// r0 = region 0's byte k (k = input byte 0) + (u32 at region 1's byte 4 through the helper) << 8
// + (u32 at region 0's byte 0 through the helper) << 40; region 0's byte k becomes 0xee.
const PROGRAM = `
ldxb %r3, [%r1+0]
lddw %r2, map_value 0, 0
add %r2, %r3
ldxb %r6, [%r2+0]
mov %r4, 0xee
stxb [%r2+0], %r4
lddw %r1, map_value 1, 4
call 1
lsh %r0, 8
add %r6, %r0
lddw %r1, map_value 0, 0
call 1
lsh %r0, 40
add %r0, %r6
exit
`;

const outcome = (f: () => bigint): unknown => {
  try {
    return f();
  } catch (error) {
    const e = error as { reason?: string; pc?: number };
    return { reason: e.reason, pc: e.pc };
  }
};

describe('bind()', () => {
  it('interpreter and JIT equal the reference over 3,000 bound runs with windows, rewrites, plain runs and another binding between', () => {
    const program = load(encode(assemble(PROGRAM)));
    const helpers = new Map([[1, readU32]]);
    const engines = [prepare(program, { helpers }), compile(program, { helpers })];
    expect((engines[1] as ReturnType<typeof compile>).accelerated).toBe(true);
    const rng = new Rng(13);
    // Copies per engine: a run writes 0xee into its window.
    const worlds = engines.map(() => {
      const capture = Uint8Array.from({ length: 256 }, () => rng.int(256));
      const other = Uint8Array.from({ length: 64 }, () => rng.int(256));
      const maps = new Uint8Array(32);
      return { capture, other, maps, rest: [maps.subarray(0, 8), maps.subarray(8, 16)], restB: [maps.subarray(16, 26)] };
    });
    const reference = { ...worlds[0]!, capture: worlds[0]!.capture.slice(), other: worlds[0]!.other.slice(), maps: worlds[0]!.maps.slice() };
    worlds[1]!.capture.set(reference.capture);
    worlds[1]!.other.set(reference.other);
    const bound = engines.map((engine, e) => [engine.bind(worlds[e]!.rest), engine.bind(worlds[e]!.restB)]);
    for (let i = 0; i < 3000; i++) {
      const k = rng.int(14);
      const which = rng.int(8); // 0: plain run; 1: the other binding; 2: the other buffer; else the capture
      const offset = rng.int(250);
      const length = rng.int(Math.min(16, 256 - offset) + 1);
      const rewrite = rng.int(4) === 0 ? [rng.int(32), rng.int(256)] : null;
      const results: unknown[] = [];
      for (const [e, world] of [reference, ...worlds].entries()) {
        if (rewrite) world.maps[rewrite[0]!] = rewrite[1]!;
        const data = which === 2 ? world.other : world.capture;
        const at = which === 2 ? offset % 60 : offset;
        const n = Math.min(length, data.length - at);
        const maps = [world.maps.subarray(0, 8), world.maps.subarray(8, 16)];
        const mapsB = [world.maps.subarray(16, 26)];
        const regions = [data.subarray(at, at + n), ...(which === 1 ? mapsB : maps)];
        const input = Uint8Array.of(k);
        if (e === 0) results.push(outcome(() => interpretReference(program, input, { regions, helpers })));
        else {
          const engine = engines[e - 1]!;
          const b = bound[e - 1]![which === 1 ? 1 : 0]!;
          results.push(outcome(() => (which === 0 ? engine.run(input, regions) : BigInt(b.run32(input, data, at, n)) + (BigInt(b.high()) << 32n))));
        }
      }
      expect(results[1], `run ${i} (interpreter)`).toEqual(results[0]);
      expect(results[2], `run ${i} (JIT)`).toEqual(results[0]);
      expect(worlds[0]!.capture, `run ${i}`).toEqual(reference.capture);
      expect(worlds[1]!.capture, `run ${i}`).toEqual(reference.capture);
      expect(worlds[1]!.other, `run ${i}`).toEqual(reference.other);
    }
  });

  it('refuses what cannot be bound or run, with typed errors, in both engines', () => {
    const program = load(encode(assemble('lddw %r2, map_value 1, 0\nldxb %r0, [%r2+0]\nexit')));
    for (const engine of [prepare(program), compile(program)]) {
      const bad = (f: () => unknown): void => {
        expect(f).toThrow(expect.objectContaining({ reason: 'bad_input' }));
      };
      bad(() => engine.bind('x' as unknown as Uint8Array[]));
      bad(() => engine.bind([new DataView(new ArrayBuffer(1))] as unknown as Uint8Array[]));
      const Resizable = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ArrayBuffer;
      bad(() => engine.bind([new Uint8Array(new Resizable(4, { maxByteLength: 8 }))]));
      const buffer = new ArrayBuffer(4);
      const region = new Uint8Array(buffer);
      region[0] = 7;
      const b = engine.bind([region]);
      const data = new Uint8Array(8);
      expect(b.run32(data, data)).toBe(7);
      expect(b.run32(data, data, 8)).toBe(7);
      bad(() => b.run32(data, data, 9));
      bad(() => b.run32(data, data, 4, 5));
      bad(() => b.run32(data, data, -1, 1));
      bad(() => b.run32(data, data, 0.5, 1));
      bad(() => b.run32(data, null as unknown as Uint8Array));
      bad(() => b.run32(null as unknown as Uint8Array, data));
      // A bound region's bytes change in place: seen. Its buffer detached: refused, never read.
      region[0] = 9;
      expect(b.run32(data, data)).toBe(9);
      structuredClone(buffer, { transfer: [buffer] });
      bad(() => b.run32(data, data));
    }
  });

  it('does not leave a bound run\'s window as region 0 for a plain run on the same array it had before', () => {
    const program = load(encode(assemble('lddw %r2, map_value 0, 0\nldxb %r0, [%r2+0]\nexit')));
    for (const engine of [prepare(program), compile(program)]) {
      const input = new Uint8Array(1);
      const mine = Uint8Array.of(5, 5);
      const rest = [new Uint8Array(1)];
      const b = engine.bind(rest);
      expect(engine.run(input, [mine, ...rest])).toBe(5n);
      expect(b.run32(input, Uint8Array.of(0, 6, 6), 1, 2)).toBe(6);
      expect(engine.run(input, [mine, ...rest])).toBe(5n);
    }
  });

  it('keeps its own copy of the list: a region replaced in the caller\'s array after bind() is not taken', () => {
    const program = load(encode(assemble('lddw %r2, map_value 1, 0\nldxb %r0, [%r2+0]\nexit')));
    for (const engine of [prepare(program), compile(program)]) {
      const rest = [Uint8Array.of(1)];
      const b = engine.bind(rest);
      rest[0] = Uint8Array.of(2);
      expect(b.run32(new Uint8Array(1), new Uint8Array(1))).toBe(1);
      expect(engine.bind(rest).run32(new Uint8Array(1), new Uint8Array(1))).toBe(2);
    }
  });
});
