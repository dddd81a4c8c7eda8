/**
 * fast-check generators of classic programs biased toward the verifier's edges: jump targets at
 * and past the last instruction, offsets 60/61/64 and the ancillary range, scratch reads on one
 * path only, lengths 4096/4097, unknown codes next to known ones, garbage in unused fields.
 */
import {
  ANCILLARY, AUDIT_ARCH_X86_64, BPF_A, BPF_ABS, BPF_ALU, BPF_AND, BPF_B, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ,
  BPF_JGT, BPF_JMP, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_MAXINSNS, BPF_MEM, BPF_MISC, BPF_MSH, BPF_NEG, BPF_RET,
  BPF_ST, BPF_TAILZ, BPF_TXA, BPF_W, BPF_X, BPF_XOR, bpfClass, OPCODES, SECCOMP_RET_ALLOW, SKF_AD_OFF, SKF_LL_OFF,
  SKF_NET_OFF, type SockFilter,
} from '@ea/bpf';
import fc from 'fast-check';

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

const u32 = fc.nat({ max: 0xffffffff });
const K_EDGES = [
  0, 1, 2, 3, 4, 15, 16, 17, 31, 32, 33, 56, 60, 61, 62, 63, 64, 65, 68, 0x7fff, 0x8000, 0x7fffffff, 0x80000000,
  0xffffffff, SKF_NET_OFF, SKF_LL_OFF, (SKF_AD_OFF - 1) >>> 0, (SKF_AD_OFF + 2) >>> 0, (SKF_AD_OFF + 64) >>> 0,
  SECCOMP_RET_ALLOW, ...ANCILLARY.map((a) => (SKF_AD_OFF + a.offset) >>> 0),
];
const kArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...K_EDGES) },
  { weight: 4, arbitrary: fc.nat({ max: 20 }) },
  { weight: 1, arbitrary: u32 },
);
const offArb = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 3 }) },
  { weight: 1, arbitrary: fc.nat({ max: 255 }) },
);
const codeArb = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(...KNOWN) },
  { weight: 12, arbitrary: fc.constantFrom(...SECCOMP) },
  { weight: 2, arbitrary: fc.constantFrom(...NEAR_MISSES) },
  { weight: 1, arbitrary: fc.nat({ max: 0xffff }) },
);
/** Scratch traffic on a few cells, so stores on one path and loads on another meet. */
const memArb = fc.record({
  code: fc.constantFrom(BPF_ST, BPF_ST | BPF_X, BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM),
  jt: offArb,
  jf: offArb,
  k: fc.oneof(fc.nat({ max: 2 }), fc.constantFrom(15, 16)),
});
const insnArb: fc.Arbitrary<SockFilter> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ code: codeArb, jt: offArb, jf: offArb, k: kArb }) },
  { weight: 2, arbitrary: memArb },
);
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

/** Short random programs, mostly ending in RET so the later checks run too. */
export const smallProgram: fc.Arbitrary<SockFilter[]> = fc
  .tuple(
    fc.array(insnArb, { minLength: 0, maxLength: 24 }),
    fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 4 }),
  )
  .map(([body, endsInRet, aims]) => aimJumps(endsInRet ? [...body, RET] : body, aims));

/** Programs of 4095..4097 instructions: a filler with a few random instructions inside. */
export const longProgram: fc.Arbitrary<SockFilter[]> = fc
  .tuple(fc.constantFrom(BPF_MAXINSNS - 1, BPF_MAXINSNS, BPF_MAXINSNS + 1), fc.array(fc.tuple(fc.nat(), insnArb), { maxLength: 4 }))
  .map(([n, inserts]) => {
    const p: SockFilter[] = Array.from({ length: n }, (_, pc) =>
      pc === n - 1 ? RET : { code: BPF_LD | BPF_IMM, jt: 7, jf: 9, k: pc },
    );
    for (const [at, i] of inserts) p[at % (n - 1)] = i;
    return p;
  });

/** One field of a valid program changed to an edge value. */
export const mutatedProgram: fc.Arbitrary<SockFilter[]> = fc
  .tuple(fc.nat(), fc.constantFrom('code', 'jt', 'jf', 'k'), fc.oneof(kArb, codeArb, offArb))
  .map(([at, field, value]) => {
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
    const pc = at % base.length;
    const limit = field === 'code' ? 0xffff : field === 'k' ? 0xffffffff : 0xff;
    base[pc] = { ...(base[pc] as SockFilter), [field]: value > limit ? value & limit : value };
    return base;
  });

/** The mix the differential test draws from. */
export const anyProgram: fc.Arbitrary<SockFilter[]> = fc.oneof(
  { weight: 60, arbitrary: smallProgram },
  { weight: 30, arbitrary: mutatedProgram },
  { weight: 1, arbitrary: longProgram },
);
