/**
 * The kernel's cBPF -> eBPF conversion (bpf_convert_filter, convert_bpf_ld_abs,
 * convert_bpf_extensions in net/core/filter.c), modelled only as far as its sizes matter:
 * how many eBPF instructions each classic instruction becomes. Two limits depend on that:
 * converted jump distances must fit a signed 16-bit offset (EINVAL), and socket filters are
 * charged bpf_prog_size(len) against net.core.optmem_max (ENOMEM). Seccomp's path limit
 * (MAX_INSNS_PER_PATH) counts the same converted length.
 */
import { assertNever, isNegativeOffset, OPCODES, SKF_AD_OFF, type OpShape, type LoadSize } from '@ea/bpf';
import { SKF_AD_ALU_XOR_X, SKF_AD_CPU, SKF_AD_HATYPE, SKF_AD_IFINDEX, SKF_AD_MARK } from '@ea/bpf';
import { SKF_AD_NLATTR, SKF_AD_NLATTR_NEST, SKF_AD_PAY_OFFSET, SKF_AD_PKTTYPE, SKF_AD_PROTOCOL } from '@ea/bpf';
import { SKF_AD_QUEUE, SKF_AD_RANDOM, SKF_AD_RXHASH, SKF_AD_VLAN_TAG, SKF_AD_VLAN_TAG_PRESENT } from '@ea/bpf';
import { SKF_AD_VLAN_TPID } from '@ea/bpf';
import type { Failure } from './errors.js';
import { type Fields, SCRATCH_U32 } from './fields.js';
import type { Profile } from './program.js';

/** A and X are cleared and the context saved: three eBPF instructions before the first one. */
export const PROLOGUE = 3;
/** Packet programs also cache skb->data and the head length (the `seen_ld_abs` prologue). */
export const LD_ABS_PROLOGUE = 4;
/** eBPF jump offsets are signed 16-bit. */
const S16_MAX = 0x7fff;
/** eBPF immediates are sign-extended from 32 bits: from this one up they read as negative. */
const SIGN_BIT = 0x80000000;

/** eBPF length of each ancillary load (convert_bpf_extensions, x86_64 6.18), by offset from SKF_AD_OFF. */
const ANCILLARY_COST: ReadonlyMap<number, number> = new Map([
  [SKF_AD_PROTOCOL, 2], // load + byte swap
  [SKF_AD_PKTTYPE, 2], // load + mask
  [SKF_AD_IFINDEX, 4], // dev, null test, exit, load
  [SKF_AD_HATYPE, 4],
  [SKF_AD_NLATTR, 4], // three argument moves + call
  [SKF_AD_NLATTR_NEST, 4],
  [SKF_AD_MARK, 1],
  [SKF_AD_QUEUE, 1],
  [SKF_AD_RXHASH, 1],
  [SKF_AD_CPU, 4],
  [SKF_AD_ALU_XOR_X, 1],
  [SKF_AD_VLAN_TAG, 1],
  [SKF_AD_VLAN_TAG_PRESENT, 3], // load vlan_all, test, set 1
  [SKF_AD_PAY_OFFSET, 4],
  [SKF_AD_RANDOM, 4],
  [SKF_AD_VLAN_TPID, 2],
]);

/** Counts the eBPF length of a non-ancillary packet load (convert_bpf_ld_abs): inline fast path + helper call. */
export function ldAbsCost(size: LoadSize, k: number): number {
  const slow = 8; // three argument moves, offset, call, error test, clear A, exit
  if (isNegativeOffset(k)) return slow; // negative offsets only take the helper path
  // mov, [sub k], bounds jump, load (3 insns when k does not fit the 16-bit ldx offset), [bswap], ja
  const fast = 1 + (k === 0 ? 0 : 1) + 1 + (k <= S16_MAX ? 1 : 3) + (size === 'b' ? 0 : 1) + 1;
  return fast + slow;
}

/** Returns the eBPF length one classic instruction converts to, and whether it needs the packet prologue. */
export function convertedCost(shape: OpShape, jt: number, jf: number, k: number, profile: Profile): number {
  switch (shape.kind) {
    case 'ld_imm':
    case 'ld_mem':
    case 'ld_len':
    case 'ldx_imm':
    case 'ldx_mem':
    case 'ldx_len':
    case 'st':
    case 'stx':
    case 'tax':
    case 'txa':
    case 'neg':
    case 'ja':
    case 'ret_a':
    case 'ld_tailzero':
      return 1;
    case 'ret_k':
      return 2; // mov A, k; exit
    case 'alu':
      // Division by X gets a zero test that returns 0 (jne, clear A, exit) before the op.
      return shape.src === 'x' && (shape.op === 'div' || shape.op === 'mod') ? 5 : 1;
    case 'jmp': {
      // jf == 0 maps to one conditional jump; jt == 0 inverts JEQ/JGT/JGE (not JSET); else Jxx + JA.
      const single = jf === 0 || (jt === 0 && shape.op !== 'jset');
      // eBPF immediates are sign-extended: a negative-looking K goes through a temp register.
      return (single ? 1 : 2) + (shape.src === 'k' && k >= SIGN_BIT ? 1 : 0);
    }
    case 'ld_abs':
      if (profile !== 'socket') return 1; // seccomp rewrites it to a direct context load
      if (k >= SKF_AD_OFF) return ANCILLARY_COST.get(k - SKF_AD_OFF) ?? ldAbsCost(shape.size, k);
      return ldAbsCost(shape.size, k);
    case 'ld_ind':
      if (profile !== 'socket') return 1; // ea: our extension, no kernel conversion to follow
      return 8 + (k === 0 ? 0 : 1);
    case 'ldx_msh':
      return 1 + ldAbsCost('b', k) + 5;
    default:
      return assertNever(shape);
  }
}

function needsPacketPrologue(shape: OpShape, k: number, profile: Profile): boolean {
  if (profile !== 'socket') return false;
  if (shape.kind === 'ld_ind' || shape.kind === 'ldx_msh') return true;
  return shape.kind === 'ld_abs' && !(k >= SKF_AD_OFF && ANCILLARY_COST.has(k - SKF_AD_OFF));
}

const PROFILES: readonly Profile[] = ['socket', 'seccomp', 'ea'];
/** Every verified code is below 0x100 (the kernel table stops at 0xb1, the tail-zero load is 0xc0). */
const CODE_LIMIT = 0x100;
const SHAPES: readonly (OpShape | undefined)[] = Array.from({ length: CODE_LIMIT }, (_, c) => OPCODES.get(c)?.shape);
const DYNAMIC = -1;

/** Per profile, the eBPF cost of each code whose cost does not depend on its operands, else DYNAMIC. */
const STATIC_COST: Readonly<Record<Profile, Int8Array>> = Object.fromEntries(
  PROFILES.map((profile) => {
    const table = new Int8Array(CODE_LIMIT).fill(DYNAMIC);
    SHAPES.forEach((shape, c) => {
      if (shape === undefined) return;
      const dynamic = shape.kind === 'jmp' || (profile === 'socket' && (shape.kind === 'ld_abs' || shape.kind === 'ld_ind' || shape.kind === 'ldx_msh'));
      if (!dynamic) table[c] = convertedCost(shape, 0, 0, 0, profile);
    });
    return [profile, table];
  }),
) as Record<Profile, Int8Array>;

/** The converted program's shape: start address of each classic instruction and the total length. */
export interface Conversion {
  /**
   * addrs[pc]: eBPF index where classic instruction pc starts, counted from the end of the
   * prologue (add `prologue` for the absolute index); scratch, valid until the next call.
   */
  readonly addrs: Uint32Array;
  /** Prologue length: 3, plus 4 when the program has packet loads (seen_ld_abs). */
  readonly prologue: number;
  /** prog->len after bpf_convert_filter. */
  readonly length: number;
}

/** Computes the eBPF addresses and length of a program that passed the classic checks (one pass). */
export function convert(f: Fields, profile: Profile): Conversion {
  const { n, code, jt, jf, k } = f;
  const addrs = SCRATCH_U32.subarray(0, n);
  const costs = STATIC_COST[profile];
  let seenLdAbs = false;
  let at = 0;
  for (let pc = 0; pc < n; pc++) {
    addrs[pc] = at;
    const c = code[pc] as number;
    const cost = costs[c] as number;
    if (cost !== DYNAMIC) {
      at += cost;
      continue;
    }
    const shape = SHAPES[c] as OpShape;
    const kk = k[pc] as number;
    if (!seenLdAbs && needsPacketPrologue(shape, kk, profile)) seenLdAbs = true;
    at += convertedCost(shape, jt[pc] as number, jf[pc] as number, kk, profile);
  }
  const prologue = PROLOGUE + (seenLdAbs ? LD_ABS_PROLOGUE : 0);
  return { addrs, prologue, length: prologue + at };
}

/**
 * Finds the first JA whose converted distance does not fit 16 bits (BPF_EMIT_JMP in
 * bpf_convert_filter). Conditional jumps cannot fail: jt/jf skip at most 255 classic
 * instructions, and the costliest converts to 21 eBPF instructions (LDX MSH with k > 32767),
 * so their distance stays below 255 * 21 + 3 = 5358.
 */
export function checkConvertedJumps(f: Fields, conv: Conversion): Failure | null {
  const { n, code, k } = f;
  const { addrs } = conv;
  const end = conv.length - conv.prologue;
  for (let pc = 0; pc < n; pc++) {
    if (JA_CODE[code[pc] as number] !== 1) continue;
    const t = pc + 1 + (k[pc] as number);
    const off = (t < n ? (addrs[t] as number) : end) - (addrs[pc] as number) - 1;
    if (off > S16_MAX) return { reason: 'CONVERTED_JUMP_TOO_FAR', pc, detail: `eBPF offset ${off}` };
  }
  return null;
}

const JA_CODE = new Uint8Array(CODE_LIMIT);
SHAPES.forEach((shape, c) => {
  if (shape?.kind === 'ja') JA_CODE[c] = 1;
});
