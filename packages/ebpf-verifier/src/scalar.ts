/**
 * What the verifier knows of a number: unsigned and signed 64-bit ranges plus a tnum, kept in
 * step as the kernel's reg_bounds_sync does (__update_reg_bounds, __reg_deduce_bounds,
 * __reg_bound_offset), and the abstract ALU over them (scalar_min_max_add and friends in
 * kernel/bpf/verifier.c). A pointer's variable part is the same structure. 32-bit operations work
 * on zero-extended operands and cast the result back to 32 bits (the kernel tracks separate 32-bit
 * ranges; we keep one set, which is coarser but never unsound).
 */
import { alu, type AluOp, assertNever, byteOrder, signExtend, type Width } from '@ea/ebpf';
import {
  type Tnum, TNUM_UNKNOWN, tnumAdd, tnumAnd, tnumArshift, tnumCast, tnumConst, tnumIntersect, tnumIsConst, tnumLshift, tnumMul, tnumOr,
  tnumRange, tnumRshift, tnumSub, tnumXor, SIGN64, U32_MAX, U64_MAX,
} from './tnum.js';

/** Is the value knowledge of a scalar (or of a pointer's variable offset). */
export interface Bounds {
  readonly umin: bigint;
  readonly umax: bigint;
  /** Signed bounds, as signed bigints. */
  readonly smin: bigint;
  readonly smax: bigint;
  readonly tn: Tnum;
}

/** The smallest signed 64-bit value. */
export const S64_MIN = -(1n << 63n);
/** The largest signed 64-bit value. */
export const S64_MAX = (1n << 63n) - 1n;

const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** Knows nothing. */
export const UNKNOWN: Bounds = { umin: 0n, umax: U64_MAX, smin: S64_MIN, smax: S64_MAX, tn: TNUM_UNKNOWN };

/** Returns the bounds of one known 64-bit value (any bigint, taken modulo 2^64). */
export function known(v: bigint): Bounds {
  const u = u64(v);
  return { umin: u, umax: u, smin: s64(u), smax: s64(u), tn: tnumConst(u) };
}

/** Returns the bounds of a value of `bytes` bytes, zero-extended (a narrow load). */
export function unknownBytes(bytes: number): Bounds {
  return bytes >= 8 ? UNKNOWN : sync({ ...UNKNOWN, tn: tnumCast(TNUM_UNKNOWN, bytes) });
}

/** Tells whether the value is one known number. */
export const isConst = (b: Bounds): boolean => tnumIsConst(b.tn);

/** Tells whether the bounds hold no value (a branch that cannot be taken). */
export const isEmpty = (b: Bounds): boolean => b.umin > b.umax || b.smin > b.smax;

/** Brings ranges and tnum into agreement (reg_bounds_sync). */
export function sync(b: Bounds): Bounds {
  let { umin, umax, smin, smax, tn } = b;
  for (let round = 0; round < 2; round++) {
    // __update_reg_bounds: what the tnum implies.
    smin = max(smin, s64(tn.value | (tn.mask & SIGN64)));
    smax = min(smax, s64(tn.value | (tn.mask & ~SIGN64 & U64_MAX)));
    umin = max(umin, tn.value);
    umax = min(umax, tn.value | tn.mask);
    // __reg_deduce_bounds: a signed range that does not cross the sign boundary is an unsigned one.
    if (smin >= 0n || smax < 0n) {
      umin = max(u64(smin), umin);
      umax = min(u64(smax), umax);
      smin = s64(umin);
      smax = s64(umax);
    } else if (s64(umax) >= 0n) {
      smin = umin;
      smax = min(smax, umax);
      umax = smax;
    } else if (s64(umin) < 0n) {
      smin = max(smin, s64(umin));
      umin = u64(smin);
      smax = min(smax, s64(umax));
      umax = u64(smax);
    }
    // __reg_bound_offset: what the unsigned range implies for the bits.
    if (umin <= umax) tn = tnumIntersect(tn, tnumRange(umin, umax));
  }
  return { umin, umax, smin, smax, tn };
}

/** Returns the bounds of the low 32 bits, zero-extended. */
export function zext32(b: Bounds): Bounds {
  if (b.umax <= U32_MAX) return b;
  return sync({ ...UNKNOWN, umax: U32_MAX, tn: tnumCast(b.tn, 4) });
}

function addOverflows(a: bigint, b: bigint, lo: bigint, hi: bigint): boolean {
  const s = a + b;
  return s < lo || s > hi;
}

function add(a: Bounds, b: Bounds): Bounds {
  const signedOk = !addOverflows(a.smin, b.smin, S64_MIN, S64_MAX) && !addOverflows(a.smax, b.smax, S64_MIN, S64_MAX);
  const unsignedOk = a.umax + b.umax <= U64_MAX;
  return {
    umin: unsignedOk ? a.umin + b.umin : 0n,
    umax: unsignedOk ? a.umax + b.umax : U64_MAX,
    smin: signedOk ? a.smin + b.smin : S64_MIN,
    smax: signedOk ? a.smax + b.smax : S64_MAX,
    tn: tnumAdd(a.tn, b.tn),
  };
}

function sub(a: Bounds, b: Bounds): Bounds {
  const lo = a.smin - b.smax;
  const hi = a.smax - b.smin;
  const signedOk = lo >= S64_MIN && hi <= S64_MAX;
  const unsignedOk = a.umin >= b.umax;
  return {
    umin: unsignedOk ? a.umin - b.umax : 0n,
    umax: unsignedOk ? a.umax - b.umin : U64_MAX,
    smin: signedOk ? lo : S64_MIN,
    smax: signedOk ? hi : S64_MAX,
    tn: tnumSub(a.tn, b.tn),
  };
}

function mul(a: Bounds, b: Bounds): Bounds {
  const tn = tnumMul(a.tn, b.tn);
  if (a.umax <= U32_MAX && b.umax <= U32_MAX) {
    return { umin: a.umin * b.umin, umax: a.umax * b.umax, smin: a.umin * b.umin, smax: a.umax * b.umax, tn };
  }
  return { ...UNKNOWN, tn };
}

function bitwise(op: 'and' | 'or' | 'xor', a: Bounds, b: Bounds): Bounds {
  const tn = op === 'and' ? tnumAnd(a.tn, b.tn) : op === 'or' ? tnumOr(a.tn, b.tn) : tnumXor(a.tn, b.tn);
  const umin = op === 'or' ? max(a.umin, b.umin) : tn.value;
  const umax = op === 'and' ? min(a.umax, b.umax) : tn.value | tn.mask;
  // Both non-negative: the result is too, so the signed range is the unsigned one.
  if (a.smin >= 0n && b.smin >= 0n) return { umin, umax, smin: umin, smax: umax, tn };
  return { umin, umax, smin: S64_MIN, smax: S64_MAX, tn };
}

/** Applies a 64-bit ALU operation with a known shift count or divisor when `b` is constant. */
function alu64(op: AluOp, a: Bounds, b: Bounds): Bounds {
  if (isConst(a) && isConst(b)) return known(alu(op, 64, a.tn.value, b.tn.value));
  switch (op) {
    case 'mov':
      return b;
    case 'add':
      return add(a, b);
    case 'sub':
      return sub(a, b);
    case 'mul':
      return mul(a, b);
    case 'and':
    case 'or':
    case 'xor':
      return bitwise(op, a, b);
    case 'lsh': {
      if (!isConst(b)) return UNKNOWN;
      const s = Number(b.tn.value & 63n);
      const tn = tnumLshift(a.tn, s);
      if (a.umax > U64_MAX >> BigInt(s)) return { ...UNKNOWN, tn };
      return { umin: a.umin << BigInt(s), umax: a.umax << BigInt(s), smin: S64_MIN, smax: S64_MAX, tn };
    }
    case 'rsh': {
      if (!isConst(b)) return UNKNOWN;
      const s = BigInt(b.tn.value & 63n);
      return { umin: a.umin >> s, umax: a.umax >> s, smin: S64_MIN, smax: S64_MAX, tn: tnumRshift(a.tn, Number(s)) };
    }
    case 'arsh': {
      if (!isConst(b)) return UNKNOWN;
      const s = BigInt(b.tn.value & 63n);
      return { umin: 0n, umax: U64_MAX, smin: a.smin >> s, smax: a.smax >> s, tn: tnumArshift(a.tn, Number(s), 64) };
    }
    case 'div':
      // An unsigned division by a known non-zero number keeps a range (scalar_min_max_udiv).
      if (isConst(b) && b.tn.value !== 0n) return { ...UNKNOWN, umin: a.umin / b.tn.value, umax: a.umax / b.tn.value };
      return UNKNOWN;
    case 'mod':
      if (isConst(b) && b.tn.value !== 0n) return a.umax < b.tn.value ? a : { ...UNKNOWN, umin: 0n, umax: b.tn.value - 1n };
      return UNKNOWN;
    case 'sdiv':
    case 'smod':
      return UNKNOWN;
    default:
      return assertNever(op);
  }
}

/** Applies a two-operand ALU operation of `width` bits to scalar bounds. */
export function scalarAlu(op: AluOp, width: Width, a: Bounds, b: Bounds): Bounds {
  if (width === 64) return sync(alu64(op, a, b));
  const x = zext32(a);
  const y = zext32(b);
  if (isConst(x) && isConst(y)) return known(alu(op, 32, x.tn.value, y.tn.value));
  if (op === 'arsh' || op === 'sdiv' || op === 'smod') return zext32(UNKNOWN);
  // On zero-extended operands the 64-bit result's low 32 bits are the 32-bit result; keep the
  // 64-bit range when it stayed below 2^32, else only the cast tnum.
  const r = sync(alu64(op, x, y));
  return r.umax <= U32_MAX ? r : sync({ ...UNKNOWN, umax: U32_MAX, tn: tnumCast(r.tn, 4) });
}

/** Negates. */
export function scalarNeg(width: Width, a: Bounds): Bounds {
  if (isConst(a)) return known(alu('sub', width, 0n, a.tn.value));
  return width === 64 ? UNKNOWN : zext32(UNKNOWN);
}

/** Applies le/be/bswap. */
export function scalarEnd(order: 'le' | 'be' | 'swap', bits: 16 | 32 | 64, a: Bounds): Bounds {
  if (isConst(a)) return known(byteOrder(order, bits, a.tn.value));
  if (order === 'le') return sync({ ...a, tn: tnumCast(a.tn, bits / 8), umin: bits === 64 ? a.umin : 0n, umax: bits === 64 ? a.umax : (1n << BigInt(bits)) - 1n, smin: bits === 64 ? a.smin : 0n, smax: bits === 64 ? a.smax : (1n << BigInt(bits)) - 1n });
  return unknownBytes(bits / 8);
}

/** Sign-extends the low `bits` (movsx). */
export function scalarMovsx(bits: 8 | 16 | 32, width: Width, a: Bounds): Bounds {
  if (isConst(a)) return known(signExtend(a.tn.value, bits, width));
  const half = 1n << BigInt(bits - 1);
  // A value already below 2^(bits-1) is unchanged by the sign extension.
  if (a.umax < half) return a;
  const r: Bounds = sync({ ...UNKNOWN, smin: -half, smax: half - 1n });
  return width === 64 ? r : zext32(r);
}

/** Tells whether every value of `cur` is a value of `old` (range_within and tnum_in). */
export function within(old: Bounds, cur: Bounds): boolean {
  if (cur.umin < old.umin || cur.umax > old.umax || cur.smin < old.smin || cur.smax > old.smax) return false;
  const t = old.tn;
  return (cur.tn.mask & ~t.mask & U64_MAX) === 0n && t.value === (cur.tn.value & ~t.mask & U64_MAX);
}

/** Tells whether two bounds are the same. */
export const sameBounds = (a: Bounds, b: Bounds): boolean =>
  a.umin === b.umin && a.umax === b.umax && a.smin === b.smin && a.smax === b.smax && a.tn.value === b.tn.value && a.tn.mask === b.tn.mask;
