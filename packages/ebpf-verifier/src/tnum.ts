/**
 * Tristate numbers (kernel/bpf/tnum.c): a 64-bit value where each bit is known 0, known 1 or
 * unknown. `value` holds the known 1 bits, `mask` the unknown ones (never both). The verifier
 * keeps one per scalar beside its min/max ranges, so `x & 0xff` is known to be at most 255 and
 * `x << 3` to be a multiple of 8. All arithmetic is modulo 2^64 on unsigned bigints.
 */

/** Is a tristate number: bits set in `mask` are unknown, the others are those of `value`. */
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

/** All 64 bits. */
export const U64_MAX = 0xffffffffffffffffn;
/** All 32 bits. */
export const U32_MAX = 0xffffffffn;
/** The sign bit of a 64-bit value. */
export const SIGN64 = 1n << 63n;

const m = (v: bigint): bigint => v & U64_MAX;

/** Returns the tnum of a known value. */
export const tnumConst = (v: bigint): Tnum => ({ value: m(v), mask: 0n });
/** Is the tnum with every bit unknown. */
export const TNUM_UNKNOWN: Tnum = { value: 0n, mask: U64_MAX };

/** Tells whether every bit is known. */
export const tnumIsConst = (t: Tnum): boolean => t.mask === 0n;

/** Returns the smallest tnum holding every value in [min, max] (tnum_range). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = min ^ max;
  const bits = chi === 0n ? 0 : chi.toString(2).length;
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return { value: min & ~delta & U64_MAX, mask: delta };
}

/** Shifts left (tnum_lshift). */
export const tnumLshift = (a: Tnum, s: number): Tnum => ({ value: m(a.value << BigInt(s)), mask: m(a.mask << BigInt(s)) });
/** Shifts right, unsigned (tnum_rshift). */
export const tnumRshift = (a: Tnum, s: number): Tnum => ({ value: a.value >> BigInt(s), mask: a.mask >> BigInt(s) });

/** Shifts right arithmetically on `bits` (32 or 64) bits (tnum_arshift). */
export function tnumArshift(a: Tnum, s: number, bits: 32 | 64): Tnum {
  const sx = (v: bigint): bigint => BigInt.asUintN(bits, BigInt.asIntN(bits, v) >> BigInt(s));
  return { value: sx(a.value), mask: sx(a.mask) };
}

/** Adds (tnum_add). */
export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = m(a.mask + b.mask);
  const sv = m(a.value + b.value);
  const sigma = m(sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return { value: sv & ~mu & U64_MAX, mask: mu };
}

/** Subtracts (tnum_sub). */
export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = m(a.value - b.value);
  const alpha = m(dv + a.mask);
  const beta = m(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return { value: dv & ~mu & U64_MAX, mask: mu };
}

/** Computes a bitwise and (tnum_and). */
export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return { value: v, mask: alpha & beta & ~v & U64_MAX };
}

/** Computes a bitwise or (tnum_or). */
export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  return { value: v, mask: (a.mask | b.mask) & ~v & U64_MAX };
}

/** Computes a bitwise xor (tnum_xor). */
export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return { value: v & ~mu & U64_MAX, mask: mu };
}

/** Multiplies (tnum_mul: long multiplication with the unknown bits as partial products). */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  const accV = m(a.value * b.value);
  let accM: Tnum = { value: 0n, mask: 0n };
  let x = a;
  let y = b;
  while (x.value !== 0n || x.mask !== 0n) {
    if ((x.value & 1n) !== 0n) accM = tnumAdd(accM, { value: 0n, mask: y.mask });
    else if ((x.mask & 1n) !== 0n) accM = tnumAdd(accM, { value: 0n, mask: y.value | y.mask });
    x = tnumRshift(x, 1);
    y = tnumLshift(y, 1);
  }
  return tnumAdd(tnumConst(accV), accM);
}

/** Returns what both tnums say (tnum_intersect). */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return { value: v & ~mu & U64_MAX, mask: mu };
}

/** Keeps the low `bytes` bytes (tnum_cast). */
export function tnumCast(a: Tnum, bytes: number): Tnum {
  const keep = bytes >= 8 ? U64_MAX : (1n << BigInt(bytes * 8)) - 1n;
  return { value: a.value & keep, mask: a.mask & keep };
}

/** Tells whether every value of `b` is a value of `a` (tnum_in). */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if ((b.mask & ~a.mask & U64_MAX) !== 0n) return false;
  return a.value === (b.value & ~a.mask & U64_MAX);
}

/** Formats as the kernel's tnum_strn: (0x<value>; 0x<mask>). */
export const tnumString = (t: Tnum): string => `(0x${t.value.toString(16)}; 0x${t.mask.toString(16)})`;
