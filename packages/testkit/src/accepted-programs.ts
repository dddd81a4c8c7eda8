/**
 * Random programs the kernel accepts, by construction, drawn from the one seeded Rng (fast-check
 * chooses the seed; inputs stay fast-check arbitraries) (for the kernel
 * differential tests of @ea/interpreter, and @ea/explain's checks):
 * forward jumps in range, DIV/MOD by K != 0, constant shifts < 32, scratch loads only from cells a
 * straight-line prologue stored, a RET at the end. Seccomp programs never read the instruction
 * pointer (offsets 8 and 12), which the oracle's probes set. Operands come from small pools that
 * overlap the inputs so that comparisons and loads hit their edges.
 */
import {
  ANCILLARY, BPF_A, BPF_ABS, BPF_ALU, BPF_B, BPF_H, BPF_IMM, BPF_IND, BPF_JMP, BPF_K, BPF_LD, BPF_LDX, BPF_LEN,
  BPF_MEM, BPF_MISC, BPF_MSH, BPF_NEG, BPF_RET, BPF_ST, BPF_STX, BPF_TAX, BPF_TXA, BPF_W, BPF_X, insn,
  ALU_OPS, JMP_OPS, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE, SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF, SKF_AD_CPU, SKF_AD_OFF, SKF_AD_PAY_OFFSET, SKF_AD_RANDOM, SKF_LL_OFF,
  SKF_NET_OFF, type AluOp, type Insn, type JmpOp,
} from '@ea/bpf';
import fc from 'fast-check';
import { Rng, seedArb } from './rng.js';

/** `packet`: socket programs for an AF_PACKET socket on lo, where SKF_AD_PAY_OFFSET needs the flow dissector (left out). */
export type GenProfile = 'seccomp' | 'socket' | 'packet';

/** One abstract instruction: a selector and raw material the builder turns into operands. */
interface Choice {
  readonly sel: number;
  readonly pick: number;
  readonly k: number;
  readonly jt: number;
  readonly jf: number;
}

/** Draws one abstract instruction from the Rng: k is small, any u32 or an edge, a third each. */
function choice(r: Rng): Choice {
  const k = r.pick<() => number>([() => r.int(81), () => r.u32(), () => r.pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff])])();
  return { sel: r.int(100), pick: r.int((1 << 16) + 1), k, jt: r.int(256), jf: r.int(256) };
}

/** Values that seccomp inputs also use, so that JEQ/JGT/JGE/JSET against them take both ways. */
export const SECCOMP_POOL: readonly number[] = [
  0, 1, 2, 38, 1000, 1001, 1002, 1003, 39, 0xffffffff, 0x7fffffff, 0x80000000, 0xc000003e, 0x400003e8, 0x12345678,
];

const ALU_NAMES = Object.keys(ALU_OPS) as AluOp[];
const JMP_NAMES = Object.keys(JMP_OPS) as JmpOp[];
const SIZES = [BPF_W, BPF_H, BPF_B];
/** Deterministic ancillary loads on an AF_UNIX datagram (CPU and RANDOM are left out). */
export const ANC = ANCILLARY.filter((a) => a.offset !== SKF_AD_CPU && a.offset !== SKF_AD_RANDOM).map(
  (a) => (SKF_AD_OFF + a.offset) >>> 0,
);
/** Lists ANC without SKF_AD_PAY_OFFSET, which needs the flow dissector on an AF_PACKET socket. */
export const ANC_PACKET = ANC.filter((k) => k !== ((SKF_AD_OFF + SKF_AD_PAY_OFFSET) >>> 0));
/** Seccomp word offsets other than the instruction pointer's. */
const SECCOMP_WORDS = [0, 4, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60];

/** Return values that show their data through the seccomp oracle, plus every action class. */
const SECCOMP_RETS = [
  SECCOMP_RET_ERRNO, SECCOMP_RET_ERRNO, SECCOMP_RET_ERRNO, SECCOMP_RET_TRAP, SECCOMP_RET_TRAP, SECCOMP_RET_ALLOW,
  SECCOMP_RET_LOG, SECCOMP_RET_TRACE, SECCOMP_RET_USER_NOTIF, SECCOMP_RET_KILL_PROCESS, 0, 0x7ffe0000,
];

function aluCode(op: AluOp, x: boolean): number {
  return BPF_ALU | ALU_OPS[op] | (x ? BPF_X : BPF_K);
}

function packetOffset(c: Choice, anc: readonly number[]): number {
  switch (c.pick % 6) {
    case 0:
      return c.k % 40;
    case 1:
      return (SKF_NET_OFF + (c.k % 72)) >>> 0;
    case 2:
      return (SKF_LL_OFF + (c.k % 16)) >>> 0;
    case 3:
      return anc[c.k % anc.length]!;
    case 4:
      // Any offset, except the unknown ancillary ones bpf_check_classic refuses.
      return c.k >= SKF_AD_OFF ? c.k - 0x1000 : c.k;
    default:
      // On lo the device fields are the interesting ones: ask for them twice as often.
      return anc === ANC_PACKET ? anc[(c.k >> 3) % anc.length]! : c.k % 24;
  }
}

/** Turns abstract choices into a program the kernel accepts for `profile`. */
export function build(profile: GenProfile, memMask: number, choices: readonly Choice[]): Insn[] {
  const socket = profile !== 'seccomp';
  const anc = profile === 'packet' ? ANC_PACKET : ANC;
  const mem = Array.from({ length: 16 }, (_, i) => i).filter((i) => (memMask >> i) & 1);
  const out: Insn[] = [];
  for (const m of mem) out.push(insn(BPF_LD | BPF_IMM, 0, 0, SECCOMP_POOL[m % SECCOMP_POOL.length]!), insn(BPF_ST, 0, 0, m));
  // Epilogue, reachable by jumps: seccomp maps A to an observable ERRNO or TRAP.
  const epilogue: Insn[] = socket
    ? [
        insn(aluCode('and', false), 0, 0, 0x7f), insn(BPF_RET | BPF_A, 0, 0, 0), insn(BPF_RET | BPF_K, 0, 0, 3),
        insn(BPF_RET | BPF_K, 0, 0, 0xffffffff),
      ]
    : [
        insn(aluCode('and', false), 0, 0, 0xffff), insn(aluCode('or', false), 0, 0, SECCOMP_RET_ERRNO), insn(BPF_RET | BPF_A, 0, 0, 0),
        insn(aluCode('and', false), 0, 0, 0xffff), insn(aluCode('or', false), 0, 0, SECCOMP_RET_TRAP), insn(BPF_RET | BPF_A, 0, 0, 0),
        insn(BPF_RET | BPF_A, 0, 0, 0),
      ];
  const total = out.length + choices.length + epilogue.length;
  const offset = (pc: number, raw: number): number => raw % Math.min(256, total - pc - 1);
  const k = (c: Choice): number => (c.pick & 1 ? c.k : SECCOMP_POOL[c.pick % SECCOMP_POOL.length]!) >>> 0;
  for (const c of choices) {
    const pc = out.length;
    const sel = c.sel;
    if (sel < 8) out.push(insn(BPF_LD | BPF_IMM, 0, 0, k(c)));
    else if (sel < 13) out.push(insn(BPF_LDX | BPF_IMM, 0, 0, c.pick & 2 ? c.k % 80 : k(c)));
    else if (sel < 16) {
      const cls = sel === 13 ? BPF_LD : BPF_LDX;
      out.push(mem.length > 0 ? insn(cls | BPF_MEM, 0, 0, mem[c.pick % mem.length]!) : insn(cls | BPF_IMM, 0, 0, c.k));
    } else if (sel < 18) out.push(insn(sel === 16 ? BPF_ST : BPF_STX, 0, 0, c.pick % 16));
    else if (sel < 40) {
      const ops = socket ? ALU_NAMES : ALU_NAMES.filter((o) => o !== 'mod');
      const op = ops[c.pick % ops.length]!;
      const x = (c.pick >> 4) % 2 === 1;
      let kk = k(c);
      if (!x && (op === 'div' || op === 'mod')) kk = kk === 0 ? 3 : kk;
      if (!x && (op === 'lsh' || op === 'rsh')) kk &= 31;
      out.push(insn(aluCode(op, x), 0, 0, x ? 0 : kk));
    } else if (sel < 42) out.push(insn(BPF_ALU | BPF_NEG, 0, 0, 0));
    else if (sel < 46) out.push(insn(BPF_MISC | (sel < 44 ? BPF_TAX : BPF_TXA), 0, 0, 0));
    else if (sel < 48) out.push(insn((sel === 46 ? BPF_LD : BPF_LDX) | BPF_W | BPF_LEN, 0, 0, 0));
    else if (sel < 50) out.push(insn(BPF_JMP, 0, 0, offset(pc, c.jt)));
    else if (sel < 64) {
      const op = JMP_NAMES[c.pick % JMP_NAMES.length]!;
      const x = (c.pick >> 3) % 3 === 0;
      out.push(insn(BPF_JMP | JMP_OPS[op] | (x ? BPF_X : BPF_K), offset(pc, c.jt), offset(pc, c.jf), x ? 0 : k(c)));
    } else if (sel < 67) {
      const ret = socket ? (c.pick & 1 ? c.k % 80 : c.k) : (SECCOMP_RETS[c.pick % SECCOMP_RETS.length]! | (c.k & 0xffff)) >>> 0;
      out.push(c.pick & 2 && socket ? insn(BPF_RET | BPF_A, 0, 0, 0) : insn(BPF_RET | BPF_K, 0, 0, ret));
    } else if (!socket) {
      out.push(insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, SECCOMP_WORDS[c.pick % SECCOMP_WORDS.length]!));
    } else if (sel < 82) {
      out.push(insn(BPF_LD | SIZES[c.pick % 3]! | BPF_ABS, 0, 0, packetOffset(c, anc)));
    } else if (sel < 94) {
      const kk = c.pick & 4 ? c.k % 40 : c.pick & 8 ? (SKF_NET_OFF + (c.k % 40)) >>> 0 : c.k;
      out.push(insn(BPF_LD | SIZES[c.pick % 3]! | BPF_IND, 0, 0, kk));
    } else {
      const kk = c.pick & 4 ? (SKF_NET_OFF + (c.k % 40)) >>> 0 : c.pick & 8 ? c.k : c.k % 40;
      out.push(insn(BPF_LDX | BPF_B | BPF_MSH, 0, 0, kk));
    }
  }
  return [...out, ...epilogue];
}

/**
 * Generates a program for a profile from `r`: a scratch-memory mask and 1..maxLen instructions,
 * mostly at most 10 (the lengths fast-check's arrays favour, which these tests were tuned with).
 */
export function acceptedProgram(r: Rng, profile: GenProfile, maxLen = 40): Insn[] {
  const mask = r.int(0x10000);
  const length = 1 + r.int(r.chance(0.8) ? Math.min(10, maxLen) : maxLen);
  return build(profile, mask, Array.from({ length }, () => choice(r)));
}

/** Generates acceptedProgram from a seed fast-check chooses. */
export function programArb(profile: GenProfile, maxLen = 40): fc.Arbitrary<Insn[]> {
  return seedArb.map((seed) => acceptedProgram(new Rng(seed), profile, maxLen));
}

/** A seccomp call: a harmless syscall number and six 64-bit arguments drawn from the pool. */
export const callArb = fc.record({
  nr: fc.constantFrom(1000, 1001, 1002, 1003, 39, 110, 186, 0xffffffff, 0x400003e8, 0x800003e8),
  args: fc.array(
    fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.constantFrom(...SECCOMP_POOL).map(BigInt),
      fc.tuple(fc.constantFrom(...SECCOMP_POOL), fc.constantFrom(...SECCOMP_POOL)).map(([hi, lo]) => (BigInt(hi) << 32n) | BigInt(lo)),
    ),
    { minLength: 6, maxLength: 6 },
  ),
});

/** A datagram: mostly short, random bytes (the network header is byte 0 on AF_UNIX). */
export const packetArb = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 48 }),
  fc.uint8Array({ minLength: 0, maxLength: 8 }),
  fc.uint8Array({ minLength: 60, maxLength: 200 }),
);

/** EtherTypes for loopback frames; VLAN ones are left out (the stack would untag them first). */
const ETHERTYPES = [0x0800, 0x86dd, 0x0806, 0x0600, 0x05ff, 0x0000, 0x00ff, 0x88cc];

/**
 * An Ethernet frame for the AF_PACKET oracle: destination zero (lo's own address), multicast,
 * broadcast or other; then a source, an EtherType and a payload (sometimes starting 0xffff, the
 * raw 802.3 marker eth_type_trans looks for).
 */
export const frameArb = framesArb(0);

/** Frames whose payload is at least `minPayload` bytes. */
export function framesArb(minPayload: number): fc.Arbitrary<Uint8Array> {
  return fc
  .tuple(
    fc.constantFrom('zero', 'multicast', 'broadcast', 'other'),
    fc.uint8Array({ minLength: 6, maxLength: 6 }),
    fc.oneof(fc.constantFrom(...ETHERTYPES), fc.nat(0xffff).filter((t) => t !== 0x8100 && t !== 0x88a8)),
    fc.uint8Array({ minLength: minPayload, maxLength: minPayload + 60 }),
    fc.boolean(),
  )
  .map(([dest, src, type, payload, raw]) => {
    const frame = new Uint8Array(14 + payload.length);
    if (dest === 'broadcast') frame.fill(0xff, 0, 6);
    if (dest === 'multicast') frame.set([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01], 0);
    if (dest === 'other') frame.set([0x02, 0x11, 0x22, 0x33, 0x44, 0x55], 0);
    frame.set(src, 6);
    frame[12] = type >> 8;
    frame[13] = type & 0xff;
    frame.set(payload, 14);
    if (raw && payload.length >= 2) frame.fill(0xff, 14, 16);
    return frame;
  });
}

/**
 * Returns programs that make the kernel show all 32 bits of the A a `prefix` leaves: each returns one
 * 5-bit slice plus one (1..32), which a datagram or frame of at least 32 bytes delivers exactly.
 */
export function readout(prefix: readonly Insn[]): Insn[][] {
  return [0, 5, 10, 15, 20, 25, 30].map((shift) => [
    ...prefix,
    insn(aluCode('rsh', false), 0, 0, shift),
    insn(aluCode('and', false), 0, 0, 0x1f),
    insn(aluCode('add', false), 0, 0, 1),
    insn(BPF_RET | BPF_A, 0, 0, 0),
  ]);
}

/** Prefixes whose A is a single load: every deterministic ancillary field in all sizes, LEN, and NET/LL offsets. */
export function loadPrefixes(anc: readonly number[]): Insn[][] {
  const out: Insn[][] = [[insn(BPF_LD | BPF_W | BPF_LEN, 0, 0, 0)]];
  for (const k of anc) for (const size of SIZES) out.push([insn(BPF_LD | size | BPF_ABS, 0, 0, k)]);
  for (const k of [SKF_NET_OFF, SKF_LL_OFF]) {
    for (const off of [0, 1, 12, 14, 30]) out.push([insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, (k + off) >>> 0)]);
  }
  return out;
}
