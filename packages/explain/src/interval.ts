/**
 * Sets of unsigned 32-bit values as sorted, disjoint, non-adjacent closed intervals, flattened
 * into one array `[lo0, hi0, lo1, hi1, ...]`. Every comparison a seccomp filter makes on a raw
 * word (`jeq`, `jgt`, `jge` against a constant, and their negations) keeps a set in this form.
 */

/** The largest u32. */
export const U32_MAX = 0xffffffff;

/** A set of u32 values: sorted disjoint closed intervals, flattened. */
export type IntervalSet = readonly number[];

/** Every u32. */
export const FULL: IntervalSet = Object.freeze([0, U32_MAX]);
/** No value. */
export const EMPTY: IntervalSet = Object.freeze([]);

/** Tells whether the set holds every u32. */
export function isFull(set: IntervalSet): boolean {
  return set.length === 2 && set[0] === 0 && set[1] === U32_MAX;
}

/** Returns the value when the set holds exactly one, else undefined. */
export function singleValue(set: IntervalSet): number | undefined {
  return set.length === 2 && set[0] === set[1] ? set[0] : undefined;
}

/** Intersects a set with the interval [lo, hi]. */
export function intersectRange(set: IntervalSet, lo: number, hi: number): IntervalSet {
  const out: number[] = [];
  for (let i = 0; i < set.length; i += 2) {
    const a = Math.max(set[i]!, lo);
    const b = Math.min(set[i + 1]!, hi);
    if (a <= b) out.push(a, b);
  }
  return out;
}

/** Removes the interval [lo, hi] from a set. */
export function subtractRange(set: IntervalSet, lo: number, hi: number): IntervalSet {
  const out: number[] = [];
  for (let i = 0; i < set.length; i += 2) {
    const a = set[i]!;
    const b = set[i + 1]!;
    if (b < lo || a > hi) {
      out.push(a, b);
      continue;
    }
    if (a < lo) out.push(a, lo - 1);
    if (b > hi) out.push(hi + 1, b);
  }
  return out;
}

/** Intersects two sets. */
export function intersect(x: IntervalSet, y: IntervalSet): IntervalSet {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const a = Math.max(x[i]!, y[j]!);
    const b = Math.min(x[i + 1]!, y[j + 1]!);
    if (a <= b) out.push(a, b);
    if (x[i + 1]! < y[j + 1]!) i += 2;
    else j += 2;
  }
  return out;
}

/** Tells whether `value` is in the set (binary search). */
export function contains(set: IntervalSet, value: number): boolean {
  let lo = 0;
  let hi = set.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (value < set[2 * mid]!) hi = mid - 1;
    else if (value > set[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Counts the values in a set. */
export function size(set: IntervalSet): number {
  let n = 0;
  for (let i = 0; i < set.length; i += 2) n += set[i + 1]! - set[i]! + 1;
  return n;
}

/**
 * Returns the set `{w : (w & mask) == value}` (or `!=` when `eq` is false) as intervals, or
 * undefined when it has more than `limit` intervals. The bits below the lowest set bit of the
 * mask are free, so the set is a union of aligned blocks of that size.
 */
export function maskIntervals(mask: number, value: number, eq: boolean, limit: number): IntervalSet | undefined {
  const m = mask >>> 0;
  const v = (value & m) >>> 0;
  if (m === 0) return eq === (v === 0) ? FULL : EMPTY;
  const low = lowestBit(m);
  const block = low; // 2^tz(m)
  // Free bits above the lowest mask bit decide how many blocks there are.
  const freeAbove = 32 - Math.log2(block) - popcount(m);
  if (eq && 2 ** freeAbove > limit) return undefined;
  if (!eq && 2 ** freeAbove + 1 > limit) return undefined;
  const blocks: number[] = [];
  // Enumerate the high free bits as a counter spread over the mask's holes above `low`.
  const freeMask = (~m & ~(block - 1)) >>> 0;
  let sub = 0;
  for (;;) {
    const start = (sub | v) >>> 0;
    blocks.push(start, start + block - 1);
    if (sub === freeMask) break;
    sub = ((sub - freeMask) & freeMask) >>> 0; // next subset of freeMask in increasing order
    if (sub === 0) break;
  }
  blocks.sort((a, b) => a - b);
  const set = coalesce(pairs(blocks));
  if (eq) return set;
  const out = complement(set);
  return out.length / 2 > limit ? undefined : out;
}

function pairs(flat: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

/** Sorts and merges overlapping or adjacent intervals. */
export function coalesce(list: readonly (readonly [number, number])[]): IntervalSet {
  const sorted = [...list].sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [a, b] of sorted) {
    const n = out.length;
    if (n > 0 && a <= out[n - 1]! + 1) out[n - 1] = Math.max(out[n - 1]!, b);
    else out.push(a, b);
  }
  return out;
}

/** Returns every u32 not in the set. */
export function complement(set: IntervalSet): IntervalSet {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < set.length; i += 2) {
    if (set[i]! > next) out.push(next, set[i]! - 1);
    next = set[i + 1]! + 1;
  }
  if (next <= U32_MAX) out.push(next, U32_MAX);
  return out;
}

/** Returns the lowest set bit of a non-zero u32 as a number (1, 2, 4, ... 2^31). */
export function lowestBit(m: number): number {
  const u = m >>> 0;
  return (u & -u) >>> 0;
}

/** Counts the set bits of a u32. */
export function popcount(m: number): number {
  let v = m >>> 0;
  let n = 0;
  while (v !== 0) {
    v = (v & (v - 1)) >>> 0;
    n++;
  }
  return n;
}
