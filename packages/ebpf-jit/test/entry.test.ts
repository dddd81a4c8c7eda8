/**
 * The allocation-free entry (run32/high) and the inline context check: the same answers and the
 * same typed errors as the interpreter, at the edges of the context, and across reused inputs.
 */
import { assemble, encode, interpret, load } from '@ea/ebpf';
import { compile } from '@ea/ebpf-jit';
import { Rng } from '@ea/testkit';
import { describe, expect, it } from 'vitest';

const jitOf = (text: string) => compile(load(encode(assemble(text))));

/** Runs both engines; returns [jit, interpreter] as a result or the error's reason and pc. */
function both(text: string, input: Uint8Array): [unknown, unknown] {
  const program = load(encode(assemble(text)));
  const outcome = (f: () => bigint): unknown => {
    try {
      return f();
    } catch (error) {
      const e = error as { reason?: string; pc?: number };
      return { reason: e.reason, pc: e.pc };
    }
  };
  return [outcome(() => compile(program).run(input.slice())), outcome(() => interpret(program, input.slice()))];
}

describe('run32 and high', () => {
  it('split r0 into its unsigned halves, as run joins them', () => {
    const jit = jitOf('lddw %r0, 0x89abcdef01234567\nexit');
    expect(jit.run32(new Uint8Array(0))).toBe(0x01234567);
    expect(jit.high()).toBe(0x89abcdef);
    expect(jit.run(new Uint8Array(0))).toBe(0x89abcdef01234567n);
    const neg = jitOf('mov %r0, -1\nexit');
    expect(neg.run32(new Uint8Array(0))).toBe(0xffffffff);
    expect(neg.high()).toBe(0xffffffff);
  });

  it('agree with the interpreter fallback', () => {
    const program = load(encode(assemble('lddw %r0, 0xfedcba9876543210\nexit')));
    const slow = compile(program, { accelerate: false });
    expect(slow.run32(new Uint8Array(0))).toBe(0x76543210);
    expect(slow.high()).toBe(0xfedcba98);
  });

  it('refuse a non-Uint8Array with a typed error', () => {
    expect(() => jitOf('mov %r0, 1\nexit').run32({ length: 4 } as unknown as Uint8Array)).toThrow(expect.objectContaining({ reason: 'bad_input' }));
  });

  it('refuse regions that are not an array of Uint8Arrays, also after a run on the same input', () => {
    const jit = jitOf('mov %r0, 1\nexit');
    const input = new Uint8Array(4);
    expect(jit.run32(input)).toBe(1);
    for (const regions of ['x', [new DataView(new ArrayBuffer(4))], [null], { length: 0 }]) {
      expect(() => jit.run32(input, regions as unknown as Uint8Array[])).toThrow(expect.objectContaining({ reason: 'bad_input' }));
    }
    expect(jit.run32(input, [])).toBe(1);
    expect(jit.run32(input)).toBe(1);
  });

  it('sees a region replaced or resized inside the same regions array between runs', () => {
    const jit = jitOf('lddw %r2, map_value 1, 0\nldxb %r0, [%r2+1]\nexit');
    const input = new Uint8Array(4);
    const regions = [new Uint8Array(1), Uint8Array.of(1, 2)];
    expect(jit.run32(input, regions)).toBe(2);
    regions[1] = Uint8Array.of(3, 4);
    expect(jit.run32(input, regions)).toBe(4);
    regions[1] = regions[1].subarray(0, 1);
    expect(() => jit.run32(input, regions)).toThrow(expect.objectContaining({ reason: 'out_of_bounds', pc: 2 }));
    regions.pop();
    expect(() => jit.run32(input, regions)).toThrow(expect.objectContaining({ reason: 'out_of_bounds', pc: 0 }));
    expect(() => jit.run32(input)).toThrow(expect.objectContaining({ reason: 'out_of_bounds', pc: 0 }));
  });

  it('sees exactly its window when regions are windows of one buffer, run after run', () => {
    // r0 = region 0's byte k (k = input byte 0), then that byte becomes 0xee. The core keeps one
    // DataView per buffer and a base per region: a base or length off by one reads or writes a
    // neighbour's byte, or lets an access past the window through.
    const jit = jitOf('ldxb %r3, [%r1+0]\nlddw %r2, map_value 0, 0\nadd %r2, %r3\nldxb %r0, [%r2+0]\nmov %r4, 0xee\nstxb [%r2+0], %r4\nexit');
    const rng = new Rng(11);
    const buffer = new Uint8Array(96);
    const outer = buffer.subarray(16);
    for (let i = 0; i < 500; i++) {
      buffer.forEach((_, j) => {
        buffer[j] = j;
      });
      const offset = rng.int(40);
      const length = rng.int(24);
      const k = rng.int(26);
      const regions = [rng.int(2) === 0 ? buffer.subarray(offset, offset + length) : outer.subarray(offset, offset + length)];
      const base = regions[0]!.byteOffset;
      if (k < length) {
        expect(jit.run32(Uint8Array.of(k), regions), `run ${i}`).toBe(base + k);
        expect(buffer.findIndex((b, j) => b !== (j === base + k ? 0xee : j))).toBe(-1);
      } else {
        expect(() => jit.run32(Uint8Array.of(k), regions), `run ${i}`).toThrow(expect.objectContaining({ reason: 'out_of_bounds', pc: 4 }));
        expect(buffer.findIndex((b, j) => b !== j)).toBe(-1);
      }
    }
  });

  it('keeps apart programs compiled side by side (each has its own generated entries)', () => {
    const input = Uint8Array.of(7, 9);
    const a = jitOf('ldxb %r0, [%r1+0]\nexit');
    const b = jitOf('ldxb %r0, [%r1+1]\nlsh %r0, 32\nexit');
    for (let i = 0; i < 3; i++) {
      expect([a.run32(input), b.run32(input), b.high(), a.run(input), b.run(input)]).toEqual([7, 0, 9, 7n, 9n << 32n]);
    }
  });
});

describe('inline context bounds', () => {
  const sizes = [['ldxb', 1], ['ldxh', 2], ['ldxw', 4], ['ldxdw', 8]] as const;
  const input = Uint8Array.from({ length: 16 }, (_, i) => 0xf0 + i);

  it.each(sizes)('%s: the last byte loads, one past it is out_of_bounds at the pc', (op, size) => {
    const last = both(`mov %r0, 0\n${op} %r0, [%r1+${16 - size}]\nexit`, input);
    expect(last[0]).toBe(last[1]);
    expect(typeof last[0]).toBe('bigint');
    const past = both(`mov %r0, 0\n${op} %r0, [%r1+${17 - size}]\nexit`, input);
    expect(past[0]).toEqual({ reason: 'out_of_bounds', pc: 1 });
    expect(past[1]).toEqual(past[0]);
    const below = both(`mov %r0, 0\nadd %r1, 3\n${op} %r0, [%r1-4]\nexit`, input);
    expect(below[0]).toEqual({ reason: 'out_of_bounds', pc: 2 });
    expect(below[1]).toEqual(below[0]);
  });

  it.each([['stxb', 1], ['stxh', 2], ['stxw', 4], ['stxdw', 8]] as const)('%s: stores inside, refuses one past the end', (op, size) => {
    const program = load(encode(assemble(`lddw %r3, 0x1122334455667788\n${op} [%r1+${16 - size}], %r3\nmov %r0, 0\nexit`)));
    const a = input.slice();
    const b = input.slice();
    compile(program).run(a);
    interpret(program, b);
    expect(a).toEqual(b);
    expect(a).not.toEqual(input);
    const past = both(`lddw %r3, 0x1122334455667788\n${op} [%r1+${17 - size}], %r3\nmov %r0, 0\nexit`, input);
    expect(past[0]).toEqual({ reason: 'out_of_bounds', pc: 2 }); // lddw takes two slots
    expect(past[1]).toEqual(past[0]);
  });

  it('sign-extends ldxs through the inline path', () => {
    const [jit, interp] = both('ldxsh %r0, [%r1+0]\nexit', Uint8Array.of(0x00, 0x80));
    expect(jit).toBe(0xffffffffffff8000n);
    expect(interp).toBe(jit);
  });

  it('sees a reused input change between runs, a new length, and a clean stack after a stack write', () => {
    const jit = jitOf('ldxb %r0, [%r1+0]\nldxb %r2, [%r10-1]\nadd %r0, %r2\nstxb [%r10-1], %r0\nexit');
    const buf = Uint8Array.of(5, 0, 0);
    expect(jit.run32(buf)).toBe(5);
    buf[0] = 9;
    expect(jit.run32(buf)).toBe(9); // the stack byte written by the previous run is zero again
    expect(jit.run32(buf.subarray(0, 1))).toBe(9);
    expect(() => jit.run32(buf.subarray(0, 0))).toThrow(expect.objectContaining({ reason: 'out_of_bounds', pc: 0 }));
  });
});

describe('the reuse test of run32', () => {
  it('refuses null, undefined and non-arrays before and after an accepted run, even for a program that never reads its input', () => {
    for (const text of ['mov %r0, 1\nexit', 'mov %r0, %r2\nexit', 'ldxb %r0, [%r1]\nexit']) {
      const jit = jitOf(text);
      for (const bad of [null, undefined, 0, { length: 1 }]) {
        expect(() => jit.run32(bad as unknown as Uint8Array)).toThrow(expect.objectContaining({ reason: 'bad_input' }));
      }
      const input = Uint8Array.of(7);
      expect(jit.run32(input)).toBe(text.includes('ldxb') ? 7 : 1);
      for (const bad of [null, undefined, 0, { length: 1 }]) {
        expect(() => jit.run32(bad as unknown as Uint8Array)).toThrow(expect.objectContaining({ reason: 'bad_input' }));
      }
    }
  });

  it('sees a length-tracking input grow and shrink with its resizable buffer', () => {
    const jit = jitOf('mov %r0, %r2\nexit');
    const reads = jitOf('ldxb %r0, [%r1+3]\nexit');
    // A resizable ArrayBuffer (ES2024; node 20 has it, this project's TypeScript lib does not).
    const Resizable = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ArrayBuffer & { resize(length: number): void };
    const buffer = new Resizable(2, { maxByteLength: 8 });
    const input = new Uint8Array(buffer);
    expect(jit.run32(input)).toBe(2);
    expect(() => reads.run32(input)).toThrow(expect.objectContaining({ reason: 'out_of_bounds', pc: 0 }));
    buffer.resize(6);
    input[3] = 0x5a;
    expect(jit.run32(input)).toBe(6);
    expect(reads.run32(input)).toBe(0x5a);
    buffer.resize(3);
    expect(jit.run32(input)).toBe(3);
    expect(() => reads.run32(input)).toThrow(expect.objectContaining({ reason: 'out_of_bounds', pc: 0 }));
  });

  it('does not keep a run\'s regions for the next run without them', () => {
    const jit = jitOf('lddw %r3, map_value 0, 0\nldxb %r0, [%r3]\nexit');
    const input = new Uint8Array(1);
    expect(jit.run32(input, [Uint8Array.of(9)])).toBe(9);
    expect(() => jit.run32(input)).toThrow(expect.objectContaining({ reason: 'out_of_bounds', pc: 0 }));
    expect(jit.run32(input, [Uint8Array.of(4)])).toBe(4);
  });
});

describe('a program that is not a checked one', () => {
  it('is a typed error at compile(), toModule() and the interpreter, not a TypeError mid-run', async () => {
    const { toModule } = await import('@ea/ebpf-jit');
    for (const program of [undefined, null, {}, new Uint8Array(16), 'mov %r0, 1']) {
      expect(() => compile(program as never)).toThrow(expect.objectContaining({ name: 'EbpfRunError', reason: 'bad_input', pc: -1 }));
      expect(() => interpret(program as never, new Uint8Array(4))).toThrow(expect.objectContaining({ name: 'EbpfRunError', reason: 'bad_input' }));
      expect(() => toModule(program as never)).toThrow(expect.objectContaining({ name: 'ModuleError', pc: -1 }));
    }
  });
});
