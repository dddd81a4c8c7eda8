/**
 * Argument conditions at the width an ABI compares them: the full 64 bits on 64-bit ABIs, the
 * low 32 bits on 32-bit ones (libseccomp's _db_rule_gen_32 keeps D64_LO of value and mask, x32
 * included). Here they are simplified (conditions that always or never hold) and tested for
 * disjointness, which is how ambiguous rules are told from harmless ones.
 */
import type { Operator } from './vocab.js';

/** A condition on one argument, values already cut to the ABI's width. */
export interface Cond {
  readonly index: number;
  readonly op: Operator;
  readonly value: bigint;
  readonly valueTwo: bigint;
  readonly path: string;
}

/** Returns the largest value at a width. */
export function maxOf(bits: 32 | 64): bigint {
  return bits === 64 ? (1n << 64n) - 1n : 0xffffffffn;
}

/** Returns true, false, or undefined when the condition depends on the argument. */
export function constantTruth(c: Cond, bits: 32 | 64): boolean | undefined {
  const max = maxOf(bits);
  switch (c.op) {
    case 'SCMP_CMP_EQ':
    case 'SCMP_CMP_NE':
      return undefined;
    case 'SCMP_CMP_LT':
      return c.value === 0n ? false : undefined;
    case 'SCMP_CMP_LE':
      return c.value === max ? true : undefined;
    case 'SCMP_CMP_GT':
      return c.value === max ? false : undefined;
    case 'SCMP_CMP_GE':
      return c.value === 0n ? true : undefined;
    case 'SCMP_CMP_MASKED_EQ':
      if ((c.valueTwo & ~c.value & max) !== 0n) return false;
      return c.value === 0n ? true : undefined;
  }
}

/** Tells whether an argument value satisfies a condition (the reference the code generator is tested against). */
export function holds(c: Cond, arg: bigint): boolean {
  switch (c.op) {
    case 'SCMP_CMP_EQ':
      return arg === c.value;
    case 'SCMP_CMP_NE':
      return arg !== c.value;
    case 'SCMP_CMP_LT':
      return arg < c.value;
    case 'SCMP_CMP_LE':
      return arg <= c.value;
    case 'SCMP_CMP_GT':
      return arg > c.value;
    case 'SCMP_CMP_GE':
      return arg >= c.value;
    case 'SCMP_CMP_MASKED_EQ':
      return (arg & c.value) === c.valueTwo;
  }
}

/** The set of values a condition admits, as an interval [lo, hi] when it is one. */
function interval(c: Cond, bits: 32 | 64): readonly [bigint, bigint] | undefined {
  const max = maxOf(bits);
  switch (c.op) {
    case 'SCMP_CMP_EQ':
      return [c.value, c.value];
    case 'SCMP_CMP_LT':
      return [0n, c.value - 1n];
    case 'SCMP_CMP_LE':
      return [0n, c.value];
    case 'SCMP_CMP_GT':
      return [c.value + 1n, max];
    case 'SCMP_CMP_GE':
      return [c.value, max];
    case 'SCMP_CMP_MASKED_EQ':
      return c.value === max ? [c.valueTwo, c.valueTwo] : undefined;
    case 'SCMP_CMP_NE':
      return undefined;
  }
}

/**
 * Tells whether no argument value satisfies both conditions (same argument). Only cases that are
 * easy to prove are proved; "false" means "not shown disjoint".
 */
export function disjoint(a: Cond, b: Cond, bits: 32 | 64): boolean {
  if (constantTruth(a, bits) === false || constantTruth(b, bits) === false) return true;
  const ia = interval(a, bits);
  const ib = interval(b, bits);
  if (ia !== undefined && ib !== undefined) return ia[1] < ib[0] || ib[1] < ia[0];
  if (ia !== undefined && ia[0] === ia[1]) return !holds(b, ia[0]);
  if (ib !== undefined && ib[0] === ib[1]) return !holds(a, ib[0]);
  if (a.op === 'SCMP_CMP_MASKED_EQ' && b.op === 'SCMP_CMP_MASKED_EQ') {
    return ((a.valueTwo ^ b.valueTwo) & a.value & b.value) !== 0n;
  }
  return false;
}
