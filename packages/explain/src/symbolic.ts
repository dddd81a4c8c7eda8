/**
 * Symbolic register values: a known u32, or one word of seccomp_data passed through bit-linear
 * operations (`and`, `or`, `xor`, shifts by constants: what libseccomp and hand-written filters
 * do before a comparison). Each result bit is then a constant or one source bit, possibly
 * inverted, so every comparison against a constant becomes exact interval or masked constraints
 * on that word. Arithmetic (`add`, `sub`, `mul`, `div`, `neg`) on a word is not bit-linear and
 * is reported as unsupported rather than approximated.
 */
import { assertNever, type AluOp, type JmpOp } from '@ea/bpf';
import type { Atom } from './word.js';
import { U32_MAX } from './interval.js';

/** One bit of a symbolic value: CONST0, CONST1, a source bit j (0..31), or an inverted one (32 + j). */
const CONST0 = -1;
const CONST1 = -2;

/** A word of seccomp_data (index 0..15), its bits rearranged; `bits` null is the word itself. */
export interface Sym {
  readonly word: number;
  readonly bits: Int8Array | null;
}

/** A register value: a known u32 or a symbolic one. */
export type Value = number | Sym;

/** A jump outcome: always, never, or a disjunction of disjoint atoms on the word. */
export type Outcome = boolean | readonly Atom[];

/** Returns the symbolic value of the word at index `word`. */
export function wordValue(word: number): Sym {
  return { word, bits: null };
}

function bitsOf(s: Sym): Int8Array {
  if (s.bits !== null) return s.bits;
  const bits = new Int8Array(32);
  for (let i = 0; i < 32; i++) bits[i] = i;
  return bits;
}

function make(word: number, bits: Int8Array): Value {
  let known = 0;
  let symbolic = false;
  let identity = true;
  for (let i = 0; i < 32; i++) {
    const b = bits[i]!;
    if (b >= 0) symbolic = true;
    if (b !== i) identity = false;
    if (b === CONST1) known = (known | (1 << i)) >>> 0;
  }
  if (!symbolic) return known;
  return { word, bits: identity ? null : bits };
}

/** Applies `A op k` to a symbolic A; returns undefined when the result is not bit-linear. */
export function symbolicAlu(s: Sym, op: AluOp, k: number): Value | undefined {
  const src = bitsOf(s);
  const out = new Int8Array(32);
  const kk = k >>> 0;
  switch (op) {
    case 'and':
      for (let i = 0; i < 32; i++) out[i] = (kk >>> i) & 1 ? src[i]! : CONST0;
      return make(s.word, out);
    case 'or':
      for (let i = 0; i < 32; i++) out[i] = (kk >>> i) & 1 ? CONST1 : src[i]!;
      return make(s.word, out);
    case 'xor':
      for (let i = 0; i < 32; i++) out[i] = (kk >>> i) & 1 ? invert(src[i]!) : src[i]!;
      return make(s.word, out);
    case 'lsh':
      // Shift counts are below 32 here: the verifier refuses larger constants, X is masked.
      for (let i = 0; i < 32; i++) out[i] = i >= kk ? src[i - kk]! : CONST0;
      return make(s.word, out);
    case 'rsh':
      for (let i = 0; i < 32; i++) out[i] = i + kk < 32 ? src[i + kk]! : CONST0;
      return make(s.word, out);
    case 'add':
    case 'sub':
      return kk === 0 ? s : undefined;
    case 'mul':
      if (kk === 0) return 0;
      if (isPow2(kk)) return symbolicAlu(s, 'lsh', Math.log2(kk));
      return undefined;
    case 'div':
      if (isPow2(kk)) return symbolicAlu(s, 'rsh', Math.log2(kk));
      return undefined;
    case 'mod':
      if (isPow2(kk)) return symbolicAlu(s, 'and', kk - 1);
      return undefined;
    default:
      return assertNever(op);
  }
}

function isPow2(k: number): boolean {
  return k !== 0 && (k & (k - 1)) >>> 0 === 0;
}

function invert(b: number): number {
  if (b === CONST0) return CONST1;
  if (b === CONST1) return CONST0;
  return b >= 32 ? b - 32 : b + 32;
}

/**
 * Returns when `value op k` holds for a symbolic value: `true`/`false` when it does not depend on
 * the word, else disjoint atoms whose union is exactly the set of words for which it holds.
 */
export function compare(s: Sym, op: JmpOp, k: number): Outcome {
  const kk = k >>> 0;
  if (s.bits === null) return compareRaw(op, kk);
  switch (op) {
    case 'jeq':
      return equalTo(s.bits, kk);
    case 'jset':
      return anySet(s.bits, kk);
    case 'jgt':
      return greater(s.bits, kk);
    case 'jge':
      return kk === 0 ? true : greater(s.bits, kk - 1);
    default:
      return assertNever(op);
  }
}

/** Negates an outcome: the atoms of the other branch. */
export function negate(s: Sym, op: JmpOp, k: number, outcome: Outcome): Outcome {
  if (typeof outcome === 'boolean') return !outcome;
  const kk = k >>> 0;
  if (s.bits === null) {
    switch (op) {
      case 'jeq':
        return [{ kind: 'out', lo: kk, hi: kk }];
      case 'jgt':
        return [{ kind: 'in', lo: 0, hi: kk }];
      case 'jge':
        return [{ kind: 'in', lo: 0, hi: kk - 1 }];
      case 'jset':
        return [{ kind: 'mask', mask: kk, value: 0, eq: true }];
      default:
        return assertNever(op);
    }
  }
  switch (op) {
    case 'jeq':
    case 'jset':
      return outcome.map((a) => (a.kind === 'mask' ? { ...a, eq: !a.eq } : a));
    case 'jgt':
      return lessOrEqual(s.bits, kk);
    case 'jge':
      return lessOrEqual(s.bits, kk - 1);
    default:
      return assertNever(op);
  }
}

function compareRaw(op: JmpOp, k: number): Outcome {
  switch (op) {
    case 'jeq':
      return [{ kind: 'in', lo: k, hi: k }];
    case 'jgt':
      return k === U32_MAX ? false : [{ kind: 'in', lo: k + 1, hi: U32_MAX }];
    case 'jge':
      return k === 0 ? true : [{ kind: 'in', lo: k, hi: U32_MAX }];
    case 'jset':
      return k === 0 ? false : [{ kind: 'mask', mask: k, value: 0, eq: false }];
    default:
      return assertNever(op);
  }
}

/** Collects the constraint "result bits in `select` equal `want`"; null when a constant bit disagrees. */
function pattern(bits: Int8Array, select: number, want: number): { mask: number; value: number } | null {
  let mask = 0;
  let value = 0;
  for (let i = 0; i < 32; i++) {
    if (((select >>> i) & 1) === 0) continue;
    const w = (want >>> i) & 1;
    const b = bits[i]!;
    if (b === CONST0 || b === CONST1) {
      if ((b === CONST1 ? 1 : 0) !== w) return null;
      continue;
    }
    const j = b >= 32 ? b - 32 : b;
    const srcWant = b >= 32 ? 1 - w : w;
    mask = (mask | (1 << j)) >>> 0;
    if (srcWant) value = (value | (1 << j)) >>> 0;
  }
  return { mask, value };
}

function equalTo(bits: Int8Array, k: number): Outcome {
  const p = pattern(bits, U32_MAX, k);
  if (p === null) return false;
  if (p.mask === 0) return true;
  return [{ kind: 'mask', mask: p.mask, value: p.value, eq: true }];
}

function anySet(bits: Int8Array, k: number): Outcome {
  let mask = 0;
  let inv = 0;
  for (let i = 0; i < 32; i++) {
    if (((k >>> i) & 1) === 0) continue;
    const b = bits[i]!;
    if (b === CONST1) return true;
    if (b === CONST0) continue;
    const j = b >= 32 ? b - 32 : b;
    mask = (mask | (1 << j)) >>> 0;
    if (b >= 32) inv = (inv | (1 << j)) >>> 0;
  }
  if (mask === 0) return false;
  // No selected bit is 1 exactly when every selected source bit equals its inversion flag.
  return [{ kind: 'mask', mask, value: inv, eq: false }];
}

/**
 * `result > k` as disjoint cases, one per bit i where k has a 0: the bits above i equal k's and
 * bit i is 1 (the usual lexicographic split of an unsigned comparison).
 */
function greater(bits: Int8Array, k: number): Outcome {
  return lexicographic(bits, k, 0);
}

/** `result <= k`: equal to k, or for a bit i where k has a 1, equal above i and 0 at i. */
function lessOrEqual(bits: Int8Array, k: number): Outcome {
  const eq = equalTo(bits, k);
  if (eq === true) return true;
  const below = lexicographic(bits, k, 1);
  if (below === true) return true;
  const atoms = [...(eq === false ? [] : eq), ...(below === false ? [] : below)];
  return atoms.length === 0 ? false : atoms;
}

function lexicographic(bits: Int8Array, k: number, kBit: 0 | 1): Outcome {
  const atoms: Atom[] = [];
  for (let i = 31; i >= 0; i--) {
    if (((k >>> i) & 1) !== kBit) continue;
    const above = i === 31 ? 0 : (~((2 ** (i + 1)) - 1) >>> 0);
    const bit = 2 ** i;
    const want = ((k & above) | (kBit === 0 ? bit : 0)) >>> 0;
    const p = pattern(bits, (above | bit) >>> 0, want);
    if (p === null) continue;
    if (p.mask === 0) return true;
    atoms.push({ kind: 'mask', mask: p.mask, value: p.value, eq: true });
  }
  return atoms.length === 0 ? false : atoms;
}

/** Evaluates `a op b` on known values, as the kernel does (unsigned). */
export function compareKnown(op: JmpOp, a: number, b: number): boolean {
  switch (op) {
    case 'jeq':
      return a >>> 0 === b >>> 0;
    case 'jgt':
      return a >>> 0 > b >>> 0;
    case 'jge':
      return a >>> 0 >= b >>> 0;
    case 'jset':
      return (a & b) !== 0;
    default:
      return assertNever(op);
  }
}
