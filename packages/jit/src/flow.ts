/**
 * Data-flow analysis of a verified program, done once before code generation: constant
 * propagation for A, X and M[] (forward, in pc order: classic BPF only jumps forward, so pc order
 * is a topological order and one pass is exact), jump folding and threading (an edge whose
 * constants decide the next test skips it), liveness (backward, one pass) to drop dead stores,
 * and (dispatch.ts) the regions of tests on A that become one dispatch.
 */
import type { KnownInsn } from '@ea/bpf';
import { findSwitches, type SwitchInfo } from './dispatch.js';
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
  /** Fewest tests on A a region needs to become one dispatch. */
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

export type { KeyRange, SwitchInfo } from './dispatch.js';
export { caseRanges } from './dispatch.js';
