/**
 * runBatch: the generated loop over a PacketBatch must give, packet by packet, what the
 * interpreter's `run` gives on one context per packet (an independent oracle: no batch code on
 * that side), including the per-packet wire lengths, network/link offsets and protocols that
 * the rare paths read, and a typed error naming the packet or field for a bad batch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatInsn } from '@ea/bpf';
import { InterpreterError, type PacketBatch, type PacketContext, prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { EDGES, Rng, genPacket, genProgram } from '@ea/testkit';
import { verified } from './support/verified.js';

const SCALE = process.env['EA_FUZZ'] ? 20 : 1;
/** compile()'s ifConvert: the default (by size), always, never. */
const IF_CONVERT = [undefined, true, false] as const;
const PACKETS = 256;

interface Laid {
  readonly batch: PacketBatch;
  /** The same packets as separate contexts, each over its own copy of the bytes. */
  readonly contexts: readonly PacketContext[];
}

/** Lays random packets out in one buffer with random gaps, and builds the per-packet oracle contexts. */
function layOut(r: Rng, pool: readonly number[]): Laid {
  const packets = Array.from({ length: PACKETS }, () => genPacket(r, pool));
  // Fields every packet of a batch shares come from one of them.
  const shared = packets[0] as PacketContext;
  const { data: _d, offset: _o, length: _l, wireLength: _w, networkOffset: _n, linkOffset: _k, protocol: _p, ...common } = shared;
  const bytes: number[] = [];
  const offsets = new Int32Array(PACKETS);
  const lengths = new Uint32Array(PACKETS);
  const wireLengths = new Uint32Array(PACKETS);
  const networkOffsets = new Int32Array(PACKETS);
  const linkOffsets = new Int32Array(PACKETS);
  const protocols = new Uint16Array(PACKETS);
  const contexts: PacketContext[] = [];
  packets.forEach((p, i) => {
    for (let g = r.chance(0.5) ? r.int(8) : 0; g > 0; g--) bytes.push(r.int(256));
    const start = p.offset ?? 0;
    const len = p.length ?? p.data.byteLength - start;
    offsets[i] = bytes.length;
    lengths[i] = len;
    for (let b = 0; b < len; b++) bytes.push(p.data.getUint8(start + b));
    wireLengths[i] = p.wireLength ?? len;
    networkOffsets[i] = p.networkOffset ?? 0;
    linkOffsets[i] = p.linkOffset ?? -1;
    protocols[i] = p.protocol ?? 0;
    const own = new Uint8Array(len);
    for (let b = 0; b < len; b++) own[b] = p.data.getUint8(start + b);
    contexts.push({
      ...common,
      data: new DataView(own.buffer),
      wireLength: wireLengths[i],
      networkOffset: networkOffsets[i],
      linkOffset: p.linkOffset,
      protocol: protocols[i],
    });
  });
  for (let g = r.int(8); g > 0; g--) bytes.push(r.int(256));
  const data = new DataView(new Uint8Array(bytes).buffer);
  const batch: PacketBatch = { data, offsets, lengths, wireLengths, networkOffsets, linkOffsets, protocols, context: common };
  return { batch, contexts };
}

describe('runBatch == interpreter run per packet', () => {
  let cases = 0;
  for (const [programs, maxLen] of [
    [600, 40],
    [100, 200],
  ] as const) {
    it(`${programs * SCALE} random socket programs of up to ${maxLen} instructions x ${PACKETS} packets`, () => {
      let laid = layOut(new Rng(maxLen), EDGES);
      let n = 0;
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
          const r = new Rng(seed);
          if (n++ % 8 === 7) laid = layOut(r, [...EDGES.slice(0, 6), r.u32(), r.int(100)]);
          const insns = genProgram(r, 'socket', maxLen, EDGES);
          const program = verified(insns, 'socket');
          // The seed picks the branch-free form (by default: up to 8 instructions), always or never.
          const compiled = compile(program, { minSwitch: 2 + r.int(3), ifConvert: IF_CONVERT[seed % 3] });
          const interp = prepare(program);
          // Counts that are not a multiple of eight: small programs run eight, four or two packets per
          // loop iteration, then the rest one at a time.
          const count = PACKETS - r.int(8);
          const batch = { ...laid.batch, count };
          const results = new Uint32Array(PACKETS).fill(0xdead);
          const matched = compiled.runBatch(batch, results);
          expect(compiled.batchSource).toContain('function runBatch');
          let want = 0;
          laid.contexts.forEach((ctx, i) => {
            const expected = i < count ? interp.run(ctx) : 0xdead;
            if (i < count && expected !== 0) want++;
            if (results[i] !== expected) {
              const listing = insns.map((x, pc) => `${pc}: ${formatInsn(x, pc)}`).join('\n');
              throw new Error(`seed ${seed} packet ${i} of ${count}: batch ${results[i]} != ${expected}\n${listing}\n${compiled.batchSource}`);
            }
          });
          expect(matched).toBe(want);
          // The interpreter's own batch loop agrees too, and a run without results counts the same.
          const again = new Uint32Array(PACKETS).fill(0xdead);
          expect(interp.runBatch(batch, again)).toBe(want);
          expect(again).toEqual(results);
          expect(compiled.runBatch(batch)).toBe(want);
          cases += PACKETS;
        }),
        { numRuns: programs * SCALE },
      );
    });
  }

  it('covered at least 150,000 packet x program cases', () => {
    expect(cases).toBeGreaterThanOrEqual(150_000 * SCALE);
  });
});

describe('runBatch input checks', () => {
  const program = verified(genProgram(new Rng(7), 'socket', 20, EDGES), 'socket');
  const data = new DataView(new Uint8Array(64).buffer);
  const good: PacketBatch = { data, offsets: new Int32Array([0, 10, 60]), lengths: new Int32Array([10, 50, 4]) };
  const engines = (): [string, (b: PacketBatch, out?: Uint32Array) => number][] => {
    const compiled = compile(program);
    const interp = prepare(program);
    return [
      ['jit', compiled.runBatch],
      ['interpreter', (b, out) => interp.runBatch(b, out)],
    ];
  };

  const bad: [string, PacketBatch, RegExp, Uint32Array?][] = [
    ['a plain array of offsets', { ...good, offsets: [0, 10, 60] as unknown as Int32Array }, /offsets must be/],
    ['float lengths', { ...good, lengths: new Float64Array([1, 2, 3]) as unknown as Int32Array }, /lengths must be/],
    ['short lengths', { ...good, lengths: new Int32Array([1, 2]) }, /lengths has 2 entries, fewer than count 3/],
    ['a count past the offsets', { ...good, count: 4 }, /count 4 is not an integer/],
    ['a fractional count', { ...good, count: 1.5 }, /count 1.5/],
    ['short results', good, /results has 2 entries/, new Uint32Array(2)],
    ['a packet past the view', { ...good, lengths: new Int32Array([10, 50, 5]) }, /packet 2: offset 60 length 5/],
    ['a negative offset', { ...good, offsets: new Int32Array([0, -1, 60]) }, /packet 1: offset -1/],
    ['a negative length', { ...good, lengths: new Int32Array([-3, 1, 1]) }, /packet 0: offset 0 length -3/],
    ['a huge u32 offset', { ...good, offsets: new Uint32Array([0, 0xffffffff, 0]) }, /packet 1: offset 4294967295/],
    ['wire lengths of the wrong type', { ...good, wireLengths: [1, 2, 3] as unknown as Int32Array }, /wireLengths must be/],
    ['not a DataView', { ...good, data: new Uint8Array(64) as unknown as DataView }, /data must be a DataView/],
  ];
  for (const [what, batch, message, results] of bad) {
    it(`rejects ${what} with BAD_INPUT from both engines`, () => {
      for (const [name, run] of engines()) {
        let error: unknown;
        try {
          run(batch, results);
        } catch (e) {
          error = e;
        }
        expect(error, name).toBeInstanceOf(InterpreterError);
        expect((error as InterpreterError).code).toBe('BAD_INPUT');
        expect((error as Error).message).toMatch(message);
      }
    });
  }

  it('runs a good batch, and a count of zero touches nothing', () => {
    for (const [, run] of engines()) {
      expect(() => run(good)).not.toThrow();
      expect(run({ ...good, count: 0 }, new Uint32Array(0))).toBe(0);
    }
  });

  it('seccomp programs have no batch: WRONG_PROFILE', () => {
    const seccomp = verified(genProgram(new Rng(3), 'seccomp', 10, EDGES), 'seccomp');
    expect(() => compile(seccomp).runBatch(good)).toThrow(expect.objectContaining({ code: 'WRONG_PROFILE' }));
  });

  it('falls back to the interpreter loop when code cannot be generated', () => {
    const compiled = compile(program);
    const saved = globalThis.Function;
    try {
      globalThis.Function = (() => {
        throw new EvalError('blocked');
      }) as unknown as FunctionConstructor;
      const out = new Uint32Array(3);
      compiled.runBatch(good, out);
      expect(compiled.batchSource).toBe('');
      const want = new Uint32Array(3);
      prepare(program).runBatch(good, want);
      expect(out).toEqual(want);
    } finally {
      globalThis.Function = saved;
    }
  });
});
