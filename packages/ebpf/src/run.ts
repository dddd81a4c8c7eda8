/**
 * The fast interpreter's run loop: one switch over predecode.ts's op numbers, registers as int32
 * pairs in State's two Int32Arrays, 64-bit arithmetic from pair.ts. Case labels are literal
 * numbers (so V8 builds a jump table); each names its op. The semantics are RFC 9669's as
 * reference.ts states them on bigints; this file must agree with it on every program (the
 * differential test), and it follows the kernel's ___bpf_prog_run for calls, atomics and the
 * legacy packet loads.
 */
import { EbpfRunError } from './errors.js';
import type { HelperRegistry, HelperResult } from './helpers.js';
import { legacyLoadAt } from './legacy.js';
import { regionName, REGION_CTX } from './memory.js';
import { MAX_CALL_FRAMES } from './opcodes.js';
import { createPairArithmetic, type High, swap16, swap32 } from './pair.js';
import { frameTop, type State } from './state.js';

const TWO32 = 4294967296;
/** Instructions counted per refill of the int32 budget counter. */
const CHUNK = 0x40000000;
const out: High = { hi: 0 };
const { mulhi, sar64, sdiv64, shl64, shr64, smod64, udiv64, umod64 } = createPairArithmetic(out);
const EMPTY = new Uint8Array(0);
/** The region the last locate() resolved. */
let region: Uint8Array = EMPTY;

/**
 * Resolves the pointer pair (tag `t`, offset `a`) of an access of `size` bytes; `a` is the
 * offset plus the instruction's, in (-2^32, 2^33), and a carry or borrow moves into the
 * neighbouring tag exactly as the 64-bit sum does. Leaves the region in `region`, returns the offset.
 */
function locate(s: State, t: number, a: number, size: number, pc: number): number {
  if (a >= TWO32) {
    t = (t + 1) | 0;
    a -= TWO32;
  } else if (a < 0) {
    t = (t - 1) | 0;
    a += TWO32;
  }
  if (t < 1 || t >= s.count) {
    throw new EbpfRunError('out_of_bounds', pc, `0x${(t >>> 0).toString(16)}${(a >>> 0).toString(16).padStart(8, '0')} is not a pointer into any region`);
  }
  if (a > s.lens[t]! - size) {
    throw new EbpfRunError('out_of_bounds', pc, `${size}-byte access at offset ${a} of a ${s.lens[t]}-byte ${regionName(t)} region`);
  }
  region = s.mems[t]!;
  return a;
}

/** locate() for a store: also lowers the stack's high-water mark. */
function locateStore(s: State, t: number, a: number, size: number, pc: number): number {
  const o = locate(s, t, a, size, pc);
  if (region === s.stack && o < s.stackLow) s.stackLow = o;
  return o;
}

const rd32 = (m: Uint8Array, o: number): number => m[o]! | (m[o + 1]! << 8) | (m[o + 2]! << 16) | (m[o + 3]! << 24);
function wr32(m: Uint8Array, o: number, v: number): void {
  m[o] = v;
  m[o + 1] = v >>> 8;
  m[o + 2] = v >>> 16;
  m[o + 3] = v >>> 24;
}

const big = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/**
 * Calls helper `lo:hi` with r1-r5; returns whether it ended the program. A helper's pair form
 * (`pairs`) is called as the JIT calls it, with no BigInt made; otherwise r1-r5 become BigInts for
 * its reference form. The BigInt reference (reference.ts) always calls the reference form, so
 * comparing this engine with it compares the two forms.
 */
function callHelper(s: State, helpers: HelperRegistry | undefined, lo: number, hi: number, pc: number): boolean {
  const fn = hi === 0 ? helpers?.get(lo >>> 0) : undefined;
  if (fn === undefined) throw new EbpfRunError('unknown_helper', pc, `no helper ${big(lo, hi)}`);
  const { L, H } = s;
  const pairs = fn.pairs;
  if (pairs !== undefined) {
    const a = s.args;
    for (let r = 1; r <= 5; r++) {
      a[r * 2 - 2] = L[r]!;
      a[r * 2 - 1] = H[r]!;
    }
    const out = s.out;
    out.hi = 0;
    out.stop = 0;
    L[0] = pairs(a, s.facade(), pc, out) | 0;
    H[0] = out.hi | 0;
    return out.stop !== 0;
  }
  const arg = (r: number): bigint => big(L[r]!, H[r]!);
  const result: HelperResult = fn([arg(1), arg(2), arg(3), arg(4), arg(5)], s.facade(), pc);
  const v = typeof result === 'bigint' ? result : result.exit;
  L[0] = Number(BigInt.asUintN(32, v));
  H[0] = Number(BigInt.asUintN(32, v >> 32n));
  return typeof result !== 'bigint';
}

/** Applies an atomic (kernel ___bpf_prog_run's ATOMIC cases); `aux` is predecode's ATOMIC_AUX | ATOMIC_FETCH. */
function atomic(s: State, wide: boolean, aux: number, d: number, r: number, off: number, pc: number): void {
  const { L, H } = s;
  const o = locateStore(s, H[d]!, (L[d]! >>> 0) + off, wide ? 8 : 4, pc);
  const m = region;
  const ol = rd32(m, o);
  const oh = wide ? rd32(m, o + 4) : 0;
  let nl = L[r]!;
  let nh = H[r]!;
  switch (aux & 7) {
    case 0: { // add
      const a = (ol >>> 0) + (nl >>> 0);
      nh = (oh + nh + (a > 0xffffffff ? 1 : 0)) | 0;
      nl = a | 0;
      break;
    }
    case 1: nl |= ol; nh |= oh; break; // or
    case 2: nl &= ol; nh &= oh; break; // and
    case 3: nl ^= ol; nh ^= oh; break; // xor
    case 4: break; // xchg
    default: // cmpxchg: store only when the old value equals r0 (its low half for 32 bits)
      if (ol !== L[0] || (wide && oh !== H[0])) {
        nl = ol;
        nh = oh;
      }
      L[0] = ol;
      H[0] = oh;
  }
  wr32(m, o, nl);
  if (wide) wr32(m, o + 4, nh);
  const op = aux & 7;
  if (op === 4 || (op < 4 && (aux & 8) !== 0)) { // xchg, or a fetching add/or/and/xor
    L[r] = ol;
    H[r] = oh;
  }
}

/**
 * Runs pre-decoded `c` on the state `s` (already entered); returns r0's low half (the high half is
 * left in s.H[0]). `budget` is the most instructions the run may execute.
 */
export function execute(c: Int32Array, s: State, helpers: HelperRegistry | undefined, budget: number): number {
  const { L, H } = s;
  let pc = 0;
  let depth = 0;
  let left = 0;
  let rest = budget;
  for (;;) {
    if (--left < 0) {
      if (rest <= 0) throw new EbpfRunError('budget', pc, `more than ${budget} instructions`);
      const take = Math.min(rest, CHUNK);
      rest -= take;
      left = take - 1;
    }
    const i = pc << 2;
    const w = c[i]!;
    const d = (w >>> 8) & 15;
    switch (w & 255) {
      case 0: { const bl = c[i + 2]!; L[d] = (L[d]! + bl) | 0; H[d] = 0; break; } // add32 imm
      case 1: { const bl = L[(w >>> 12) & 15]!; L[d] = (L[d]! + bl) | 0; H[d] = 0; break; } // add32 %src
      case 2: { const bl = c[i + 2]!; const bh = c[i + 3]!; const a = (L[d]! >>> 0) + (bl >>> 0); L[d] = a; H[d] = H[d]! + bh + (a > 0xffffffff ? 1 : 0); break; } // add64 imm
      case 3: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; const a = (L[d]! >>> 0) + (bl >>> 0); L[d] = a; H[d] = H[d]! + bh + (a > 0xffffffff ? 1 : 0); break; } // add64 %src
      case 4: { const bl = c[i + 2]!; L[d] = (L[d]! - bl) | 0; H[d] = 0; break; } // sub32 imm
      case 5: { const bl = L[(w >>> 12) & 15]!; L[d] = (L[d]! - bl) | 0; H[d] = 0; break; } // sub32 %src
      case 6: { const bl = c[i + 2]!; const bh = c[i + 3]!; const a = (L[d]! >>> 0) - (bl >>> 0); L[d] = a; H[d] = H[d]! - bh - (a < 0 ? 1 : 0); break; } // sub64 imm
      case 7: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; const a = (L[d]! >>> 0) - (bl >>> 0); L[d] = a; H[d] = H[d]! - bh - (a < 0 ? 1 : 0); break; } // sub64 %src
      case 8: { const bl = c[i + 2]!; L[d] = Math.imul(L[d]!, bl); H[d] = 0; break; } // mul32 imm
      case 9: { const bl = L[(w >>> 12) & 15]!; L[d] = Math.imul(L[d]!, bl); H[d] = 0; break; } // mul32 %src
      case 10: { const bl = c[i + 2]!; const bh = c[i + 3]!; const al = L[d]!; L[d] = Math.imul(al, bl); H[d] = mulhi(al, bl) + Math.imul(al, bh) + Math.imul(H[d]!, bl); break; } // mul64 imm
      case 11: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; const al = L[d]!; L[d] = Math.imul(al, bl); H[d] = mulhi(al, bl) + Math.imul(al, bh) + Math.imul(H[d]!, bl); break; } // mul64 %src
      case 12: { const bl = c[i + 2]!; L[d] = bl === 0 ? 0 : (L[d]! >>> 0) / (bl >>> 0); H[d] = 0; break; } // div32 imm
      case 13: { const bl = L[(w >>> 12) & 15]!; L[d] = bl === 0 ? 0 : (L[d]! >>> 0) / (bl >>> 0); H[d] = 0; break; } // div32 %src
      case 14: { const bl = c[i + 2]!; const bh = c[i + 3]!; L[d] = udiv64(L[d]!, H[d]!, bl, bh); H[d] = out.hi; break; } // div64 imm
      case 15: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; L[d] = udiv64(L[d]!, H[d]!, bl, bh); H[d] = out.hi; break; } // div64 %src
      case 16: { const bl = c[i + 2]!; L[d] = bl === 0 ? 0 : L[d]! / bl; H[d] = 0; break; } // sdiv32 imm
      case 17: { const bl = L[(w >>> 12) & 15]!; L[d] = bl === 0 ? 0 : L[d]! / bl; H[d] = 0; break; } // sdiv32 %src
      case 18: { const bl = c[i + 2]!; const bh = c[i + 3]!; L[d] = sdiv64(L[d]!, H[d]!, bl, bh); H[d] = out.hi; break; } // sdiv64 imm
      case 19: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; L[d] = sdiv64(L[d]!, H[d]!, bl, bh); H[d] = out.hi; break; } // sdiv64 %src
      case 20: { const bl = c[i + 2]!; L[d] = L[d]! | bl; H[d] = 0; break; } // or32 imm
      case 21: { const bl = L[(w >>> 12) & 15]!; L[d] = L[d]! | bl; H[d] = 0; break; } // or32 %src
      case 22: { const bl = c[i + 2]!; const bh = c[i + 3]!; L[d] = L[d]! | bl; H[d] = H[d]! | bh; break; } // or64 imm
      case 23: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; L[d] = L[d]! | bl; H[d] = H[d]! | bh; break; } // or64 %src
      case 24: { const bl = c[i + 2]!; L[d] = L[d]! & bl; H[d] = 0; break; } // and32 imm
      case 25: { const bl = L[(w >>> 12) & 15]!; L[d] = L[d]! & bl; H[d] = 0; break; } // and32 %src
      case 26: { const bl = c[i + 2]!; const bh = c[i + 3]!; L[d] = L[d]! & bl; H[d] = H[d]! & bh; break; } // and64 imm
      case 27: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; L[d] = L[d]! & bl; H[d] = H[d]! & bh; break; } // and64 %src
      case 28: { const bl = c[i + 2]!; L[d] = L[d]! << bl; H[d] = 0; break; } // lsh32 imm
      case 29: { const bl = L[(w >>> 12) & 15]!; L[d] = L[d]! << bl; H[d] = 0; break; } // lsh32 %src
      case 30: { const bl = c[i + 2]!; L[d] = shl64(L[d]!, H[d]!, bl); H[d] = out.hi; break; } // lsh64 imm
      case 31: { const bl = L[(w >>> 12) & 15]!; L[d] = shl64(L[d]!, H[d]!, bl); H[d] = out.hi; break; } // lsh64 %src
      case 32: { const bl = c[i + 2]!; L[d] = L[d]! >>> bl; H[d] = 0; break; } // rsh32 imm
      case 33: { const bl = L[(w >>> 12) & 15]!; L[d] = L[d]! >>> bl; H[d] = 0; break; } // rsh32 %src
      case 34: { const bl = c[i + 2]!; L[d] = shr64(L[d]!, H[d]!, bl); H[d] = out.hi; break; } // rsh64 imm
      case 35: { const bl = L[(w >>> 12) & 15]!; L[d] = shr64(L[d]!, H[d]!, bl); H[d] = out.hi; break; } // rsh64 %src
      case 36: { const bl = c[i + 2]!; if (bl !== 0) L[d] = (L[d]! >>> 0) % (bl >>> 0); H[d] = 0; break; } // mod32 imm
      case 37: { const bl = L[(w >>> 12) & 15]!; if (bl !== 0) L[d] = (L[d]! >>> 0) % (bl >>> 0); H[d] = 0; break; } // mod32 %src
      case 38: { const bl = c[i + 2]!; const bh = c[i + 3]!; L[d] = umod64(L[d]!, H[d]!, bl, bh); H[d] = out.hi; break; } // mod64 imm
      case 39: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; L[d] = umod64(L[d]!, H[d]!, bl, bh); H[d] = out.hi; break; } // mod64 %src
      case 40: { const bl = c[i + 2]!; if (bl !== 0) L[d] = L[d]! % bl; H[d] = 0; break; } // smod32 imm
      case 41: { const bl = L[(w >>> 12) & 15]!; if (bl !== 0) L[d] = L[d]! % bl; H[d] = 0; break; } // smod32 %src
      case 42: { const bl = c[i + 2]!; const bh = c[i + 3]!; L[d] = smod64(L[d]!, H[d]!, bl, bh); H[d] = out.hi; break; } // smod64 imm
      case 43: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; L[d] = smod64(L[d]!, H[d]!, bl, bh); H[d] = out.hi; break; } // smod64 %src
      case 44: { const bl = c[i + 2]!; L[d] = L[d]! ^ bl; H[d] = 0; break; } // xor32 imm
      case 45: { const bl = L[(w >>> 12) & 15]!; L[d] = L[d]! ^ bl; H[d] = 0; break; } // xor32 %src
      case 46: { const bl = c[i + 2]!; const bh = c[i + 3]!; L[d] = L[d]! ^ bl; H[d] = H[d]! ^ bh; break; } // xor64 imm
      case 47: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; L[d] = L[d]! ^ bl; H[d] = H[d]! ^ bh; break; } // xor64 %src
      case 48: { const bl = c[i + 2]!; L[d] = bl; H[d] = 0; break; } // mov32 imm
      case 49: { const bl = L[(w >>> 12) & 15]!; L[d] = bl; H[d] = 0; break; } // mov32 %src
      case 50: { const bl = c[i + 2]!; const bh = c[i + 3]!; L[d] = bl; H[d] = bh; break; } // mov64 imm
      case 51: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; L[d] = bl; H[d] = bh; break; } // mov64 %src
      case 52: { const bl = c[i + 2]!; L[d] = L[d]! >> bl; H[d] = 0; break; } // arsh32 imm
      case 53: { const bl = L[(w >>> 12) & 15]!; L[d] = L[d]! >> bl; H[d] = 0; break; } // arsh32 %src
      case 54: { const bl = c[i + 2]!; L[d] = sar64(L[d]!, H[d]!, bl); H[d] = out.hi; break; } // arsh64 imm
      case 55: { const bl = L[(w >>> 12) & 15]!; L[d] = sar64(L[d]!, H[d]!, bl); H[d] = out.hi; break; } // arsh64 %src
      case 56: { const bl = c[i + 2]!; if (L[d] === bl) { pc = c[i + 1]!; continue; } break; } // jeq32 imm
      case 57: { const bl = L[(w >>> 12) & 15]!; if (L[d] === bl) { pc = c[i + 1]!; continue; } break; } // jeq32 %src
      case 58: { const bl = c[i + 2]!; const bh = c[i + 3]!; if (L[d] === bl && H[d] === bh) { pc = c[i + 1]!; continue; } break; } // jeq imm
      case 59: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; if (L[d] === bl && H[d] === bh) { pc = c[i + 1]!; continue; } break; } // jeq %src
      case 60: { const bl = c[i + 2]!; if (L[d] !== bl) { pc = c[i + 1]!; continue; } break; } // jne32 imm
      case 61: { const bl = L[(w >>> 12) & 15]!; if (L[d] !== bl) { pc = c[i + 1]!; continue; } break; } // jne32 %src
      case 62: { const bl = c[i + 2]!; const bh = c[i + 3]!; if (L[d] !== bl || H[d] !== bh) { pc = c[i + 1]!; continue; } break; } // jne imm
      case 63: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; if (L[d] !== bl || H[d] !== bh) { pc = c[i + 1]!; continue; } break; } // jne %src
      case 64: { const bl = c[i + 2]!; if (L[d]! >>> 0 > bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jgt32 imm
      case 65: { const bl = L[(w >>> 12) & 15]!; if (L[d]! >>> 0 > bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jgt32 %src
      case 66: { const bl = c[i + 2]!; const bh = c[i + 3]!; if (H[d] !== bh ? H[d]! >>> 0 > bh >>> 0 : L[d]! >>> 0 > bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jgt imm
      case 67: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; if (H[d] !== bh ? H[d]! >>> 0 > bh >>> 0 : L[d]! >>> 0 > bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jgt %src
      case 68: { const bl = c[i + 2]!; if (L[d]! >>> 0 >= bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jge32 imm
      case 69: { const bl = L[(w >>> 12) & 15]!; if (L[d]! >>> 0 >= bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jge32 %src
      case 70: { const bl = c[i + 2]!; const bh = c[i + 3]!; if (H[d] !== bh ? H[d]! >>> 0 > bh >>> 0 : L[d]! >>> 0 >= bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jge imm
      case 71: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; if (H[d] !== bh ? H[d]! >>> 0 > bh >>> 0 : L[d]! >>> 0 >= bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jge %src
      case 72: { const bl = c[i + 2]!; if (L[d]! >>> 0 < bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jlt32 imm
      case 73: { const bl = L[(w >>> 12) & 15]!; if (L[d]! >>> 0 < bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jlt32 %src
      case 74: { const bl = c[i + 2]!; const bh = c[i + 3]!; if (H[d] !== bh ? H[d]! >>> 0 < bh >>> 0 : L[d]! >>> 0 < bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jlt imm
      case 75: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; if (H[d] !== bh ? H[d]! >>> 0 < bh >>> 0 : L[d]! >>> 0 < bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jlt %src
      case 76: { const bl = c[i + 2]!; if (L[d]! >>> 0 <= bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jle32 imm
      case 77: { const bl = L[(w >>> 12) & 15]!; if (L[d]! >>> 0 <= bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jle32 %src
      case 78: { const bl = c[i + 2]!; const bh = c[i + 3]!; if (H[d] !== bh ? H[d]! >>> 0 < bh >>> 0 : L[d]! >>> 0 <= bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jle imm
      case 79: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; if (H[d] !== bh ? H[d]! >>> 0 < bh >>> 0 : L[d]! >>> 0 <= bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jle %src
      case 80: { const bl = c[i + 2]!; if ((L[d]! & bl) !== 0) { pc = c[i + 1]!; continue; } break; } // jset32 imm
      case 81: { const bl = L[(w >>> 12) & 15]!; if ((L[d]! & bl) !== 0) { pc = c[i + 1]!; continue; } break; } // jset32 %src
      case 82: { const bl = c[i + 2]!; const bh = c[i + 3]!; if (((L[d]! & bl) | (H[d]! & bh)) !== 0) { pc = c[i + 1]!; continue; } break; } // jset imm
      case 83: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; if (((L[d]! & bl) | (H[d]! & bh)) !== 0) { pc = c[i + 1]!; continue; } break; } // jset %src
      case 84: { const bl = c[i + 2]!; if (L[d]! > bl) { pc = c[i + 1]!; continue; } break; } // jsgt32 imm
      case 85: { const bl = L[(w >>> 12) & 15]!; if (L[d]! > bl) { pc = c[i + 1]!; continue; } break; } // jsgt32 %src
      case 86: { const bl = c[i + 2]!; const bh = c[i + 3]!; if (H[d] !== bh ? H[d]! > bh : L[d]! >>> 0 > bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jsgt imm
      case 87: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; if (H[d] !== bh ? H[d]! > bh : L[d]! >>> 0 > bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jsgt %src
      case 88: { const bl = c[i + 2]!; if (L[d]! >= bl) { pc = c[i + 1]!; continue; } break; } // jsge32 imm
      case 89: { const bl = L[(w >>> 12) & 15]!; if (L[d]! >= bl) { pc = c[i + 1]!; continue; } break; } // jsge32 %src
      case 90: { const bl = c[i + 2]!; const bh = c[i + 3]!; if (H[d] !== bh ? H[d]! > bh : L[d]! >>> 0 >= bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jsge imm
      case 91: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; if (H[d] !== bh ? H[d]! > bh : L[d]! >>> 0 >= bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jsge %src
      case 92: { const bl = c[i + 2]!; if (L[d]! < bl) { pc = c[i + 1]!; continue; } break; } // jslt32 imm
      case 93: { const bl = L[(w >>> 12) & 15]!; if (L[d]! < bl) { pc = c[i + 1]!; continue; } break; } // jslt32 %src
      case 94: { const bl = c[i + 2]!; const bh = c[i + 3]!; if (H[d] !== bh ? H[d]! < bh : L[d]! >>> 0 < bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jslt imm
      case 95: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; if (H[d] !== bh ? H[d]! < bh : L[d]! >>> 0 < bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jslt %src
      case 96: { const bl = c[i + 2]!; if (L[d]! <= bl) { pc = c[i + 1]!; continue; } break; } // jsle32 imm
      case 97: { const bl = L[(w >>> 12) & 15]!; if (L[d]! <= bl) { pc = c[i + 1]!; continue; } break; } // jsle32 %src
      case 98: { const bl = c[i + 2]!; const bh = c[i + 3]!; if (H[d] !== bh ? H[d]! < bh : L[d]! >>> 0 <= bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jsle imm
      case 99: { const bl = L[(w >>> 12) & 15]!; const bh = H[(w >>> 12) & 15]!; if (H[d] !== bh ? H[d]! < bh : L[d]! >>> 0 <= bl >>> 0) { pc = c[i + 1]!; continue; } break; } // jsle %src
      case 100: L[d] = -L[d]!; H[d] = 0; break; // neg32
      case 101: { const a = L[d]!; L[d] = -a; H[d] = -H[d]! - (a !== 0 ? 1 : 0); break; } // neg64
      case 102: L[d] = (L[(w >>> 12) & 15]! << 24) >> 24; H[d] = 0; break; // movsx32 8
      case 103: L[d] = (L[(w >>> 12) & 15]! << 16) >> 16; H[d] = 0; break; // movsx32 16
      case 104: L[d] = (L[(w >>> 12) & 15]! << 24) >> 24; H[d] = L[d]! >> 31; break; // movsx64 8
      case 105: L[d] = (L[(w >>> 12) & 15]! << 16) >> 16; H[d] = L[d]! >> 31; break; // movsx64 16
      case 106: L[d] = L[(w >>> 12) & 15]!; H[d] = L[d]! >> 31; break; // movsx64 32
      case 107: L[d] = L[d]! & 0xffff; H[d] = 0; break; // le16
      case 108: H[d] = 0; break; // le32
      case 109: break; // le64
      case 110: L[d] = swap16(L[d]!); H[d] = 0; break; // be16, bswap16
      case 111: L[d] = swap32(L[d]!); H[d] = 0; break; // be32, bswap32
      case 112: { const t = swap32(L[d]!); L[d] = swap32(H[d]!); H[d] = t; break; } // be64, bswap64
      case 113: { const r = (w >>> 12) & 15; const o = locate(s, H[r]!, (L[r]! >>> 0) + c[i + 1]!, 1, pc); L[d] = region[o]!; H[d] = 0; break; } // ldxb
      case 114: { const r = (w >>> 12) & 15; const o = locate(s, H[r]!, (L[r]! >>> 0) + c[i + 1]!, 2, pc); const m = region; L[d] = m[o]! | (m[o + 1]! << 8); H[d] = 0; break; } // ldxh
      case 115: { const r = (w >>> 12) & 15; const o = locate(s, H[r]!, (L[r]! >>> 0) + c[i + 1]!, 4, pc); L[d] = rd32(region, o); H[d] = 0; break; } // ldxw
      case 116: { const r = (w >>> 12) & 15; const o = locate(s, H[r]!, (L[r]! >>> 0) + c[i + 1]!, 8, pc); L[d] = rd32(region, o); H[d] = rd32(region, o + 4); break; } // ldxdw
      case 117: { const r = (w >>> 12) & 15; const o = locate(s, H[r]!, (L[r]! >>> 0) + c[i + 1]!, 1, pc); L[d] = (region[o]! << 24) >> 24; H[d] = L[d]! >> 31; break; } // ldxsb
      case 118: { const r = (w >>> 12) & 15; const o = locate(s, H[r]!, (L[r]! >>> 0) + c[i + 1]!, 2, pc); const m = region; L[d] = ((m[o]! | (m[o + 1]! << 8)) << 16) >> 16; H[d] = L[d]! >> 31; break; } // ldxsh
      case 119: { const r = (w >>> 12) & 15; const o = locate(s, H[r]!, (L[r]! >>> 0) + c[i + 1]!, 4, pc); L[d] = rd32(region, o); H[d] = L[d]! >> 31; break; } // ldxsw
      case 120: { const o = locateStore(s, H[d]!, (L[d]! >>> 0) + c[i + 1]!, 1, pc); region[o] = c[i + 2]!; break; } // stb
      case 121: { const o = locateStore(s, H[d]!, (L[d]! >>> 0) + c[i + 1]!, 2, pc); const v = c[i + 2]!; region[o] = v; region[o + 1] = v >>> 8; break; } // sth
      case 122: { const o = locateStore(s, H[d]!, (L[d]! >>> 0) + c[i + 1]!, 4, pc); wr32(region, o, c[i + 2]!); break; } // stw
      case 123: { const o = locateStore(s, H[d]!, (L[d]! >>> 0) + c[i + 1]!, 8, pc); wr32(region, o, c[i + 2]!); wr32(region, o + 4, c[i + 3]!); break; } // stdw
      case 124: { const o = locateStore(s, H[d]!, (L[d]! >>> 0) + c[i + 1]!, 1, pc); region[o] = L[(w >>> 12) & 15]!; break; } // stxb
      case 125: { const o = locateStore(s, H[d]!, (L[d]! >>> 0) + c[i + 1]!, 2, pc); const v = L[(w >>> 12) & 15]!; region[o] = v; region[o + 1] = v >>> 8; break; } // stxh
      case 126: { const o = locateStore(s, H[d]!, (L[d]! >>> 0) + c[i + 1]!, 4, pc); wr32(region, o, L[(w >>> 12) & 15]!); break; } // stxw
      case 127: { const r = (w >>> 12) & 15; const o = locateStore(s, H[d]!, (L[d]! >>> 0) + c[i + 1]!, 8, pc); wr32(region, o, L[r]!); wr32(region, o + 4, H[r]!); break; } // stxdw
      case 128: atomic(s, false, w >>> 16, d, (w >>> 12) & 15, c[i + 1]!, pc); break; // atomic32
      case 129: atomic(s, true, w >>> 16, d, (w >>> 12) & 15, c[i + 1]!, pc); break; // atomic64
      case 130: L[d] = c[i + 2]!; H[d] = c[i + 3]!; pc += 2; continue; // lddw
      case 131: { // lddw map_value: region index in the low word, offset in the high word
        const index = c[i + 2]! >>> 0;
        if (index >= s.count - 3) throw new EbpfRunError('out_of_bounds', pc, `lddw names region ${index}, the run has ${s.count - 3}`);
        L[d] = c[i + 3]!;
        H[d] = 3 + index;
        pc += 2;
        continue;
      }
      case 132: case 133: case 134: case 135: case 136: case 137: { // ldabs b/h/w, ldind b/h/w
        // Legacy packet loads (legacy.ts): network byte order; a load the kernel's
        // bpf_skb_load_helper_* fails ends the program with r0 = 0.
        const k = (w & 255) - 132;
        const bytes = 1 << (k % 3);
        const m = s.mems[REGION_CTX]!;
        const at = legacyLoadAt(((k >= 3 ? L[(w >>> 12) & 15]! : 0) + c[i + 2]!) | 0, bytes, m.length);
        H[0] = 0;
        if (at < 0) {
          L[0] = 0;
          return 0;
        }
        L[0] = bytes === 1 ? m[at]! : bytes === 2 ? (m[at]! << 8) | m[at + 1]! : (m[at]! << 24) | (m[at + 1]! << 16) | (m[at + 2]! << 8) | m[at + 3]!;
        break;
      }
      case 138: pc = c[i + 1]!; continue; // ja
      case 139: if (callHelper(s, helpers, c[i + 2]!, 0, pc)) return L[0]!; break; // call
      case 140: { // call local: save r1-r10, a new frame of stack
        if (depth + 1 >= MAX_CALL_FRAMES) throw new EbpfRunError('call_depth', pc, `more than ${MAX_CALL_FRAMES} frames`);
        const base = depth * 20;
        for (let r = 1; r <= 10; r++) {
          s.saved[base + r * 2 - 2] = L[r]!;
          s.saved[base + r * 2 - 1] = H[r]!;
        }
        s.returns[depth] = pc + 1;
        depth++;
        L[10] = frameTop(depth);
        pc = c[i + 1]!;
        continue;
      }
      case 141: if (callHelper(s, helpers, L[d]!, H[d]!, pc)) return L[0]!; break; // callx
      case 142: { // exit
        if (depth === 0) return L[0]!;
        depth--;
        const base = depth * 20;
        for (let r = 1; r <= 10; r++) {
          L[r] = s.saved[base + r * 2 - 2]!;
          H[r] = s.saved[base + r * 2 - 1]!;
        }
        pc = s.returns[depth]!;
        continue;
      }
      default:
        throw new Error(`pc ${pc}: no case for op ${w & 255} (a predecode bug)`);
    }
    pc++;
  }
}
