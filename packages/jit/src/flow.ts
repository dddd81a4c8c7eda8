/**
 * Data-flow analysis of a verified program, done once before code generation: constant
 * propagation for A, X and M[] (forward, in pc order: classic BPF only jumps forward, so pc order
 * is a topological order and one pass is exact), jump folding and threading (an edge whose
 * constants decide the next test skips it), liveness (backward, one pass) to drop dead stores,
 * and detection of `jeq` chains on A that become decision trees.
 */
import { assertNever, type KnownInsn } from '@ea/bpf';
import type { Profile } from '@ea/verifier';
import { foldAlu, foldJump } from './values.js';

/** A constant-propagation state: slot 0 is A, 1 is X, 2 + i is M[i]; -1 means unknown. */
export type State = readonly number[];
/** The State slot of A. */
export const SLOT_A = 0;
/** The State slot of X. */
export const SLOT_X = 1;
/** The State slot of M[0] (M[i] is SLOT_M + i). */
export const SLOT_M = 2;
const SLOTS = 18;
const UNKNOWN = -1;

/** Keys lo..hi (u32, inclusive) of a dispatch on A go to `target`. */
export interface KeyRange {
  readonly lo: number;
  readonly hi: number;
  readonly target: number;
}

/**
 * Tests on the same A (a chain of `jeq #k`), to be emitted as one dispatch: `ranges` are
 * sorted and disjoint, every key in none of them goes to `fallback`; `pcs` are the member tests
 * (for their comments), the first one is where the dispatch is.
 */
export interface SwitchInfo {
  readonly ranges: readonly KeyRange[];
  readonly fallback: number;
  readonly pcs: readonly number[];
}

/** Sorts (key, target) cases and merges runs of consecutive keys with the same target into ranges. */
export function caseRanges(cases: readonly { readonly key: number; readonly target: number }[]): KeyRange[] {
  const sorted = [...cases].sort((x, y) => x.key - y.key);
  const out: KeyRange[] = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.target === c.target && last.hi + 1 === c.key) {
      out[out.length - 1] = { ...last, hi: c.key };
    } else {
      out.push({ lo: c.key, hi: c.key, target: c.target });
    }
  }
  return out;
}

/** What code generation needs to know about every instruction. */
export interface Flow {
  readonly insns: readonly KnownInsn[];
  /** in[pc]: the constant state at entry, or undefined when pc is unreachable. */
  readonly stateIn: readonly (State | undefined)[];
  /** out[pc]: the constant state after the instruction (before any edge refinement). */
  readonly stateOut: readonly (State | undefined)[];
  /** Successor pcs after folding and threading: [] for a return, [t, f] for a live test. */
  readonly succ: readonly (readonly number[])[];
  readonly preds: readonly (readonly number[])[];
  /** The instruction still tests something at run time (two distinct successors). */
  readonly isTest: readonly boolean[];
  /** A division or modulo by an X known to be 0: the program returns 0 there. */
  readonly div0: readonly boolean[];
  /** A pure instruction whose result nobody reads: emitted as a comment only. */
  readonly dead: readonly boolean[];
  /** Chains of jeq tests keyed by their first pc; the other members are absorbed. */
  readonly switches: ReadonlyMap<number, SwitchInfo>;
  readonly absorbed: readonly boolean[];
  /**
   * need[pc]: every run from pc on a packet shorter than this returns 0 (a load fails, or
   * the path ends in `ret #0`). One test `len < need[pc]` therefore replaces the bounds checks
   * of every plain load it dominates. Infinity when every path from pc returns 0.
   */
  readonly need: readonly number[];
}

/** Options of the analysis that depend on the profile. */
export interface FlowOptions {
  readonly profile: Profile;
  /** Whether an in-range packet load is free of side effects (its bounds are checked earlier). */
  readonly pureAbsLoad: (insn: KnownInsn) => boolean;
  /** Fewest tests a jeq chain needs to become a decision tree. */
  readonly minSwitch: number;
  /** One past the last byte an instruction reads when it is a plain packet load, else 0. */
  readonly loadEnd: (insn: KnownInsn) => number;
  /** Whether an instruction can end the program with a value that may not be 0. */
  readonly mayExitNonZero: (insn: KnownInsn) => boolean;
}

function operand(insn: KnownInsn & { src: 'k' | 'x' }, s: State): number {
  return insn.src === 'k' ? insn.k : (s[SLOT_X] ?? UNKNOWN);
}

/** Returns the state after `insn` runs in state `s` (the fall-through view). */
function transfer(insn: KnownInsn, s: State, profile: Profile): State {
  // Jumps and returns change nothing: share the state (states are never mutated once a
  // later pc is being processed, see meet()).
  if (insn.kind === 'ja' || insn.kind === 'jmp' || insn.kind === 'ret_k' || insn.kind === 'ret_a') return s;
  const o = s.slice();
  const lenConst = profile === 'socket' ? UNKNOWN : 64;
  switch (insn.kind) {
    case 'ld_imm':
      o[SLOT_A] = insn.k;
      break;
    case 'ldx_imm':
      o[SLOT_X] = insn.k;
      break;
    case 'ld_mem':
      o[SLOT_A] = s[SLOT_M + insn.k] ?? UNKNOWN;
      break;
    case 'ldx_mem':
      o[SLOT_X] = s[SLOT_M + insn.k] ?? UNKNOWN;
      break;
    case 'st':
      o[SLOT_M + insn.k] = s[SLOT_A] ?? UNKNOWN;
      break;
    case 'stx':
      o[SLOT_M + insn.k] = s[SLOT_X] ?? UNKNOWN;
      break;
    case 'ld_len':
      o[SLOT_A] = lenConst;
      break;
    case 'ldx_len':
      o[SLOT_X] = lenConst;
      break;
    case 'ld_abs':
    case 'ld_ind':
    case 'ld_tailzero':
      o[SLOT_A] = UNKNOWN;
      break;
    case 'ldx_msh':
      o[SLOT_X] = UNKNOWN;
      break;
    case 'alu': {
      const a = s[SLOT_A] ?? UNKNOWN;
      const b = operand(insn, s);
      const r = a === UNKNOWN || b === UNKNOWN ? UNKNOWN : foldAlu(insn.op, a, b);
      o[SLOT_A] = r === 'div0' ? UNKNOWN : r;
      // A few identities hold whatever A is.
      if (b === 0 && (insn.op === 'and' || insn.op === 'mul')) o[SLOT_A] = 0;
      break;
    }
    case 'neg':
      o[SLOT_A] = s[SLOT_A] === UNKNOWN ? UNKNOWN : (0 - (s[SLOT_A] ?? 0)) >>> 0;
      break;
    case 'tax':
      o[SLOT_X] = s[SLOT_A] ?? UNKNOWN;
      break;
    case 'txa':
      o[SLOT_A] = s[SLOT_X] ?? UNKNOWN;
      break;
  }
  return o;
}

/** Refines the state on the taken edge of a `jeq`: the operands are equal there. */
function refine(insn: KnownInsn, s: State, taken: boolean): State {
  if (insn.kind !== 'jmp' || insn.op !== 'jeq' || !taken) return s;
  const b = operand(insn, s);
  const o = s.slice();
  if (b !== UNKNOWN) o[SLOT_A] = b;
  else if (insn.src === 'x' && s[SLOT_A] !== UNKNOWN) o[SLOT_X] = s[SLOT_A] ?? UNKNOWN;
  return o;
}

/** Returns the outcome of a test that `s` decides, or undefined. */
function decide(insn: KnownInsn, s: State): boolean | undefined {
  if (insn.kind !== 'jmp') return undefined;
  const a = s[SLOT_A] ?? UNKNOWN;
  const b = operand(insn, s);
  if (a === UNKNOWN || b === UNKNOWN) {
    // A jset against 0 is never taken, whatever A is.
    if (insn.op === 'jset' && b === 0) return false;
    return undefined;
  }
  return foldJump(insn.op, a, b);
}

function meet(into: number[] | undefined, s: State, fresh = false): number[] {
  if (into === undefined) return fresh ? (s as number[]) : s.slice();
  for (let i = 0; i < SLOTS; i++) if (into[i] !== s[i]) into[i] = UNKNOWN;
  return into;
}

const NO_PREDS: readonly number[] = Object.freeze([]);

/** Analyses a verified program; see the module comment. */
export function analyse(insns: readonly KnownInsn[], opts: FlowOptions): Flow {
  const n = insns.length;
  const succ: number[][] = insns.map((ins, pc) => {
    if (ins.kind === 'ret_k' || ins.kind === 'ret_a') return [];
    if (ins.kind === 'ja') return [pc + 1 + ins.k];
    if (ins.kind === 'jmp') return [pc + 1 + ins.jt, pc + 1 + ins.jf];
    return [pc + 1];
  });
  const isTest = insns.map((ins) => ins.kind === 'jmp');
  const div0 = new Array<boolean>(n).fill(false);
  let stateIn: (number[] | undefined)[] = [];
  let stateOut: (State | undefined)[] = [];

  const edgeState = (pc: number, out: State, slot: number): State => {
    const ins = insns[pc] as KnownInsn;
    return isTest[pc] ? refine(ins, out, slot === 0) : out;
  };

  // Follows an edge through instructions that do nothing on it: ja, folded tests, and live
  // tests the edge's constants decide (jump threading).
  const follow = (start: number, s0: State): number => {
    let t = start;
    let s = s0;
    for (;;) {
      const ins = insns[t] as KnownInsn;
      if (ins.kind === 'ja' || (ins.kind === 'jmp' && !isTest[t])) {
        t = succ[t]?.[0] ?? t;
        continue;
      }
      if (ins.kind === 'jmp') {
        const d = decide(ins, s);
        if (d === undefined) return t;
        s = refine(ins, s, d);
        t = (succ[t] as number[])[d ? 0 : 1] as number;
        continue;
      }
      return t;
    }
  };

  for (let iter = 0; iter < 16; iter++) {
    stateIn = new Array(n).fill(undefined);
    stateOut = new Array(n).fill(undefined);
    stateIn[0] = [0, 0, ...new Array<number>(16).fill(UNKNOWN)];
    for (let pc = 0; pc < n; pc++) {
      const s = stateIn[pc];
      if (s === undefined) continue;
      const out = transfer(insns[pc] as KnownInsn, s, opts.profile);
      stateOut[pc] = out;
      const targets = succ[pc] as number[];
      for (let slot = 0; slot < targets.length; slot++) {
        const t = targets[slot] as number;
        const e = edgeState(pc, out, slot);
        // A refined edge state is a new array nobody else holds: the target may own it.
        stateIn[t] = meet(stateIn[t], e, e !== out);
      }
    }
    let changed = false;
    for (let pc = 0; pc < n; pc++) {
      const s = stateIn[pc];
      const out = stateOut[pc];
      if (s === undefined || out === undefined) continue;
      const ins = insns[pc] as KnownInsn;
      const targets = succ[pc] as number[];
      if (isTest[pc]) {
        const d = targets[0] === targets[1] ? true : decide(ins, s);
        if (d !== undefined) {
          succ[pc] = [targets[d ? 0 : 1] as number];
          isTest[pc] = false;
          changed = true;
          continue;
        }
      }
      if (ins.kind === 'alu' && ins.src === 'x' && (ins.op === 'div' || ins.op === 'mod') && s[SLOT_X] === 0) {
        if (!div0[pc]) {
          div0[pc] = true;
          succ[pc] = [];
          changed = true;
        }
        continue;
      }
      for (let slot = 0; slot < targets.length; slot++) {
        const t = targets[slot] as number;
        const t2 = follow(t, edgeState(pc, out, slot));
        if (t2 !== t) {
          targets[slot] = t2;
          changed = true;
        }
      }
      if (isTest[pc] && targets[0] === targets[1]) {
        succ[pc] = [targets[0] as number];
        isTest[pc] = false;
        changed = true;
      }
    }
    if (!changed) break;
  }

  const preds: (number[] | undefined)[] = new Array(n).fill(undefined);
  for (let pc = 0; pc < n; pc++) {
    if (stateIn[pc] === undefined) continue;
    const ts = succ[pc] as number[];
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i] as number;
      if (ts.indexOf(t) !== i) continue;
      const p = preds[t];
      if (p === undefined) preds[t] = [pc];
      else p.push(pc);
    }
  }
  const dead = liveness(insns, { stateIn, stateOut, succ, div0 }, opts);
  const predList: readonly (readonly number[])[] = preds.map((p) => p ?? NO_PREDS);
  const { switches, absorbed } = findSwitches(insns, { stateIn, succ, isTest, preds: predList }, opts.minSwitch);
  const need = packetNeed(insns, { stateIn, succ, div0 }, opts);
  return { insns, stateIn, stateOut, succ, preds: predList, isTest, div0, dead, switches, absorbed, need };
}

/** Computes Flow.need backwards (one pass: the graph is a DAG in pc order). */
function packetNeed(
  insns: readonly KnownInsn[],
  f: { stateIn: readonly (State | undefined)[]; succ: readonly (readonly number[])[]; div0: readonly boolean[] },
  opts: FlowOptions,
): number[] {
  const need = new Array<number>(insns.length).fill(0);
  for (let pc = insns.length - 1; pc >= 0; pc--) {
    const s = f.stateIn[pc];
    if (s === undefined) continue;
    const ins = insns[pc] as KnownInsn;
    const succ = f.succ[pc] as readonly number[];
    if (f.div0[pc]) need[pc] = Number.POSITIVE_INFINITY;
    else if (ins.kind === 'ret_k') need[pc] = ins.k === 0 ? Number.POSITIVE_INFINITY : 0;
    else if (ins.kind === 'ret_a') need[pc] = s[SLOT_A] === 0 ? Number.POSITIVE_INFINITY : 0;
    else if (opts.mayExitNonZero(ins)) need[pc] = 0;
    else {
      let after = Number.POSITIVE_INFINITY;
      for (const t of succ) after = Math.min(after, need[t] as number);
      need[pc] = Math.max(opts.loadEnd(ins), after);
    }
  }
  return need;
}

const BIT_A = 1;
const BIT_X = 2;
const bitM = (k: number): number => 4 << k;

interface LiveInput {
  stateIn: readonly (State | undefined)[];
  stateOut: readonly (State | undefined)[];
  succ: readonly (readonly number[])[];
  div0: readonly boolean[];
}

/**
 * Backward liveness over A, X and M[]; returns which pure instructions define only dead
 * values. Operands and results that constant propagation turns into literals are not uses.
 */
function liveness(insns: readonly KnownInsn[], f: LiveInput, opts: FlowOptions): boolean[] {
  const n = insns.length;
  const liveIn = new Array<number>(n).fill(0);
  const dead = new Array<boolean>(n).fill(false);
  for (let pc = n - 1; pc >= 0; pc--) {
    const s = f.stateIn[pc];
    const o = f.stateOut[pc];
    if (s === undefined || o === undefined) continue;
    let out = 0;
    for (const t of f.succ[pc] as number[]) out |= liveIn[t] as number;
    if (f.div0[pc]) {
      liveIn[pc] = 0;
      continue;
    }
    const ins = insns[pc] as KnownInsn;
    const aConst = o[SLOT_A] !== UNKNOWN;
    const xConst = o[SLOT_X] !== UNKNOWN;
    const useA = s[SLOT_A] === UNKNOWN ? BIT_A : 0;
    const useX = s[SLOT_X] === UNKNOWN ? BIT_X : 0;
    let defs = 0;
    let uses = 0;
    let pure = true;
    switch (ins.kind) {
      case 'ld_imm':
      case 'ld_len':
        defs = BIT_A;
        break;
      case 'ldx_imm':
      case 'ldx_len':
        defs = BIT_X;
        break;
      case 'ld_mem':
        defs = BIT_A;
        uses = aConst ? 0 : bitM(ins.k);
        break;
      case 'ldx_mem':
        defs = BIT_X;
        uses = xConst ? 0 : bitM(ins.k);
        break;
      case 'st':
        defs = bitM(ins.k);
        uses = useA;
        break;
      case 'stx':
        defs = bitM(ins.k);
        uses = useX;
        break;
      case 'alu': {
        defs = BIT_A;
        const byX = ins.src === 'x';
        if ((ins.op === 'div' || ins.op === 'mod') && byX && s[SLOT_X] === UNKNOWN) pure = false;
        uses = aConst && pure ? 0 : useA | (byX ? useX : 0);
        break;
      }
      case 'neg':
        defs = BIT_A;
        uses = aConst ? 0 : useA;
        break;
      case 'tax':
        defs = BIT_X;
        uses = xConst ? 0 : useA;
        break;
      case 'txa':
        defs = BIT_A;
        uses = aConst ? 0 : useX;
        break;
      case 'ld_abs':
        defs = BIT_A;
        pure = opts.pureAbsLoad(ins);
        // Ancillary loads may read A and X (nlattr, xor_x) or return A (ifindex).
        uses = pure ? 0 : useA | useX;
        break;
      case 'ld_ind':
        defs = BIT_A;
        pure = false;
        uses = useX | useA;
        break;
      case 'ldx_msh':
        defs = BIT_X;
        pure = false;
        uses = useA;
        break;
      case 'ld_tailzero':
        defs = BIT_A;
        break;
      case 'ret_a':
        pure = false;
        uses = useA;
        break;
      case 'jmp':
        pure = false;
        uses = f.succ[pc]?.length === 2 ? useA | (ins.src === 'x' ? useX : 0) : 0;
        break;
      case 'ja':
      case 'ret_k':
        pure = false;
        break;
    }
    if (pure && (defs & out) === 0) {
      dead[pc] = true;
      liveIn[pc] = out;
    } else {
      liveIn[pc] = (out & ~defs) | uses;
    }
  }
  return dead;
}

interface SwitchInput {
  stateIn: readonly (State | undefined)[];
  succ: readonly (readonly number[])[];
  isTest: readonly boolean[];
  preds: readonly (readonly number[])[];
}

const U32_MAX = 0xffffffff;

/**
 * The values of A a region tells apart: `cuts` are the sorted starts of its elementary
 * intervals (cuts[0] = 0; interval j is cuts[j] up to cuts[j + 1] - 1, the last one up to
 * 0xffffffff). No test of the region separates two values of one elementary interval, so a set
 * of values reaching an edge is a bitset over the intervals: a member costs at most one new set
 * of (2 x members + 1) / 32 words (a jeq only its singleton), where sorted interval lists would
 * copy every interval a long jeq chain's false edge still carries at every test.
 */
class Cuts {
  readonly cuts: number[];
  readonly words: number;
  constructor(insns: readonly KnownInsn[], members: readonly number[]) {
    const starts = new Set<number>([0]);
    for (const pc of members) {
      const ins = insns[pc] as KnownInsn & { kind: 'jmp' };
      if (ins.op !== 'jgt') starts.add(ins.k);
      if (ins.op !== 'jge' && ins.k < U32_MAX) starts.add(ins.k + 1);
    }
    this.cuts = [...starts].sort((a, b) => a - b);
    this.words = (this.cuts.length + 31) >>> 5;
  }
  /** The elementary interval that `v` starts (v is one of the cuts). */
  index(v: number): number {
    let lo = 0;
    let hi = this.cuts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.cuts[mid] as number) <= v) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  full(): Uint32Array {
    const set = new Uint32Array(this.words).fill(0xffffffff);
    const spare = this.words * 32 - this.cuts.length;
    if (spare > 0) set[this.words - 1] = 0xffffffff >>> spare;
    return set;
  }
  /**
   * The values of `set` at or above cut index j, and those below it. Like split(), consumes
   * `set`: the caller owns it and gives it up (one side reuses it).
   */
  splitAt(set: Uint32Array, j: number): [Uint32Array, Uint32Array] {
    if (set === EMPTY) return [EMPTY, EMPTY];
    const below = set.slice();
    const above = set;
    const w = j >>> 5;
    for (let i = 0; i < w; i++) above[i] = 0;
    for (let i = w + 1; i < this.words; i++) below[i] = 0;
    // The bits below j within word w (none when j starts the word).
    const low = (j & 31) === 0 ? 0 : 0xffffffff >>> (32 - (j & 31));
    const word = set[w] as number;
    above[w] = word & ~low;
    below[w] = word & low;
    return [above, below];
  }
  /**
   * The values of `set` that take the true and the false edge of `insn` (jeq, jgt or jge #k).
   * `set` is consumed (reused for one side: a jeq chain then allocates only its singletons);
   * EMPTY stands for any empty side and is never written.
   */
  split(insn: KnownInsn & { kind: 'jmp' }, set: Uint32Array): [Uint32Array, Uint32Array] {
    const k = insn.k;
    switch (insn.op) {
      case 'jeq': {
        const j = this.index(k);
        const w = j >>> 5;
        const bit = 1 << (j & 31);
        if (set === EMPTY || ((set[w] as number) & bit) === 0) return [EMPTY, set];
        const t = new Uint32Array(this.words);
        t[w] = bit;
        set[w] = (set[w] as number) & ~bit;
        return [t, set];
      }
      case 'jgt':
        return k === U32_MAX ? [EMPTY, set] : this.splitAt(set, this.index(k + 1));
      case 'jge':
        return this.splitAt(set, this.index(k));
      case 'jset':
        throw new Error('jset is not a region test');
      default:
        return assertNever(insn.op);
    }
  }
  /** The intervals of `set` as [lo, hi] pairs, in order, adjacent ones merged. */
  intervals(set: Uint32Array): [number, number][] {
    const out: [number, number][] = [];
    if (set === EMPTY) return out;
    const n = this.cuts.length;
    for (let j = 0; j < n; j++) {
      const word = set[j >>> 5] as number;
      // A region has up to ~2 x members cuts and exits: skip empty words whole.
      if (word === 0) {
        j |= 31;
        continue;
      }
      if (((word >>> (j & 31)) & 1) === 0) continue;
      const lo = this.cuts[j] as number;
      const hi = j + 1 < n ? (this.cuts[j + 1] as number) - 1 : U32_MAX;
      const last = out[out.length - 1];
      if (last !== undefined && last[1] + 1 === lo) last[1] = hi;
      else out.push([lo, hi]);
    }
    return out;
  }
}

/** The empty set, shared: never written (owned sets are; see Cuts.split). */
const EMPTY = new Uint32Array(0);

function isEmpty(set: Uint32Array): boolean {
  for (let i = 0; i < set.length; i++) if (set[i] !== 0) return false;
  return true;
}

/** The union of two owned sets (EMPTY or not), reusing the first unless it is EMPTY. */
function unite(into: Uint32Array, set: Uint32Array): Uint32Array {
  if (into === EMPTY) return set;
  for (let i = 0; i < set.length; i++) into[i] = (into[i] as number) | (set[i] as number);
  return into;
}

/** A min-heap of pcs (the region grows in pc order, which is topological). */
class PcHeap {
  private readonly xs: number[] = [];
  get size(): number {
    return this.xs.length;
  }
  push(x: number): void {
    const xs = this.xs;
    let i = xs.length;
    xs.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((xs[p] as number) <= x) break;
      xs[i] = xs[p] as number;
      i = p;
    }
    xs[i] = x;
  }
  pop(): number {
    const xs = this.xs;
    const top = xs[0] as number;
    const last = xs.pop() as number;
    const n = xs.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && (xs[c + 1] as number) < (xs[c] as number)) c++;
        if ((xs[c] as number) >= last) break;
        xs[i] = xs[c] as number;
        i = c;
      }
      xs[i] = last;
    }
    return top;
  }
}

/** A region found from a root: its members in pc order and the values of A each exit receives. */
interface Region {
  readonly members: number[];
  /** Exit pc to the values reaching it (undefined when `cuts` was not given). */
  readonly exits: Map<number, Uint32Array | undefined>;
}

/** How growRegion runs: which pcs are region tests, where members are marked. */
interface Grower {
  readonly insns: readonly KnownInsn[];
  readonly f: SwitchInput;
  readonly isRegionTest: (pc: number) => boolean;
  readonly stamp: Int32Array;
}

/**
 * Grows the region of tests on the same unknown A from `root`, in pc order (topological, so a
 * pc's predecessors are settled when it is reached). A successor joins when it is a region test
 * and all its predecessors are members: the region is entered only at its root. With `cuts`,
 * the values of A are propagated too (the root receives every u32). A member the region already
 * decides (an edge that carries no value: the last `jeq` of a libseccomp leaf) costs nothing
 * once absorbed; `strict` keeps such tests outside as exits instead, for when an exit would
 * otherwise receive no value at all (see findSwitches), and gives undefined when the root is
 * one. `mark` tags this growth's members in `stamp`.
 */
function growRegion(g: Grower, root: number, mark: number, cuts: Cuts | undefined, strict: boolean): Region | undefined {
  const { insns, f, isRegionTest, stamp } = g;
  const members: number[] = [];
  const exits = new Map<number, Uint32Array | undefined>();
  const incoming = new Map<number, Uint32Array | undefined>([[root, cuts?.full()]]);
  const heap = new PcHeap();
  heap.push(root);
  while (heap.size > 0) {
    const pc = heap.pop();
    const set = incoming.get(pc);
    incoming.delete(pc);
    let join = pc === root || (isRegionTest(pc) && (f.preds[pc] ?? []).every((p) => stamp[p] === mark));
    let edges: [Uint32Array, Uint32Array] | undefined;
    if (join && cuts !== undefined && set !== undefined) {
      edges = cuts.split(insns[pc] as KnownInsn & { kind: 'jmp' }, set);
      if (strict && (isEmpty(edges[0]) || isEmpty(edges[1]))) join = false;
    }
    if (!join) {
      if (pc === root) return undefined;
      // split() consumed the set: its two sides make it up again.
      exits.set(pc, edges === undefined ? set : unite(edges[0], edges[1]));
      continue;
    }
    stamp[pc] = mark;
    members.push(pc);
    const targets = f.succ[pc] as [number, number];
    for (let side = 0; side < 2; side++) {
      const target = targets[side] as number;
      const values = edges?.[side];
      if (!incoming.has(target)) {
        incoming.set(target, values);
        heap.push(target);
      } else if (values !== undefined) {
        incoming.set(target, unite(incoming.get(target) as Uint32Array, values));
      }
    }
  }
  return { members, exits };
}

/**
 * Turns a region's exit sets into a SwitchInfo: the exit whose values form the most intervals
 * (then the most keys, then the lowest pc) becomes the fallback, every other interval a range.
 * Returns undefined when the ranges would outnumber what the tests they replace are worth (the
 * exits partition the u32s at the members' 2 x members cut points, so this is a safety net).
 */
function regionSwitch(region: Region, cuts: Cuts): SwitchInfo | undefined {
  const pieces: KeyRange[] = [];
  let fallback = -1;
  let bestCount = -1;
  let bestKeys = -1;
  for (const [target, set] of region.exits) {
    const list = cuts.intervals(set as Uint32Array);
    if (list.length === 0) continue;
    let keys = 0;
    for (const [lo, hi] of list) {
      pieces.push({ lo, hi, target });
      keys += hi - lo + 1;
    }
    const count = list.length;
    if (count > bestCount || (count === bestCount && (keys > bestKeys || (keys === bestKeys && target < fallback)))) {
      fallback = target;
      bestCount = count;
      bestKeys = keys;
    }
  }
  pieces.sort((x, y) => x.lo - y.lo);
  // Every value of A takes exactly one path through the tests: the exits partition the u32s.
  let next = 0;
  for (const p of pieces) {
    if (p.lo !== next) throw new Error(`region at ${region.members[0]}: exit sets do not partition the u32 values`);
    next = p.hi + 1;
  }
  if (next !== U32_MAX + 1) throw new Error(`region at ${region.members[0]}: exit sets do not cover the u32 values`);
  const ranges: KeyRange[] = [];
  for (const p of pieces) {
    if (p.target === fallback) continue;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.target === p.target && last.hi + 1 === p.lo) ranges[ranges.length - 1] = { ...last, hi: p.hi };
    else ranges.push(p);
  }
  if (ranges.length > 4 * region.members.length + 4) return undefined;
  return { ranges, fallback, pcs: region.members };
}

/**
 * Whether an exit of `region` receives no value and is reached only from members: the
 * dispatch would never branch there, leaving a block without predecessors that the
 * structurer cannot place (its dominator computation needs every block reachable).
 */
function deadExit(region: Region, f: SwitchInput, stamp: Int32Array, mark: number): boolean {
  for (const [target, set] of region.exits) {
    if (isEmpty(set as Uint32Array) && (f.preds[target] ?? []).every((p) => stamp[p] === mark)) return true;
  }
  return false;
}

/**
 * Finds regions of tests on the same unknown A (`jeq`, `jgt`, `jge #k`) entered only at their
 * first test: libseccomp's linear `jeq` chains and the binary trees of `jgt`/`jge` that its
 * SCMP_FLTATR_CTL_OPTIMIZE=2 emits. Each becomes one dispatch over key ranges; regions of
 * fewer than `minSwitch` tests are left alone.
 */
function findSwitches(
  insns: readonly KnownInsn[],
  f: SwitchInput,
  minSwitch: number,
): { switches: Map<number, SwitchInfo>; absorbed: boolean[] } {
  const switches = new Map<number, SwitchInfo>();
  const absorbed = new Array<boolean>(insns.length).fill(false);
  // Members of regions too small to keep: a region grown from one of them is no bigger.
  const tried = new Array<boolean>(insns.length).fill(false);
  const isRegionTest = (pc: number): boolean => {
    const ins = insns[pc] as KnownInsn;
    return (
      f.isTest[pc] === true &&
      ins.kind === 'jmp' &&
      ins.op !== 'jset' &&
      ins.src === 'k' &&
      f.stateIn[pc]?.[SLOT_A] === UNKNOWN
    );
  };
  const g: Grower = { insns, f, isRegionTest, stamp: new Int32Array(insns.length) };
  for (let pc = 0; pc < insns.length; pc++) {
    if (absorbed[pc] || tried[pc] || !isRegionTest(pc)) continue;
    // The members alone first (the cheapest test of size), then the values with their cuts.
    const shape = growRegion(g, pc, 3 * pc + 1, undefined, false) as Region;
    if (shape.members.length < minSwitch) {
      for (const m of shape.members) tried[m] = true;
      continue;
    }
    const cuts = new Cuts(insns, shape.members);
    let region = growRegion(g, pc, 3 * pc + 2, cuts, false);
    // A strict region is a subset of the loose one: the same cuts tell its values apart.
    if (region !== undefined && deadExit(region, f, g.stamp, 3 * pc + 2)) region = growRegion(g, pc, 3 * pc + 3, cuts, true);
    if (region === undefined || region.members.length < minSwitch) continue;
    const sw = regionSwitch(region, cuts);
    if (sw === undefined) continue;
    for (const m of region.members.slice(1)) absorbed[m] = true;
    switches.set(pc, sw);
  }
  return { switches, absorbed };
}
