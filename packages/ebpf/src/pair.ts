/**
 * 64-bit arithmetic on int32 pairs (low half, high half), shared by the fast interpreter and the
 * JIT's runtime: the product's high half from 16-bit limbs, shifts split at 32 with the count
 * masked to 6 bits (RFC 9669), division and modulo with the RFC's rules for zero and INT_MIN / -1.
 * A function returns the low half and leaves the high half in `out.hi`, so nothing allocates.
 * 64-bit division falls back to BigInt when an operand does not fit in 32 bits: exact, and off the
 * common path (the reference interpreter in reference.ts is the independent check of all of these).
 *
 * `createPairArithmetic` refers to nothing outside itself but its parameter and JavaScript's
 * globals, and uses no syntax a transform rewrites (no bigint literals): @ea/ebpf-jit's standalone
 * modules print its text (`createPairArithmetic.toString()`), so a module runs the very code the
 * interpreter and the JIT run, and there is one copy of it to fix.
 */

/** Receives the high half of a pair result. */
export interface High {
  hi: number;
}

/** Builds the pair operations that leave their high half in `out.hi`. */
export function createPairArithmetic(out: High) {
  /** Returns the high 32 bits (as int32) of the unsigned product of two 32-bit values. */
  const mulhi = (a: number, b: number): number => {
    const a0 = a & 0xffff;
    const a1 = a >>> 16;
    const b0 = b & 0xffff;
    const b1 = b >>> 16;
    const lo = a0 * b0;
    const mid1 = a1 * b0 + (lo >>> 16);
    const mid2 = a0 * b1 + (mid1 % 65536);
    return (a1 * b1 + Math.floor(mid1 / 65536) + Math.floor(mid2 / 65536)) | 0;
  };

  /** Shifts a pair left by `n & 63`. */
  const shl64 = (lo: number, hi: number, n: number): number => {
    const k = n & 63;
    if (k === 0) {
      out.hi = hi;
      return lo;
    }
    if (k < 32) {
      out.hi = (hi << k) | (lo >>> (32 - k));
      return lo << k;
    }
    out.hi = lo << (k - 32);
    return 0;
  };

  /** Shifts a pair right (logical) by `n & 63`. */
  const shr64 = (lo: number, hi: number, n: number): number => {
    const k = n & 63;
    if (k === 0) {
      out.hi = hi;
      return lo;
    }
    if (k < 32) {
      out.hi = (hi >>> k) | 0;
      return (lo >>> k) | (hi << (32 - k));
    }
    out.hi = 0;
    return (hi >>> (k - 32)) | 0;
  };

  /** Shifts a pair right (arithmetic) by `n & 63`. */
  const sar64 = (lo: number, hi: number, n: number): number => {
    const k = n & 63;
    if (k === 0) {
      out.hi = hi;
      return lo;
    }
    if (k < 32) {
      out.hi = hi >> k;
      return (lo >>> k) | (hi << (32 - k));
    }
    out.hi = hi >> 31;
    return hi >> (k - 32);
  };

  const big = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << BigInt(32)) | BigInt(lo >>> 0);
  const signed = (lo: number, hi: number): bigint => BigInt.asIntN(64, big(lo, hi));
  const split = (v: bigint): number => {
    const u = BigInt.asUintN(64, v);
    out.hi = Number(u >> BigInt(32)) | 0;
    return Number(BigInt.asUintN(32, u)) | 0;
  };

  /** Divides unsigned pairs; by zero gives 0. Both operands below 2^32 divide as doubles. */
  const udiv64 = (al: number, ah: number, bl: number, bh: number): number => {
    if (ah === 0 && bh === 0) {
      out.hi = 0;
      return bl === 0 ? 0 : ((al >>> 0) / (bl >>> 0)) | 0;
    }
    return split(bh === 0 && bl === 0 ? BigInt(0) : big(al, ah) / big(bl, bh));
  };

  /** Takes the unsigned remainder of pairs; by zero leaves the dividend. */
  const umod64 = (al: number, ah: number, bl: number, bh: number): number => {
    if (ah === 0 && bh === 0) {
      out.hi = 0;
      return bl === 0 ? al : ((al >>> 0) % (bl >>> 0)) | 0;
    }
    return split(bh === 0 && bl === 0 ? big(al, ah) : big(al, ah) % big(bl, bh));
  };

  /** Divides signed pairs, truncating toward zero; by zero gives 0, INT64_MIN / -1 gives INT64_MIN. */
  const sdiv64 = (al: number, ah: number, bl: number, bh: number): number =>
    // Both in [0, 2^32): the unsigned quotient.
    ah === 0 && bh === 0 ? udiv64(al, ah, bl, bh) : split(bh === 0 && bl === 0 ? BigInt(0) : signed(al, ah) / signed(bl, bh));

  /** Takes the signed remainder of pairs (the dividend's sign); by zero leaves the dividend. */
  const smod64 = (al: number, ah: number, bl: number, bh: number): number =>
    ah === 0 && bh === 0 ? umod64(al, ah, bl, bh) : split(bh === 0 && bl === 0 ? big(al, ah) : signed(al, ah) % signed(bl, bh));

  return { mulhi, shl64, shr64, sar64, udiv64, umod64, sdiv64, smod64 };
}

/** The pair operations bound to one `out` (createPairArithmetic). */
export type PairArithmetic = ReturnType<typeof createPairArithmetic>;

/** Returns the high 32 bits (as int32) of the unsigned product of two 32-bit values. */
export const mulhi: (a: number, b: number) => number = createPairArithmetic({ hi: 0 }).mulhi;

/** Reverses the bytes of a 32-bit value (be32/bswap32; the halves of be64). */
export const swap32 = (x: number): number => ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);

/** Reverses the two low bytes of a value (be16/bswap16); the result has only those bits. */
export const swap16 = (x: number): number => ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
