/**
 * What one path knows about one 32-bit word of seccomp_data: an interval set (from `jeq`, `jgt`,
 * `jge` on the raw word) and masked constraints `(w & mask) ==/!= value` (from `jset` and from
 * comparisons after `and`, shifts, `or` and `xor`). Words are independent of each other, so a
 * conjunction over all words is satisfiable exactly when each word's is; `witness` finds a value.
 */
import { contains, FULL, type IntervalSet, intersect, intersectRange, isFull, popcount, singleValue, subtractRange, U32_MAX } from './interval.js';

/** `(w & mask) == value` when `eq`, else `!=`. `value` has no bits outside `mask`. */
export interface MaskAtom {
  readonly mask: number;
  readonly value: number;
  readonly eq: boolean;
}

/** A constraint on one word: intervals and masked (in)equalities, all of which must hold. */
export interface WordConstraint {
  readonly ranges: IntervalSet;
  readonly masks: readonly MaskAtom[];
}

/** A constraint every value satisfies. */
export const ANY: WordConstraint = Object.freeze({ ranges: FULL, masks: Object.freeze([]) as readonly MaskAtom[] });

/** One step of a path condition: a range kept, a range removed, or a masked test. */
export type Atom =
  | { readonly kind: 'in'; readonly lo: number; readonly hi: number }
  | { readonly kind: 'out'; readonly lo: number; readonly hi: number }
  | ({ readonly kind: 'mask' } & MaskAtom);

/** Tells whether a constraint says nothing. */
export function isAny(c: WordConstraint): boolean {
  return c.masks.length === 0 && isFull(c.ranges);
}

/** Returns the only value a constraint allows when it has no masks and one value, else undefined. */
export function pinned(c: WordConstraint): number | undefined {
  return c.masks.length === 0 ? singleValue(c.ranges) : undefined;
}

/** Adds an atom to a constraint (no satisfiability check; an impossible one gets empty ranges). */
export function apply(c: WordConstraint, atom: Atom): WordConstraint {
  switch (atom.kind) {
    case 'in':
      return { ranges: intersectRange(c.ranges, atom.lo, atom.hi), masks: c.masks };
    case 'out':
      return { ranges: subtractRange(c.ranges, atom.lo, atom.hi), masks: c.masks };
    case 'mask': {
      const m = atom.mask >>> 0;
      const v = (atom.value & m) >>> 0;
      if (m === 0) return v === 0 === atom.eq ? c : { ranges: [], masks: c.masks };
      // A full mask is a plain (in)equality: keep it as an interval.
      if (m === U32_MAX) return apply(c, { kind: atom.eq ? 'in' : 'out', lo: v, hi: v });
      const masks = normalize([...c.masks, { mask: m, value: v, eq: atom.eq }]);
      return masks === null ? { ranges: [], masks: c.masks } : { ranges: c.ranges, masks };
    }
  }
}

/**
 * Brings masked constraints to a canonical form: at most one `==` (all fixed bits together) and
 * `!=` constraints only on bits it does not fix. A `!=` on a single bit fixes that bit; a `!=`
 * whose bits the `==` already fixes is either always true (dropped) or never (null). Keeping the
 * form small keeps witness() fast on long chains of bit tests.
 */
function normalize(masks: readonly MaskAtom[]): MaskAtom[] | null {
  let fixMask = 0;
  let fixValue = 0;
  let ne: MaskAtom[] = [];
  for (const m of masks) {
    if (!m.eq) {
      ne.push(m);
      continue;
    }
    if (((fixValue ^ m.value) & fixMask & m.mask) >>> 0 !== 0) return null;
    fixMask = (fixMask | m.mask) >>> 0;
    fixValue = (fixValue | m.value) >>> 0;
  }
  for (let changed = true; changed; ) {
    changed = false;
    const kept: MaskAtom[] = [];
    for (const m of ne) {
      const common = (m.mask & fixMask) >>> 0;
      // Some fixed bit already differs from the forbidden value: always true.
      if (((m.value ^ fixValue) & common) >>> 0 !== 0) continue;
      const rest = (m.mask & ~fixMask) >>> 0;
      if (rest === 0) return null;
      const restValue = (m.value & rest) >>> 0;
      if ((rest & (rest - 1)) === 0) {
        // One free bit that must differ from restValue's: it is fixed.
        fixMask = (fixMask | rest) >>> 0;
        if (restValue === 0) fixValue = (fixValue | rest) >>> 0;
        changed = true;
        continue;
      }
      const reduced = { mask: rest, value: restValue, eq: false };
      if (!kept.some((k) => k.mask === reduced.mask && k.value === reduced.value)) kept.push(reduced);
    }
    ne = kept;
  }
  return fixMask === 0 ? ne : [{ mask: fixMask, value: fixValue, eq: true }, ...ne];
}

/** Conjoins two constraints on the same word. */
export function conjoin(a: WordConstraint, b: WordConstraint): WordConstraint {
  let out: WordConstraint = { ranges: intersect(a.ranges, b.ranges), masks: a.masks };
  for (const m of b.masks) out = apply(out, { kind: 'mask', ...m });
  return out;
}

/** Tells whether a value satisfies a constraint. */
export function satisfies(c: WordConstraint, w: number): boolean {
  if (!contains(c.ranges, w >>> 0)) return false;
  for (const m of c.masks) if (((w & m.mask) >>> 0 === m.value) !== m.eq) return false;
  return true;
}

/** Bounds the bit search of witness() so a hostile constraint cannot make it run long. */
const SEARCH_LIMIT = 20_000;

/**
 * Returns a value satisfying the constraint, null when there is none, or undefined when the
 * bounded search gave up (only possible with many `!=` masks). Tries each interval's ends first.
 */
export function witness(c: WordConstraint): number | null | undefined {
  const r = c.ranges;
  if (r.length === 0) return null;
  if (c.masks.length === 0) return r[0]!;
  let eqMask = 0;
  let eqValue = 0;
  const ne: MaskAtom[] = [];
  for (const m of c.masks) {
    if (!m.eq) {
      ne.push(m);
      continue;
    }
    const common = (eqMask & m.mask) >>> 0;
    if (((eqValue ^ m.value) & common) >>> 0 !== 0) return null;
    eqMask = (eqMask | m.mask) >>> 0;
    eqValue = (eqValue | m.value) >>> 0;
  }
  for (const m of ne) if (((m.mask & ~eqMask) >>> 0) === 0 && ((eqValue & m.mask) >>> 0) === m.value) return null;
  const full = isFull(r);
  if (full && ne.length === 0) return eqValue;
  for (let i = 0; i < r.length; i += 2) {
    for (const x of [r[i]!, r[i + 1]!]) if (satisfies(c, x)) return x;
  }
  // Only the bits some mask looks at matter to the masks: enumerate the ones no `==` mask fixes
  // (when there are few), keep the assignments every `!=` mask accepts, and look for a value in
  // the ranges with exactly those bits.
  let union = eqMask;
  for (const m of ne) union = (union | m.mask) >>> 0;
  const free = (union & ~eqMask) >>> 0;
  if (popcount(free) <= 16) {
    for (let sub = 0; ; ) {
      const a = (eqValue | sub) >>> 0;
      if (ne.every((m) => ((a & m.mask) >>> 0) !== m.value)) {
        if (full) return a;
        const x = search(r, union, a, [], { budget: SEARCH_LIMIT });
        if (typeof x === 'number') return x;
      }
      if (sub === free) break;
      sub = ((sub - free) & free) >>> 0;
    }
    return null;
  }
  const budget = { budget: SEARCH_LIMIT };
  const found = search(r, eqMask, eqValue, ne, budget);
  return found === 'gave-up' ? undefined : found;
}

/**
 * Depth-first over bits from the top, pruning prefixes whose completions miss every interval or
 * fix every bit of a `!=` mask to its forbidden value; bits in `fixMask` take `fixValue`'s. Returns
 * the smallest value found, null when there is none, 'gave-up' when the budget ran out.
 */
function search(r: IntervalSet, fixMask: number, fixValue: number, ne: readonly MaskAtom[], state: { budget: number }): number | null | 'gave-up' {
  const go = (bit: number, prefix: number): number | null | 'gave-up' => {
    if (--state.budget < 0) return 'gave-up';
    const span = 2 ** (bit + 1);
    if (!overlaps(r, prefix, prefix + span - 1)) return null;
    const decided = bit === 31 ? 0 : (~(span - 1) >>> 0);
    for (const m of ne) {
      if (((m.mask & ~decided) >>> 0) === 0 && ((prefix & m.mask) >>> 0) === m.value) return null;
    }
    if (bit < 0) return prefix;
    const b = 2 ** bit;
    const choices = (fixMask & b) !== 0 ? [(fixValue & b) !== 0 ? b : 0] : [0, b];
    for (const choice of choices) {
      const found = go(bit - 1, prefix + choice);
      if (found !== null) return found;
    }
    return null;
  };
  return go(31, 0);
}

function overlaps(r: IntervalSet, lo: number, hi: number): boolean {
  for (let i = 0; i < r.length; i += 2) if (r[i]! <= hi && r[i + 1]! >= lo) return true;
  return false;
}

/** Tells whether some value satisfies the constraint (an undecided search counts as yes). */
export function feasible(c: WordConstraint): boolean {
  return witness(c) !== null;
}

/** Returns a stable text key for a constraint (for grouping equal ones). */
export function constraintKey(c: WordConstraint): string {
  const masks = c.masks.map((m) => `${m.eq ? '=' : '!'}${m.mask}:${m.value}`).sort();
  return `${c.ranges.join(',')}|${masks.join(',')}`;
}
