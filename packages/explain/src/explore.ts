/**
 * Exact path enumeration of a verified seccomp filter. A classic BPF program has no backward
 * jumps, so every path ends at a `ret`; each path carries, per word of seccomp_data, the
 * constraint its branches imposed, and infeasible branches are cut. Paths share their prefixes
 * (the walk forks only where both sides are feasible), and a word the path has pinned to one
 * value loads as a constant, which folds the rest of a libseccomp filter once arch and nr are
 * known. The walk is bounded: past `maxSteps` instructions or `maxLeaves` paths it stops with
 * TOO_COMPLEX instead of running on.
 */
import { assertNever, type KnownInsn, SECCOMP_DATA_SIZE } from '@ea/bpf';
import type { VerifiedProgram } from '@ea/verifier';
import { ExplainError } from './errors.js';
import { maskIntervals } from './interval.js';
import { compare, compareKnown, negate, type Outcome, type Sym, symbolicAlu, type Value, wordValue } from './symbolic.js';
import { ANY, type Atom, apply, feasible, pinned, type WordConstraint } from './word.js';

/** The number of 32-bit words in struct seccomp_data. */
export const WORDS = SECCOMP_DATA_SIZE / 4;
/** Word index of seccomp_data.nr. */
export const NR_WORD = 0;
/** Word index of seccomp_data.arch. */
export const ARCH_WORD = 1;

/** One path through the filter: its return value and what it requires of each word. */
export interface Leaf {
  /** The u32 the path returns. */
  readonly ret: number;
  /** The `ret` instruction (or the `div` by zero) that ends the path. */
  readonly pc: number;
  /** Constraint on each of the 16 words; nr and arch are always pure interval sets. */
  readonly words: readonly WordConstraint[];
  /** The conditional jumps whose outcome depended on input, newest first (pc, taken). */
  readonly jumps: Trail;
}

/** A persistent list of jumps (shared between paths that forked from one another). */
export type Trail = { readonly pc: number; readonly taken: boolean; readonly word: number; readonly prev: Trail } | null;

/** Returns a trail's jumps in path order. */
export function trailJumps(trail: Trail): { pc: number; taken: boolean; word: number }[] {
  const out: { pc: number; taken: boolean; word: number }[] = [];
  for (let t = trail; t !== null; t = t.prev) out.push({ pc: t.pc, taken: t.taken, word: t.word });
  return out.reverse();
}

/** Bounds on the walk. */
export interface ExploreLimits {
  /** Instructions executed over all paths (default 1,000,000). */
  readonly maxSteps?: number;
  /** Paths (default 100,000). */
  readonly maxLeaves?: number;
}

/** Everything the walk found. */
export interface Exploration {
  readonly leaves: readonly Leaf[];
  /** visited[pc]: some feasible path executes pc. */
  readonly visited: Uint8Array;
  /** Instructions executed over all paths. */
  readonly steps: number;
}

interface State {
  pc: number;
  a: Value;
  x: Value;
  mem: Value[];
  words: WordConstraint[];
  jumps: Trail;
}

/** Bounds how many intervals a mask test on nr or arch may turn into. */
const NR_INTERVAL_LIMIT = 4096;

/** Enumerates every feasible path of a verified seccomp filter, optionally from given word constraints. */
export function explore(program: VerifiedProgram, limits: ExploreLimits = {}, start?: readonly WordConstraint[]): Exploration {
  if (program.profile !== 'seccomp') {
    throw new ExplainError('NOT_SECCOMP', `explain reads seccomp filters; this program was verified as '${program.profile}'`);
  }
  const maxSteps = limits.maxSteps ?? 1_000_000;
  const maxLeaves = limits.maxLeaves ?? 100_000;
  const insns = program.insns;
  const visited = new Uint8Array(insns.length);
  const leaves: Leaf[] = [];
  const mem: Value[] = new Array<Value>(16).fill(0);
  const stack: State[] = [{ pc: 0, a: 0, x: 0, mem, words: start ? [...start] : new Array<WordConstraint>(WORDS).fill(ANY), jumps: null }];
  let steps = 0;
  while (stack.length > 0) {
    const s = stack.pop()!;
    for (;;) {
      if (++steps > maxSteps) {
        throw new ExplainError('TOO_COMPLEX', `more than ${maxSteps} instructions over all paths; the filter is too large to explain exactly within the bound`, s.pc);
      }
      const pc = s.pc;
      const i = insns[pc]!;
      visited[pc] = 1;
      const done = step(s, i, stack);
      if (done === undefined) continue;
      leaves.push({ ret: done >>> 0, pc, words: s.words, jumps: s.jumps });
      if (leaves.length > maxLeaves) {
        throw new ExplainError('TOO_COMPLEX', `more than ${maxLeaves} distinct paths; the filter is too large to explain exactly within the bound`, pc);
      }
      break;
    }
  }
  return { leaves, visited, steps };
}

/** Executes one instruction; returns the program's result when the path ends. */
function step(s: State, i: KnownInsn, stack: State[]): number | undefined {
  const pc = s.pc;
  switch (i.kind) {
    case 'ld_abs': {
      const w = i.k >>> 2;
      const known = pinned(s.words[w]!);
      s.a = known ?? wordValue(w);
      break;
    }
    case 'ld_imm':
      s.a = i.k;
      break;
    case 'ld_len':
      // seccomp_check_filter rewrites BPF_LEN to the constant sizeof(struct seccomp_data).
      s.a = SECCOMP_DATA_SIZE;
      break;
    case 'ld_mem':
      s.a = s.mem[i.k]!;
      break;
    case 'ldx_imm':
      s.x = i.k;
      break;
    case 'ldx_len':
      s.x = SECCOMP_DATA_SIZE;
      break;
    case 'ldx_mem':
      s.x = s.mem[i.k]!;
      break;
    case 'st':
      s.mem = s.mem.slice();
      s.mem[i.k] = s.a;
      break;
    case 'stx':
      s.mem = s.mem.slice();
      s.mem[i.k] = s.x;
      break;
    case 'tax':
      s.x = s.a;
      break;
    case 'txa':
      s.a = s.x;
      break;
    case 'neg':
      if (typeof s.a !== 'number') throw unsupported(pc, 'neg of a seccomp_data word');
      s.a = -s.a >>> 0;
      break;
    case 'alu': {
      const r = alu(s, i, pc);
      if (r === 'div0') return 0;
      s.a = r;
      break;
    }
    case 'ja':
      s.pc = pc + 1 + i.k;
      return undefined;
    case 'jmp':
      branch(s, i, stack);
      return undefined;
    case 'ret_k':
      return i.k;
    case 'ret_a':
      if (typeof s.a !== 'number') throw unsupported(pc, 'ret A with A computed from seccomp_data');
      return s.a;
    case 'ld_ind':
    case 'ld_tailzero':
    case 'ldx_msh':
      throw new ExplainError('NOT_SECCOMP', `${i.kind} is not a seccomp instruction`, pc);
    default:
      return assertNever(i);
  }
  s.pc = pc + 1;
  return undefined;
}

function unsupported(pc: number, what: string): ExplainError {
  return new ExplainError('UNSUPPORTED', `${what} cannot be represented exactly by this analysis`, pc);
}

function alu(s: State, i: KnownInsn & { kind: 'alu' }, pc: number): Value | 'div0' {
  const a = s.a;
  const b = i.src === 'k' ? i.k : s.x;
  if (typeof b === 'number') {
    if ((i.op === 'div' || i.op === 'mod') && b === 0) return 'div0';
    if (typeof a === 'number') return aluKnown(i.op, a, b);
    // Shifts by X use X & 31 after the cBPF -> eBPF conversion; constants are below 32.
    const k = i.op === 'lsh' || i.op === 'rsh' ? b & 31 : b;
    const r = symbolicAlu(a, i.op, k);
    if (r === undefined) throw unsupported(pc, `${i.op} on a seccomp_data word`);
    return r;
  }
  if (typeof a === 'number' && (i.op === 'and' || i.op === 'or' || i.op === 'xor')) {
    const r = symbolicAlu(b, i.op, a);
    if (r === undefined) throw unsupported(pc, `${i.op} on a seccomp_data word`);
    return r;
  }
  throw unsupported(pc, `${i.op} with X computed from seccomp_data`);
}

function aluKnown(op: KnownInsn & { kind: 'alu' } extends { op: infer O } ? O : never, a: number, b: number): number {
  switch (op) {
    case 'add':
      return (a + b) >>> 0;
    case 'sub':
      return (a - b) >>> 0;
    case 'mul':
      return Math.imul(a, b) >>> 0;
    case 'div':
      return Math.floor((a >>> 0) / (b >>> 0)) >>> 0;
    case 'mod':
      return (a >>> 0) % (b >>> 0);
    case 'or':
      return (a | b) >>> 0;
    case 'and':
      return (a & b) >>> 0;
    case 'xor':
      return (a ^ b) >>> 0;
    case 'lsh':
      return (a << (b & 31)) >>> 0;
    case 'rsh':
      return (a >>> (b & 31)) >>> 0;
    default:
      return assertNever(op);
  }
}

function branch(s: State, i: KnownInsn & { kind: 'jmp' }, stack: State[]): void {
  const pc = s.pc;
  const tPc = pc + 1 + i.jt;
  const fPc = pc + 1 + i.jf;
  const a = s.a;
  const b = i.src === 'k' ? i.k : s.x;
  let sym: Sym;
  let taken: Outcome;
  let other: Outcome;
  if (typeof a === 'number' && typeof b === 'number') {
    s.pc = compareKnown(i.op, a, b) ? tPc : fPc;
    return;
  }
  if (typeof a !== 'number' && typeof b === 'number') {
    sym = a;
    taken = compare(a, i.op, b);
    other = negate(a, i.op, b, taken);
  } else if (typeof a === 'number' && typeof b !== 'number') {
    // Known A against symbolic X: jeq and jset are symmetric; A > X is !(X >= A), A >= X is !(X > A).
    sym = b;
    if (i.op === 'jeq' || i.op === 'jset') {
      taken = compare(b, i.op, a);
      other = negate(b, i.op, a, taken);
    } else {
      const flip = i.op === 'jgt' ? 'jge' : 'jgt';
      other = compare(b, flip, a);
      taken = negate(b, flip, a, other);
    }
  } else {
    throw unsupported(pc, 'a comparison between two seccomp_data words');
  }
  const children: State[] = [];
  for (const [outcome, target, took] of [[other, fPc, false], [taken, tPc, true]] as const) {
    if (outcome === false) continue;
    if (outcome === true) {
      children.push({ ...fork(s, target, s.words, pc, took, sym.word), jumps: s.jumps });
      continue;
    }
    for (const atom of outcome) {
      const c = restrict(s.words[sym.word]!, sym.word, atom, pc);
      if (c === null) continue;
      const words = s.words.slice();
      words[sym.word] = c;
      children.push(fork(s, target, words, pc, took, sym.word));
    }
  }
  // The last child continues in `s` itself; the others go on the stack (true branch explored first).
  if (children.length === 0) throw new ExplainError('INTERNAL', 'a branch with no feasible side', pc);
  const last = children.pop()!;
  Object.assign(s, last);
  for (const c of children) stack.push(c);
}

function fork(s: State, pc: number, words: WordConstraint[], at: number, took: boolean, word: number): State {
  return { pc, a: s.a, x: s.x, mem: s.mem, words, jumps: { pc: at, taken: took, word, prev: s.jumps } };
}

/** Applies an atom; nr and arch stay pure interval sets. Returns null when nothing is left. */
function restrict(c: WordConstraint, word: number, atom: Atom, pc: number): WordConstraint | null {
  if (atom.kind === 'mask' && word <= 1) {
    const set = maskIntervals(atom.mask, atom.value, atom.eq, NR_INTERVAL_LIMIT);
    if (set === undefined) throw unsupported(pc, `a bit test on seccomp_data.${word === 0 ? 'nr' : 'arch'} with this many value ranges`);
    let out: WordConstraint = c;
    // Intersect with the set: keep only the parts of out's ranges inside it.
    const kept: number[] = [];
    for (let j = 0; j < set.length; j += 2) {
      const part = apply(out, { kind: 'in', lo: set[j]!, hi: set[j + 1]! }).ranges;
      kept.push(...part);
    }
    out = { ranges: kept, masks: [] };
    return kept.length === 0 ? null : out;
  }
  const out = apply(c, atom);
  return feasible(out) ? out : null;
}
