/**
 * Dispatch lowering: a dispatch on A (regions.ts) becomes a byte table for its low keys,
 * `switch (tN[A])` with one case per target, and a binary search over key ranges above it.
 * Syscall numbers are as good as random to a branch predictor, so each level of a search costs
 * a misprediction where the table costs one load and one indirect jump.
 */
import type * as ES from 'estree';
import { ifElse, switchOn } from '@ea/codegen';
import type { KeyRange as Range } from './regions.js';
import { fallsThrough } from './tidy.js';

/** The tests a dispatch is made of (emit.ts makes them). */
export interface KeyTests {
  /** Returns `A === lo` or `A >= lo && A <= hi` where A >= `known` already holds. */
  keyIn(lo: number, hi: number, known: number): ES.Expression;
  /** Returns `A < key`. */
  keyBelow(key: number): ES.Expression;
  /** Returns `tN[A]` for a dispatch table (entry k: which case key k goes to, 0 the fallback). */
  tableLookup(slots: Slots): ES.Expression;
}

/**
 * A dispatch table's slots, one per key: a byte each, or two when the dispatch has more than 255
 * targets (a long allow-list whose every test returns its own value).
 */
export type Slots = Uint8Array | Uint16Array;

/** Keys below this may always be dispatched through a table of one byte per key. */
const TABLE_KEYS = 4096;
/** Keys from TABLE_KEYS up join the table while it holds a range per this many keys... */
const KEYS_PER_RANGE = 32;
/** ...up to this many keys (a 64 KiB table at most). */
const MAX_TABLE_KEYS = 65536;
/** Fewest ranges in a table that make it worth it. */
const TABLE_MIN_RANGES = 4;

/** How one dispatch is emitted: a table for its low keys (or none), ranges for the rest. */
export interface DispatchPlan {
  readonly table: { readonly size: number; readonly slots: Slots; readonly targets: readonly number[] } | null;
  /** Ranges above the table (all of them when there is no table), in order. */
  readonly rest: readonly Range[];
}

/**
 * How many keys a table covers: every key below TABLE_KEYS, and beyond it as far as the ranges
 * stay dense (one per KEYS_PER_RANGE keys counted from 0), so a long allow-list of syscall
 * numbers past 4095 (a 4,096-instruction filter) is one table instead of a search over
 * thousands of ranges: a search costs code to generate, parse and compile for every range.
 */
function tableSize(ranges: readonly Range[]): number {
  let size = 0;
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i] as Range;
    const cap = Math.min(MAX_TABLE_KEYS, Math.max(TABLE_KEYS, KEYS_PER_RANGE * (i + 1)));
    if (r.lo >= cap) continue;
    size = Math.max(size, Math.min(r.hi + 1, cap));
  }
  return size;
}

/**
 * Plans a dispatch: the ranges that start below tableSize() go to a byte table indexed by A
 * (slot 0: the fallback, slot i: the i-th target), which costs one load and one indirect jump
 * where a search costs a mispredicted branch per level (syscall numbers are as good as random);
 * keys from the table's end upwards keep the range search.
 */
export function planDispatch(ranges: readonly Range[]): DispatchPlan {
  const size = tableSize(ranges);
  const low = ranges.filter((r) => r.lo < size);
  if (low.length < TABLE_MIN_RANGES) return { table: null, rest: ranges };
  const slotOf = new Map<number, number>();
  const targets: number[] = [];
  for (const r of low) {
    if (!slotOf.has(r.target)) slotOf.set(r.target, targets.push(r.target));
  }
  const slots = targets.length <= 0xff ? new Uint8Array(size) : new Uint16Array(size);
  for (const r of low) slots.fill(slotOf.get(r.target) as number, r.lo, Math.min(r.hi, size - 1) + 1);
  const rest = ranges.filter((r) => r.hi >= size).map((r) => (r.lo < size ? { ...r, lo: size } : r));
  return { table: { size, slots, targets }, rest };
}

/**
 * Lowers a planned dispatch: `if (A < size) { switch (tN[A]) { case i: <target i> } <fallback> }`,
 * then the range search for keys from `size` up. Case bodies end in a return or a break (the
 * structurer never lets a branch fall off its end), so no case runs into the next.
 */
export function lowerDispatch(
  plan: DispatchPlan,
  fallback: () => ES.Statement[],
  branch: (t: number) => ES.Statement[],
  emit: KeyTests,
  fallbackValue: number | undefined,
): ES.Statement[] {
  const table = plan.table;
  if (table === null) return decisionTree(plan.rest, fallback, branch, emit);
  // Targets that only return the same constant share a slot (slot 0 when the fallback returns
  // it): libseccomp repeats `ret ALLOW` at several pcs, and fewer distinct slots mean an
  // indirect jump the predictor gets right more often.
  const slotOf = new Uint16Array(table.targets.length + 1);
  const byValue = new Map<number, number>();
  if (fallbackValue !== undefined) byValue.set(fallbackValue, 0);
  const cases: [number, ES.Statement[]][] = [];
  table.targets.forEach((t, i) => {
    const body = branch(t);
    const value = constantReturn(body);
    const shared = value === undefined ? undefined : byValue.get(value);
    if (shared !== undefined) {
      slotOf[i + 1] = shared;
      return;
    }
    cases.push([cases.length + 1, body]);
    slotOf[i + 1] = cases.length;
    if (value !== undefined) byValue.set(value, cases.length);
  });
  if (cases.some(([, body]) => fallsThrough(body))) throw new Error('a dispatch case falls through');
  const slots = table.slots.map((s) => slotOf[s] as number);
  return [
    ifElse(emit.keyBelow(table.size), [switchOn(emit.tableLookup(slots), cases), ...fallback()]),
    ...decisionTree(plan.rest, fallback, branch, emit, table.size),
  ];
}

/**
 * The constant a branch ends the program with when it is nothing but that exit: `return
 * <number>`, or in a chain or runBatch `R = <number>; break <label>` (emit.ts exit()); else
 * undefined. runBatch's counting loop ends a packet with `break packet` alone (value 0) or
 * `matched = matched + 1 | 0; break packet` (any other value, given as 1): the same code
 * wherever it appears, so sharing a slot by these values is exact; its loop storing results
 * with `R = <number>; matched = matched + 1 | 0; break packet` for a number other than 0.
 */
function constantReturn(body: readonly ES.Statement[]): number | undefined {
  const literal = (e: ES.Expression | null | undefined): number | undefined =>
    e?.type === 'Literal' && typeof e.value === 'number' ? e.value : undefined;
  const [first, second] = body;
  if (body.length === 1 && first?.type === 'ReturnStatement') return literal(first.argument);
  if (body.length === 1 && first?.type === 'BreakStatement' && first.label?.name === 'packet') return 0;
  if (body.length === 2 && second?.type === 'BreakStatement' && second.label?.name === 'packet' && countsMatch(first)) return 1;
  // runBatch's loop storing results: `R = <number>; matched = matched + 1 | 0; break packet`.
  if (body.length === 3 && body[2]?.type === 'BreakStatement' && countsMatch(second)) return constantReturn([first as ES.Statement, body[2]]);
  if (body.length !== 2 || first?.type !== 'ExpressionStatement' || second?.type !== 'BreakStatement') return undefined;
  const e = first.expression;
  if (e.type !== 'AssignmentExpression' || e.operator !== '=' || e.left.type !== 'Identifier' || e.left.name !== 'R') return undefined;
  return literal(e.right);
}

/** Whether `s` is the counting loop's `matched = matched + 1 | 0`. */
function countsMatch(s: ES.Statement | undefined): boolean {
  if (s?.type !== 'ExpressionStatement' || s.expression.type !== 'AssignmentExpression') return false;
  const { left, right } = s.expression;
  if (left.type !== 'Identifier' || left.name !== 'matched' || right.type !== 'BinaryExpression' || right.operator !== '|') return false;
  const sum = right.left;
  return sum.type === 'BinaryExpression' && sum.operator === '+' && sum.right.type === 'Literal' && sum.right.value === 1;
}

/**
 * A binary search over sorted key ranges (libseccomp's binary tree and the kernel's action
 * cache are the models): `A < lo` splits until a few ranges remain, which are tested in order.
 * Each range's target appears once; keys between ranges go to the fallback, a `break`.
 * `known` is a lower bound on A that the tests above this subtree proved.
 */
function decisionTree(
  ranges: readonly Range[],
  fallback: () => ES.Statement[],
  branch: (t: number) => ES.Statement[],
  emit: KeyTests,
  known = 0,
): ES.Statement[] {
  if (ranges.length <= 3) {
    const out: ES.Statement[] = [];
    let floor = known;
    for (const r of ranges) {
      out.push(ifElse(emit.keyIn(Math.max(r.lo, floor), r.hi, floor), branch(r.target)));
      // Past a test that only checked the upper end, A is above the range.
      if (r.lo <= floor) floor = r.hi + 1;
    }
    out.push(...fallback());
    return out;
  }
  const mid = ranges.length >> 1;
  const pivot = ranges[mid] as Range;
  return [
    ifElse(
      emit.keyBelow(pivot.lo),
      decisionTree(ranges.slice(0, mid), fallback, branch, emit, known),
      decisionTree(ranges.slice(mid), fallback, branch, emit, pivot.lo),
    ),
  ];
}

