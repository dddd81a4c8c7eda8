/**
 * Superinstructions (src/fuse.ts) against the plain run loop: `run` executes the fused operations,
 * `trace` the unfused ones, one instruction at a time. Random programs are built from the pairs
 * that fuse (packet loads and `ld #len` followed by `jeq`/`jgt`/`jge`/`jset #k`, `ldxb 4*([k]&0xf)`
 * followed by an indirect load),
 * mixed with instructions that change A and X, with random forward jumps (some land on the second
 * half of a pair), over random packets short enough that loads fail at their edges. Every RET
 * returns A or 1000 + its own pc, so a one-bit difference in a loaded value or a path shows.
 */
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_B, BPF_H, BPF_IMM, BPF_IND, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD,
  BPF_LDX, BPF_LEN, BPF_MSH, BPF_RET, BPF_W, type Insn, insn, SKF_LL_OFF, SKF_NET_OFF,
} from '@ea/bpf';
import { verify } from '@ea/verifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, OPS } from '../src/decode.js';
import { fuse } from '../src/fuse.js';
import { packetContext, prepare } from '../src/index.js';
import { program } from './support/run.js';

const RUNS = process.env.EA_FUZZ ? 50000 : 4000;
const SIZES = [BPF_W, BPF_H, BPF_B] as const;
/** Offsets around the ends of short packets, plus the SKF_NET_OFF region and wrapping values. */
const offset = fc.oneof(fc.nat(16), fc.nat(64), fc.constantFrom(SKF_NET_OFF, SKF_NET_OFF + 2, 0xfffffffe, 0x7fffffff));
/** Constant offsets stay below SKF_AD_OFF (the verifier takes those as ancillary loads). */
const absOffset = fc.oneof(fc.nat(16), fc.nat(64), fc.constantFrom(SKF_NET_OFF, SKF_NET_OFF + 2, SKF_LL_OFF, 0x7fffffff));
/** Compare values that packets built from {0, 1, 0x4a, 0xff} bytes often equal, and single bits. */
const value = fc.oneof(
  fc.constantFrom(0, 1, 0xff, 0x101, 0x1ff, 0xffff, 0x10001, 0x1010101, 0xffffffff, 0x80, 0x8000, 0x80000000, 0xff000000, 0x4a, 0x14a),
  fc.nat(31).map((bit) => 2 ** bit), // single bits, for `jset`
);
const size = fc.constantFrom(...SIZES);
/** The conditional jumps on k, each of which ends a superinstruction. */
const jumpK = fc.constantFrom(BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET);

/** Makes one instruction, given how many follow it (the final RET included) and its pc. */
type Part = (remaining: number, pc: number) => Insn;
/**
 * A conditional jump whose offsets are settled once the program's length is known: jt anywhere
 * ahead, jf anywhere else ahead (two different targets whenever there are two), so that taking
 * the wrong branch shows.
 */
const cond = (op: number, k: number, jt: number, jf: number): Part => (remaining) => {
  const t = jt % (remaining + 1);
  const f = remaining === 0 ? 0 : (t + 1 + (jf % remaining)) % (remaining + 1);
  return insn(BPF_JMP | op | BPF_K, t, f, k);
};
const one = (i: Insn): Part => () => i;

const part: fc.Arbitrary<Part[]> = fc.oneof(
  fc.tuple(size, absOffset, jumpK, value, fc.nat(), fc.nat()).map(([s, k, op, v, jt, jf]) => [
    one(insn(BPF_LD | s | BPF_ABS, 0, 0, k)), cond(op, v, jt, jf),
  ]),
  fc.tuple(size, offset, jumpK, value, fc.nat(), fc.nat()).map(([s, k, op, v, jt, jf]) => [
    one(insn(BPF_LD | s | BPF_IND, 0, 0, k)), cond(op, v, jt, jf),
  ]),
  fc.tuple(jumpK, fc.oneof(fc.nat(110), value), fc.nat(), fc.nat()).map(([op, v, jt, jf]) => [
    one(insn(BPF_LD | BPF_W | BPF_LEN, 0, 0, 0)), cond(op, v, jt, jf),
  ]),
  fc.tuple(absOffset, size, offset).map(([k, s, k2]) => [one(insn(BPF_LDX | BPF_B | BPF_MSH, 0, 0, k)), one(insn(BPF_LD | s | BPF_IND, 0, 0, k2))]),
  fc.tuple(absOffset, size, offset, jumpK, value, fc.nat(), fc.nat()).map(([k, s, k2, op, v, jt, jf]) => [
    one(insn(BPF_LDX | BPF_B | BPF_MSH, 0, 0, k)), one(insn(BPF_LD | s | BPF_IND, 0, 0, k2)), cond(op, v, jt, jf),
  ]),
  fc.tuple(jumpK, value, fc.nat(), fc.nat()).map(([op, v, jt, jf]) => [cond(op, v, jt, jf)]),
  fc.tuple(size, absOffset).map(([s, k]) => [one(insn(BPF_LD | s | BPF_ABS, 0, 0, k))]),
  fc.constantFrom(0, 1, 4, 0xfffffffc, 0xfff00000).map((k) => [one(insn(BPF_LDX | BPF_W | BPF_IMM, 0, 0, k))]),
  value.map((k) => [one(insn(BPF_ALU | BPF_ADD | BPF_K, 0, 0, k))]),
  fc.constant<Part[]>([(_remaining, pc) => insn(BPF_RET | BPF_K, 0, 0, 1000 + pc)]),
);

/** Lays the parts out, then a final RET A; jumps land anywhere ahead up to it. */
function build(parts: readonly Part[][]): Insn[] {
  const flat = parts.flat();
  const out = flat.map((make, pc) => make(flat.length - pc - 1, pc));
  out.push(insn(BPF_RET | BPF_A, 0, 0, 0));
  return out;
}

/** Packet bytes from a small pool (0x4a: its low nibble has bit 3 set, which matters to `ldxb 4*([k]&0xf)`). */
const BYTES = [0, 1, 0x4a, 0xff];
const packet = fc.noBias(
  fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 24 }), fc.uint8Array({ minLength: 0, maxLength: 100 }))
  .chain((raw) => fc.constantFrom(...BYTES).map((fill) => raw.map((b) => (b % 5 === 4 ? fill : BYTES[b % 4]!)))),
);

describe('superinstructions', () => {
  it('rewrite the first instruction of a pair and keep the second', () => {
    const p = program('socket', 'ldh [12]\njeq #0x800, ok, drop\nok: ret #1\ndrop: ret #0');
    const fused = fuse(decode(p));
    expect([...fused]).toEqual([OPS.PKT_H_ABS_JMP, OPS.JEQ_K, OPS.RET_K, OPS.RET_K]);
    expect([...decode(p).op]).toEqual([OPS.PKT_H_ABS, OPS.JEQ_K, OPS.RET_K, OPS.RET_K]);
  });

  it('decide on every bit of the loaded value (pairs against the value read back)', () => {
    const sizes = { [BPF_W]: 4, [BPF_H]: 2, [BPF_B]: 1 } as const;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 4, maxLength: 40 }),
        size,
        fc.nat(40),
        fc.constantFrom('abs', 'ind', 'msh'),
        jumpK,
        fc.nat(31),
        fc.constantFrom('same', 'flip', 'bit'),
        (bytes, s, at, mode, op, bit, how) => {
          const width = sizes[s];
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          const off = at % (bytes.length - width + 1);
          // X for the indirect forms: a constant, or what `ldxb 4*([0]&0xf)` gives.
          const x = mode === 'msh' ? (bytes[0]! & 0xf) << 2 : 3;
          const k = mode === 'abs' ? off : off - x;
          if (k < 0) return;
          const loaded = width === 4 ? view.getUint32(off) : width === 2 ? view.getUint16(off) : view.getUint8(off);
          const mask = 2 ** (bit % (8 * width));
          const v = how === 'same' ? loaded : how === 'flip' ? (loaded ^ mask) >>> 0 : mask;
          const load =
            mode === 'abs'
              ? [insn(BPF_LD | s | BPF_ABS, 0, 0, k)]
              : mode === 'ind'
                ? [insn(BPF_LDX | BPF_W | BPF_IMM, 0, 0, x), insn(BPF_LD | s | BPF_IND, 0, 0, k)]
                : [insn(BPF_LDX | BPF_B | BPF_MSH, 0, 0, 0), insn(BPF_LD | s | BPF_IND, 0, 0, k)];
          const insns = [...load, insn(BPF_JMP | op | BPF_K, 0, 1, v), insn(BPF_RET | BPF_K, 0, 0, 1), insn(BPF_RET | BPF_A, 0, 0, 0)];
          const it = prepare(verify(insns, { profile: 'socket' }));
          const taken = op === BPF_JEQ ? loaded === v : op === BPF_JGT ? loaded > v : op === BPF_JGE ? loaded >= v : (loaded & v) !== 0;
          const ctx = packetContext(bytes);
          expect(it.runPacket(ctx)).toBe(taken ? 1 : loaded);
          expect(it.trace(ctx, () => {})).toBe(taken ? 1 : loaded);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('agree with unfused execution on random programs and packets', () => {
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(packet, fc.nat(8)), { minLength: 1, maxLength: 6 }),
        (parts, inputs) => {
          const insns = build(parts);
          const it = prepare(verify(insns, { profile: 'socket' }));
          for (const [bytes, net] of inputs) {
            const ctx = packetContext(bytes, { networkOffset: net });
            expect(it.runPacket(ctx)).toBe(it.trace(ctx, () => {}));
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
