/**
 * Turns the paths that share one (arch, nr) into an ordered decision list of predicates on named
 * fields. Paths are disjoint, so any order is correct; the most common action becomes the final
 * case (empty `when`) and its paths are dropped. Where a path constrains both halves of an
 * argument in a way that is an interval of the 64-bit value (libseccomp's hi/lo pattern,
 * `_gen_bpf_arg` in src/gen_bpf.c: compare the high word, then the low word), the paths of one
 * comparison are merged back into one 64-bit predicate; otherwise a half is named `.lo`/`.hi`.
 */
import type { Endian } from '@ea/bpf';
import { type IntervalSet, isFull, U32_MAX } from './interval.js';
import type { Leaf } from './explore.js';
import { ANY, constraintKey, isAny, type WordConstraint } from './word.js';

/** Names a comparison of a predicate (all unsigned). */
export type PredicateOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'masked_eq' | 'masked_ne';

/** One condition: `field op value`, or `(field & mask) == value` / `!=` for the masked ops. */
export interface Predicate {
  /** `args[2]`, `args[2].lo`, `args[2].hi`, `instruction_pointer` or its `.lo`/`.hi`. */
  readonly field: string;
  readonly op: PredicateOp;
  readonly value: bigint;
  readonly mask?: bigint;
}

/** One entry of a decision list: when every predicate holds, the filter returns `ret`. */
export interface Case {
  readonly when: readonly Predicate[];
  readonly ret: number;
}

/** The 64-bit fields after nr and arch: instruction_pointer, then args[0..5]. */
const FIELDS = ['instruction_pointer', 'args[0]', 'args[1]', 'args[2]', 'args[3]', 'args[4]', 'args[5]'] as const;

/** Returns the word indexes [lo, hi] of 64-bit field f (0 = instruction_pointer) in this byte order. */
export function fieldWords(f: number, endian: Endian): [number, number] {
  const first = 2 + 2 * f;
  return endian === 'le' ? [first, first + 1] : [first + 1, first];
}

const U64_MAX = (1n << 64n) - 1n;

type Spec =
  | { readonly kind: 'wide'; readonly set: readonly (readonly [bigint, bigint])[] }
  | { readonly kind: 'wideMask'; readonly mask: bigint; readonly value: bigint }
  | { readonly kind: 'halves'; readonly lo: WordConstraint; readonly hi: WordConstraint };

interface RawCase {
  readonly ret: number;
  specs: (Spec | null)[];
}

/** Builds the ordered decision list of the given disjoint paths (at least one). */
export function decisionList(leaves: readonly Leaf[], endian: Endian): Case[] {
  const rets = leaves.map((l) => l.ret);
  const fallback = mostCommon(rets);
  if (rets.every((r) => r === fallback)) return [{ when: [], ret: fallback }];
  let raw: RawCase[] = leaves.filter((l) => l.ret !== fallback).map((l) => ({ ret: l.ret, specs: FIELDS.map((_, f) => specOf(l.words, f, endian)) }));
  for (let round = 0; round < 3; round++) {
    const before = raw.length;
    for (let f = 0; f < FIELDS.length; f++) raw = mergeOn(raw, f);
    if (raw.length === before) break;
  }
  const cases: Case[] = [];
  for (const c of raw) for (const when of expand(c.specs)) cases.push({ when, ret: c.ret });
  cases.push({ when: [], ret: fallback });
  return cases;
}

function mostCommon(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[values.length - 1]!;
  for (const [v, n] of counts) if (n > (counts.get(best) ?? 0)) best = v;
  return best;
}

function specOf(words: readonly WordConstraint[], f: number, endian: Endian): Spec | null {
  const [l, h] = fieldWords(f, endian);
  const lo = words[l] ?? ANY;
  const hi = words[h] ?? ANY;
  if (isAny(lo) && isAny(hi)) return null;
  if (lo.masks.length === 0 && hi.masks.length === 0) {
    if (hi.ranges.length === 2 && hi.ranges[0] === hi.ranges[1]) {
      const base = BigInt(hi.ranges[0]!) << 32n;
      return { kind: 'wide', set: pairs(lo.ranges).map(([a, b]) => [base + BigInt(a), base + BigInt(b)] as const) };
    }
    if (isFull(lo.ranges) && !isFull(hi.ranges)) {
      return { kind: 'wide', set: pairs(hi.ranges).map(([a, b]) => [BigInt(a) << 32n, (BigInt(b) << 32n) | 0xffffffffn] as const) };
    }
  }
  const single = (c: WordConstraint) => c.masks.length === 1 && c.masks[0]!.eq && isFull(c.ranges);
  if (single(lo) && single(hi)) {
    const ml = lo.masks[0]!;
    const mh = hi.masks[0]!;
    return { kind: 'wideMask', mask: (BigInt(mh.mask) << 32n) | BigInt(ml.mask), value: (BigInt(mh.value) << 32n) | BigInt(ml.value) };
  }
  return { kind: 'halves', lo, hi };
}

function pairs(set: IntervalSet): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < set.length; i += 2) out.push([set[i]!, set[i + 1]!]);
  return out;
}

function specKey(s: Spec | null): string {
  if (s === null) return '*';
  switch (s.kind) {
    case 'wide':
      return `w${s.set.map(([a, b]) => `${a}-${b}`).join(',')}`;
    case 'wideMask':
      return `m${s.mask}:${s.value}`;
    case 'halves':
      return `h${constraintKey(s.lo)}/${constraintKey(s.hi)}`;
  }
}

/** Merges cases that differ only in field f, where f is a 64-bit interval set in each. */
function mergeOn(cases: RawCase[], f: number): RawCase[] {
  const groups = new Map<string, RawCase>();
  const out: RawCase[] = [];
  for (const c of cases) {
    const s = c.specs[f] ?? null;
    if (s !== null && s.kind !== 'wide') {
      out.push(c);
      continue;
    }
    const key = `${c.ret}|${c.specs.map((x, i) => (i === f ? '' : specKey(x))).join('|')}`;
    const seen = groups.get(key);
    if (seen === undefined) {
      const copy: RawCase = { ret: c.ret, specs: [...c.specs] };
      groups.set(key, copy);
      out.push(copy);
      continue;
    }
    const a = seen.specs[f] ?? null;
    if (a === null || s === null) {
      seen.specs[f] = null;
      continue;
    }
    if (a.kind !== 'wide') continue;
    const set = union64([...a.set, ...s.set]);
    seen.specs[f] = set.length === 1 && set[0]![0] === 0n && set[0]![1] === U64_MAX ? null : { kind: 'wide', set };
  }
  return out;
}

function union64(list: readonly (readonly [bigint, bigint])[]): (readonly [bigint, bigint])[] {
  const sorted = [...list].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last === undefined || a > last[1] + 1n) out.push([a, b]);
    else if (b > last[1]) last[1] = b;
  }
  return out;
}

/** Expands specs into conjunctions of predicates (a set with non-point gaps becomes several cases). */
function expand(specs: readonly (Spec | null)[]): Predicate[][] {
  let acc: Predicate[][] = [[]];
  specs.forEach((s, f) => {
    if (s === null) return;
    const options = specPredicates(s, FIELDS[f]!);
    const next: Predicate[][] = [];
    for (const prefix of acc) for (const o of options) next.push([...prefix, ...o]);
    acc = next;
  });
  return acc;
}

function specPredicates(s: Spec, field: string): Predicate[][] {
  switch (s.kind) {
    case 'wide':
      return intervalPredicates(s.set, field, U64_MAX);
    case 'wideMask':
      return [[{ field, op: 'masked_eq', value: s.value, mask: s.mask }]];
    case 'halves': {
      let acc: Predicate[][] = [[]];
      for (const [half, c] of [['lo', s.lo], ['hi', s.hi]] as const) {
        if (isAny(c)) continue;
        const name = `${field}.${half}`;
        const masks: Predicate[] = c.masks.map((m) => ({ field: name, op: m.eq ? 'masked_eq' : 'masked_ne', value: BigInt(m.value), mask: BigInt(m.mask) }));
        const ranges = intervalPredicates(pairs(c.ranges).map(([a, b]) => [BigInt(a), BigInt(b)] as const), name, BigInt(U32_MAX));
        const next: Predicate[][] = [];
        for (const prefix of acc) for (const r of ranges) next.push([...prefix, ...r, ...masks]);
        acc = next;
      }
      return acc;
    }
  }
}

/** Predicates for "value in set": one conjunction when the gaps are single points, else one per interval. */
function intervalPredicates(set: readonly (readonly [bigint, bigint])[], field: string, max: bigint): Predicate[][] {
  if (set.length === 0) return [];
  const first = set[0]![0];
  const last = set[set.length - 1]![1];
  const bounds = (a: bigint, b: bigint): Predicate[] => {
    if (a === b) return [{ field, op: 'eq', value: a }];
    const out: Predicate[] = [];
    if (a > 0n) out.push({ field, op: 'ge', value: a });
    if (b < max) out.push({ field, op: 'le', value: b });
    return out;
  };
  if (set.length === 1) return [bounds(first, last)];
  const holes: bigint[] = [];
  for (let i = 1; i < set.length; i++) {
    const gapLo = set[i - 1]![1] + 1n;
    const gapHi = set[i]![0] - 1n;
    if (gapLo !== gapHi || holes.length >= 16) return set.map(([a, b]) => bounds(a, b));
    holes.push(gapLo);
  }
  return [[...bounds(first, last), ...holes.map((h) => ({ field, op: 'ne' as const, value: h }))]];
}

/** Reads a field of seccomp_data as an unsigned value (64-bit, or a 32-bit half). */
export function fieldValue(field: string, ip: bigint, args: readonly bigint[]): bigint {
  const m = /^(instruction_pointer|args\[([0-5])\])(?:\.(lo|hi))?$/.exec(field);
  if (m === null) throw new Error(`unknown field ${field}`);
  const full = m[2] === undefined ? ip : (args[Number(m[2])] ?? 0n);
  if (m[3] === 'lo') return full & 0xffffffffn;
  if (m[3] === 'hi') return full >> 32n;
  return full;
}

/** Tells whether one predicate holds for the given instruction pointer and arguments. */
export function holds(p: Predicate, ip: bigint, args: readonly bigint[]): boolean {
  const v = fieldValue(p.field, ip, args);
  switch (p.op) {
    case 'eq':
      return v === p.value;
    case 'ne':
      return v !== p.value;
    case 'lt':
      return v < p.value;
    case 'le':
      return v <= p.value;
    case 'gt':
      return v > p.value;
    case 'ge':
      return v >= p.value;
    case 'masked_eq':
      return (v & (p.mask ?? 0n)) === p.value;
    case 'masked_ne':
      return (v & (p.mask ?? 0n)) !== p.value;
  }
}

/** Returns the result of the first case whose predicates all hold (the last case always does). */
export function decide(cases: readonly Case[], ip: bigint, args: readonly bigint[]): number {
  for (const c of cases) if (c.when.every((p) => holds(p, ip, args))) return c.ret;
  throw new Error('a decision list without a final case');
}
