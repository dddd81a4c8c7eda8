/**
 * Generators of classic programs, drawn from the one seeded Rng (fast-check chooses the seed), biased toward the verifier's edges: jump targets at
 * and past the last instruction, offsets 60/61/64 and the ancillary range, scratch reads on one
 * path only, lengths 4096/4097, unknown codes next to known ones, garbage in unused fields.
 */
import {
  ANCILLARY, AUDIT_ARCH_X86_64, BPF_A, BPF_ABS, BPF_ALU, BPF_AND, BPF_B, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ,
  BPF_JGT, BPF_JMP, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_MAXINSNS, BPF_MEM, BPF_MISC, BPF_MSH, BPF_NEG, BPF_RET,
  BPF_ST, BPF_TAILZ, BPF_TXA, BPF_W, BPF_X, BPF_XOR, bpfClass, OPCODES, SECCOMP_RET_ALLOW, SKF_AD_OFF, SKF_LL_OFF,
  SKF_NET_OFF, type SockFilter,
} from '@ea/bpf';
import type fc from 'fast-check';
import { Rng, seedArb } from './rng.js';

const KNOWN = [...OPCODES.values()].filter((i) => i.classic).map((i) => i.code);
const SECCOMP = [...OPCODES.values()].filter((i) => i.seccomp).map((i) => i.code);
/** Codes the kernel refuses that sit next to accepted ones (the 0x08 family, RET X, NEG X, high bits). */
const ABOVE_U8 = 1 << 8; // code is a u16: bits above the low byte must be refused, not masked
const TOP_BIT = 1 << 15;
const NEAR_MISSES = [
  BPF_LD | BPF_H | BPF_IMM, BPF_LD | BPF_B | BPF_MEM, BPF_LD | BPF_H | BPF_LEN, BPF_RET | BPF_X, BPF_ALU | BPF_NEG | BPF_X,
  BPF_LDX | BPF_H | BPF_MEM, BPF_MISC | BPF_X, BPF_JMP | BPF_JA | BPF_X, BPF_ST | BPF_X, ABOVE_U8 | BPF_RET,
  ABOVE_U8 | BPF_JMP | BPF_JA, TOP_BIT | BPF_LD, BPF_JMP | BPF_AND, BPF_JMP | BPF_XOR, BPF_LD | BPF_TAILZ, BPF_LDX | BPF_W | BPF_ABS,
  BPF_LDX | BPF_B | BPF_IND, BPF_LD | BPF_MSH,
];

const K_EDGES = [
  0, 1, 2, 3, 4, 15, 16, 17, 31, 32, 33, 56, 60, 61, 62, 63, 64, 65, 68, 0x7fff, 0x8000, 0x7fffffff, 0x80000000,
  0xffffffff, SKF_NET_OFF, SKF_LL_OFF, (SKF_AD_OFF - 1) >>> 0, (SKF_AD_OFF + 2) >>> 0, (SKF_AD_OFF + 64) >>> 0,
  SECCOMP_RET_ALLOW, ...ANCILLARY.map((a) => (SKF_AD_OFF + a.offset) >>> 0),
];

/** A k: mostly an edge value or a small one, sometimes any u32. */
function edgeK(r: Rng): number {
  return r.weighted<() => number>([[6, () => r.pick(K_EDGES)], [4, () => r.int(21)], [1, () => r.u32()]])();
}

/** A jump offset: mostly 0..3 (targets at and past the end of short programs), sometimes any u8. */
function edgeOff(r: Rng): number {
  return r.chance(0.8) ? r.int(4) : r.int(256);
}

/** A code: a classic or seccomp one, a near miss, or any u16. */
function edgeCode(r: Rng): number {
  return r.weighted<() => number>([
    [20, () => r.pick(KNOWN)], [12, () => r.pick(SECCOMP)], [2, () => r.pick(NEAR_MISSES)], [1, () => r.int(0x10000)],
  ])();
}

/** One instruction; a quarter are scratch traffic on a few cells, so stores on one path and loads on another meet. */
function edgeInsn(r: Rng): SockFilter {
  if (r.int(8) < 6) return { code: edgeCode(r), jt: edgeOff(r), jf: edgeOff(r), k: edgeK(r) };
  const code = r.pick([BPF_ST, BPF_ST | BPF_X, BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM]);
  return { code, jt: edgeOff(r), jf: edgeOff(r), k: r.chance(0.5) ? r.int(3) : r.pick([15, 16]) };
}
const RET = { code: BPF_RET | BPF_K, jt: 0, jf: 0, k: SECCOMP_RET_ALLOW };

/** Moves some jump targets to exactly the last instruction or one past it. */
function aimJumps(p: SockFilter[], aims: readonly number[]): SockFilter[] {
  return p.map((i, pc) => {
    const aim = aims[pc % aims.length] ?? 0;
    if (aim === 0 || bpfClass(i.code) !== BPF_JMP) return i;
    const toLast = Math.max(0, p.length - pc - 2) + (aim === 2 ? 1 : 0);
    return i.code === (BPF_JMP | BPF_JA) ? { ...i, k: toLast } : { ...i, jt: Math.min(255, toLast), jf: aim === 3 ? Math.min(255, toLast) : i.jf };
  });
}

/** Generates a short random program (0..24 instructions, mostly short), mostly ending in RET so the later checks run too. */
export function smallEdgeProgram(r: Rng): SockFilter[] {
  const body = Array.from({ length: r.chance(0.8) ? r.int(11) : r.int(25) }, () => edgeInsn(r));
  const endsInRet = r.int(10) < 9;
  const aims = Array.from({ length: 1 + r.int(4) }, () => r.int(4));
  return aimJumps(endsInRet ? [...body, RET] : body, aims);
}

/** Generates a program of 4095..4097 instructions: a filler with a few random instructions inside. */
export function longEdgeProgram(r: Rng): SockFilter[] {
  const n = r.pick([BPF_MAXINSNS - 1, BPF_MAXINSNS, BPF_MAXINSNS + 1]);
  const p: SockFilter[] = Array.from({ length: n }, (_, pc) => (pc === n - 1 ? RET : { code: BPF_LD | BPF_IMM, jt: 7, jf: 9, k: pc }));
  const inserts = r.int(5);
  for (let i = 0; i < inserts; i++) p[r.int(n - 1)] = edgeInsn(r);
  return p;
}

/** Generates a valid seccomp program with one field changed to an edge value. */
export function mutatedEdgeProgram(r: Rng): SockFilter[] {
  const base: SockFilter[] = [
    { code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k: 4 },
    { code: BPF_JMP | BPF_JEQ | BPF_K, jt: 1, jf: 0, k: AUDIT_ARCH_X86_64 },
    { code: BPF_RET | BPF_K, jt: 0, jf: 0, k: 0 },
    { code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k: 0 },
    { code: BPF_ST, jt: 0, jf: 0, k: 1 },
    { code: BPF_JMP | BPF_JGT | BPF_K, jt: 2, jf: 0, k: 400 },
    { code: BPF_LDX | BPF_MEM, jt: 0, jf: 0, k: 1 },
    { code: BPF_MISC | BPF_TXA, jt: 0, jf: 0, k: 0 },
    { code: BPF_RET | BPF_A, jt: 0, jf: 0, k: 0 },
    RET,
  ];
  const pc = r.int(base.length);
  const field = r.pick(['code', 'jt', 'jf', 'k'] as const);
  const value = r.pick([edgeK, edgeCode, edgeOff])(r);
  const limit = field === 'code' ? 0xffff : field === 'k' ? 0xffffffff : 0xff;
  base[pc] = { ...(base[pc] as SockFilter), [field]: value > limit ? value & limit : value };
  return base;
}

/** Generates the mix the verifier's differential test draws from: small, mutated and (rarely) long programs. */
export function edgeProgram(r: Rng): SockFilter[] {
  return r.weighted<(r: Rng) => SockFilter[]>([[60, smallEdgeProgram], [30, mutatedEdgeProgram], [1, longEdgeProgram]])(r);
}

/** Builds a program from a seed fast-check chooses (and shrinks). */
const fromSeed = (make: (r: Rng) => SockFilter[]): fc.Arbitrary<SockFilter[]> => seedArb.map((seed) => make(new Rng(seed)));
/** Generates smallEdgeProgram from a fast-check seed. */
export const smallProgram: fc.Arbitrary<SockFilter[]> = fromSeed(smallEdgeProgram);
/** Generates longEdgeProgram from a fast-check seed. */
export const longProgram: fc.Arbitrary<SockFilter[]> = fromSeed(longEdgeProgram);
/** Generates mutatedEdgeProgram from a fast-check seed. */
export const mutatedProgram: fc.Arbitrary<SockFilter[]> = fromSeed(mutatedEdgeProgram);
/** Generates edgeProgram from a fast-check seed. */
export const anyProgram: fc.Arbitrary<SockFilter[]> = fromSeed(edgeProgram);
