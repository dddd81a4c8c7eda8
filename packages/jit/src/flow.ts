/**
 * Data-flow analysis of a verified program, done once before code generation: constant
 * propagation for A, X and M[] (forward, in pc order: classic BPF only jumps forward, so pc order
 * is a topological order and one pass is exact), jump folding and threading (an edge whose
 * constants decide the next test skips it), liveness (backward, one pass) to drop dead stores,
 * and (regions.ts) the regions of tests on A that become one dispatch. The instruction facts
 * (successors, registers read and written) are @ea/bpf's; the state is state.ts's.
 */
import { type AluOp, assertNever, type KnownInsn, REG_A, REG_X, regM, regsRead, regsWritten, successors } from '@ea/bpf';
import { type Profile, runsOnPackets } from '@ea/verifier';
import { foldAlu, foldJump } from './fold.js';
import { type Dispatch, findDispatches } from './regions.js';
import { SLOT_A, SLOT_M, SLOT_X, SLOTS, type State, UNKNOWN } from './state.js';

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
  /** Dispatches on A (regions.ts) keyed by their first test's pc; the other members are absorbed. */
  readonly dispatches: ReadonlyMap<number, Dispatch>;
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

/** Returns a copy of `s` with `slot` set to `value`. */
/** Whether a shift count is 32 or more (libpcap: the result is 0; the kernel: the count & 31). */
function isWideShift(op: AluOp, count: number): boolean {
  return (op === 'lsh' || op === 'rsh') && count !== UNKNOWN && count >= 32;
}

function set(s: State, slot: number, value: number): State {
  const o = s.slice();
  o[slot] = value;
  return o;
}

/**
 * Returns the state after `insn` runs in state `s` (the fall-through view). Jumps and returns
 * change nothing and share the state (states are never mutated once a later pc is being
 * processed, see meet()).
 */
function transfer(insn: KnownInsn, s: State, profile: Profile): State {
  switch (insn.kind) {
    case 'ja':
    case 'jmp':
    case 'ret_k':
    case 'ret_a':
      return s;
    case 'ld_imm':
      return set(s, SLOT_A, insn.k);
    case 'ldx_imm':
      return set(s, SLOT_X, insn.k);
    case 'ld_mem':
      return set(s, SLOT_A, s[SLOT_M + insn.k] ?? UNKNOWN);
    case 'ldx_mem':
      return set(s, SLOT_X, s[SLOT_M + insn.k] ?? UNKNOWN);
    case 'st':
      return set(s, SLOT_M + insn.k, s[SLOT_A] ?? UNKNOWN);
    case 'stx':
      return set(s, SLOT_M + insn.k, s[SLOT_X] ?? UNKNOWN);
    // seccomp_data and the EA image are 64 bytes to a filter's `len`; a packet's length is its own.
    case 'ld_len':
      return set(s, SLOT_A, runsOnPackets(profile) ? UNKNOWN : 64);
    case 'ldx_len':
      return set(s, SLOT_X, runsOnPackets(profile) ? UNKNOWN : 64);
    case 'ld_abs':
    case 'ld_ind':
    case 'ld_tailzero':
      return set(s, SLOT_A, UNKNOWN);
    case 'ldx_msh':
      return set(s, SLOT_X, UNKNOWN);
    case 'alu': {
      const a = s[SLOT_A] ?? UNKNOWN;
      const b = operand(insn, s);
      const r = a === UNKNOWN || b === UNKNOWN ? UNKNOWN : foldAlu(insn.op, a, b);
      // A few identities hold whatever A is; libpcap's pcap_filter shifts by 32 or more to 0.
      const identity = (b === 0 && (insn.op === 'and' || insn.op === 'mul')) || (profile === 'libpcap' && isWideShift(insn.op, b));
      return set(s, SLOT_A, identity ? 0 : r === 'div0' ? UNKNOWN : r);
    }
    case 'neg': {
      const a = s[SLOT_A] ?? UNKNOWN;
      return set(s, SLOT_A, a === UNKNOWN ? UNKNOWN : (0 - a) >>> 0);
    }
    case 'tax':
      return set(s, SLOT_X, s[SLOT_A] ?? UNKNOWN);
    case 'txa':
      return set(s, SLOT_A, s[SLOT_X] ?? UNKNOWN);
    default:
      return assertNever(insn);
  }
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

/** Whether two states differ in any slot. */
function differs(a: State, b: State): boolean {
  for (let i = 0; i < SLOTS; i++) if (a[i] !== b[i]) return true;
  return false;
}

/** Joins `s` into `into` (which the caller owns): slots that disagree become UNKNOWN. */
function meet(into: number[], s: State): void {
  for (let i = 0; i < SLOTS; i++) if (into[i] !== s[i]) into[i] = UNKNOWN;
}

const NO_PREDS: readonly number[] = Object.freeze([]);

/** Most rounds of folding and threading (see analyse); programs seen in practice settle in 2 or 3. */
const MAX_ROUNDS = 16;

/** Analyses a verified program; see the module comment. */
export function analyse(insns: readonly KnownInsn[], opts: FlowOptions): Flow {
  const n = insns.length;
  const succ: number[][] = insns.map((ins, pc) => successors(ins, pc));
  const isTest = insns.map((ins) => ins.kind === 'jmp');
  const div0 = new Array<boolean>(n).fill(false);
  let stateIn: (number[] | undefined)[] = [];
  const owned = new Uint8Array(n);
  let stateOut: (State | undefined)[] = [];

  // Identical returns: a jump to any `ret #k` may go to the last one (a return has no
  // successors, so which pc returns k does not matter, and the last one is at or after every
  // jump to one of them, so edges stay forward). libseccomp-shaped allow-lists repeat
  // `ret ALLOW` after every test: merged, a dispatch has one target per action instead of one
  // per test, and fits a byte table (dispatch.ts) instead of a search over every key.
  const lastRet = new Map<number, number>();
  for (let pc = 0; pc < n; pc++) {
    const ins = insns[pc] as KnownInsn;
    if (ins.kind === 'ret_k') lastRet.set(ins.k, pc);
  }
  const canonical = (t: number): number => {
    const ins = insns[t] as KnownInsn;
    return ins.kind === 'ret_k' ? (lastRet.get(ins.k) as number) : t;
  };
  for (let pc = 0; pc < n; pc++) {
    const kind = (insns[pc] as KnownInsn).kind;
    if (kind !== 'jmp' && kind !== 'ja') continue;
    const targets = succ[pc] as number[];
    for (let slot = 0; slot < targets.length; slot++) targets[slot] = canonical(targets[slot] as number);
    if (isTest[pc] && targets[0] === targets[1]) {
      succ[pc] = [targets[0] as number];
      isTest[pc] = false;
    }
  }

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

  // Rounds: each computes the constants over the current graph, then folds tests and threads
  // edges with them. One change can enable another (a folded test no longer mixes its
  // constants into a join further on), so rounds repeat until nothing changes. Every change is
  // monotone (a test folds once, an edge's target only moves forward), so this ends, but a
  // contrived program could need a round per test: MAX_ROUNDS bounds compile time, leaving
  // what is left unfolded (folding only makes code smaller, never changes what it computes).
  // The last round only computes, so the states always describe the final graph.
  for (let round = 0; ; round++) {
    stateIn = new Array(n).fill(undefined);
    stateOut = new Array(n).fill(undefined);
    stateIn[0] = [0, 0, ...new Array<number>(16).fill(UNKNOWN)];
    owned.fill(0);
    owned[0] = 1;
    for (let pc = 0; pc < n; pc++) {
      const s = stateIn[pc];
      if (s === undefined) continue;
      const out = transfer(insns[pc] as KnownInsn, s, opts.profile);
      stateOut[pc] = out;
      const targets = succ[pc] as number[];
      for (let slot = 0; slot < targets.length; slot++) {
        const t = targets[slot] as number;
        const e = edgeState(pc, out, slot);
        // States are shared until a join changes one (copy on write): a long chain of tests
        // passes the same state down its false edges. A refined edge state is a new array
        // nobody else holds: the target may own it.
        const into = stateIn[t];
        if (into === undefined) {
          stateIn[t] = e as number[];
          owned[t] = e !== out ? 1 : 0;
        } else if (differs(into, e)) {
          const own = owned[t] === 1 ? into : into.slice();
          meet(own, e);
          stateIn[t] = own;
          owned[t] = 1;
        }
      }
    }
    if (round === MAX_ROUNDS) break;
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
      const jumps = ins.kind === 'jmp' || ins.kind === 'ja';
      for (let slot = 0; slot < targets.length; slot++) {
        const t = targets[slot] as number;
        const followed = follow(t, edgeState(pc, out, slot));
        // Only jumps: a fall-through into a return stays inline.
        const t2 = jumps ? canonical(followed) : followed;
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
  const { dispatches, absorbed } = findDispatches(insns, { stateIn, succ, isTest, preds: predList }, opts.minSwitch);
  const need = packetNeed(insns, { stateIn, succ, div0 }, opts);
  return { insns, stateIn, stateOut, succ, preds: predList, isTest, div0, dead, dispatches, absorbed, need };
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

interface LiveInput {
  stateIn: readonly (State | undefined)[];
  stateOut: readonly (State | undefined)[];
  succ: readonly (readonly number[])[];
  div0: readonly boolean[];
}

/** Returns the registers (REG_A, REG_X, regM(k)) whose value in `s` is not a known constant. */
function unknownRegs(s: State): number {
  let regs = (s[SLOT_A] === UNKNOWN ? REG_A : 0) | (s[SLOT_X] === UNKNOWN ? REG_X : 0);
  for (let k = 0; k < 16; k++) if (s[SLOT_M + k] === UNKNOWN) regs |= regM(k);
  return regs;
}

/**
 * Returns whether an instruction is pure in emitted code: no exit, no call that reads the
 * context, so it may be dropped when nothing reads what it writes. A division or modulo by an
 * unknown X may end the program; loads that are not `pureAbsLoad` (FlowOptions) may fail.
 */
function isPure(ins: KnownInsn, s: State, opts: FlowOptions): boolean {
  switch (ins.kind) {
    case 'alu':
      return !((ins.op === 'div' || ins.op === 'mod') && ins.src === 'x' && s[SLOT_X] === UNKNOWN);
    case 'ld_abs':
      return opts.pureAbsLoad(ins);
    case 'ld_ind':
    case 'ldx_msh':
    case 'ja':
    case 'jmp':
    case 'ret_k':
    case 'ret_a':
      return false;
    case 'ld_imm':
    case 'ld_len':
    case 'ld_mem':
    case 'ld_tailzero':
    case 'ldx_imm':
    case 'ldx_len':
    case 'ldx_mem':
    case 'st':
    case 'stx':
    case 'neg':
    case 'tax':
    case 'txa':
      return true;
    default:
      return assertNever(ins);
  }
}

/**
 * Backward liveness over A, X and M[] (the registers of @ea/bpf's regsRead/regsWritten);
 * returns which pure instructions define only dead values. Operands constant propagation
 * turns into literals are not uses, nor is anything read by a pure instruction whose result is
 * known (it is emitted as a literal) or by a test that was folded away.
 */
function liveness(insns: readonly KnownInsn[], f: LiveInput, opts: FlowOptions): boolean[] {
  const n = insns.length;
  const liveIn = new Array<number>(n).fill(0);
  const dead = new Array<boolean>(n).fill(false);
  for (let pc = n - 1; pc >= 0; pc--) {
    const s = f.stateIn[pc];
    const o = f.stateOut[pc];
    if (s === undefined || o === undefined) continue;
    const succ = f.succ[pc] as readonly number[];
    let out = 0;
    for (const t of succ) out |= liveIn[t] as number;
    if (f.div0[pc]) {
      liveIn[pc] = 0;
      continue;
    }
    const ins = insns[pc] as KnownInsn;
    const defs = regsWritten(ins);
    const pure = isPure(ins, s, opts);
    const folded = (pure && defs !== 0 && (defs & unknownRegs(o)) === 0) || (ins.kind === 'jmp' && succ.length !== 2);
    const uses = folded ? 0 : regsRead(ins) & unknownRegs(s);
    if (pure && (defs & out) === 0) {
      dead[pc] = true;
      liveIn[pc] = out;
    } else {
      liveIn[pc] = (out & ~defs) | uses;
    }
  }
  return dead;
}
