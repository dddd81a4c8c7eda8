/**
 * What the JIT knows about registers before each instruction of one generated function: a forward
 * analysis over the int32-pair registers, so the emitter can fold what is decided at compile time
 * (a high half known to be 0 after `ldxb`, `be16`, a 32-bit result or an `and` with a small
 * immediate; the context tag of an untouched r1; a context length already compared with a
 * constant). V8 folds some of this by itself, not all: a carry out of a low half it cannot bound,
 * a tag that became a phi, a bounds check it cannot prove.
 *
 * Soundness rules, in the spirit of the kernel verifier's scalar tracking (kernel/bpf/verifier.c,
 * `struct bpf_reg_state`'s tnum and u32 bounds), kept much smaller:
 * - A value is a known high half (or none) and unsigned bounds of the low half. Anything not
 *   derived below is forgotten (`TOP`); forgetting is always sound.
 * - At a join (a jump target) the states of all predecessors meet. A function with a backward jump
 *   (a loop) starts every jump target from TOP, so no fact crosses a back edge.
 * - A call (helper or local) forgets r0-r5; the callee's own facts are its own.
 * - `cl` marks a register that still holds the context length (r2 at the entry); a conditional jump
 *   that compares it with a constant gives a lower bound of the length on one edge (`clMin`).
 */
import { type Insn, REGION_CTX, REGION_STACK, STACK_BYTES } from '@ea/ebpf';

/** Describes what is known of one register: its high half (null: unknown), bounds of its low half read unsigned, and whether it is the context length. */
export interface Known {
  readonly hi: number | null;
  readonly min: number;
  readonly max: number;
  readonly cl: boolean;
}

/** Describes what is known before one instruction: r0-r10 and a lower bound of the context's length. */
export interface KnownState {
  readonly regs: readonly Known[];
  readonly clMin: number;
}

const U32_MAX = 0xffffffff;
/** Marks a register of which nothing is known. */
export const TOP: Known = { hi: null, min: 0, max: U32_MAX, cl: false };
const zx = (min: number, max: number): Known => ({ hi: 0, min, max, cl: false });
const exact = (lo: number, hi: number): Known => ({ hi: hi | 0, min: lo >>> 0, max: lo >>> 0, cl: false });

/** Returns whether a register's value is one known 64-bit constant. */
export const isExact = (k: Known): boolean => k.hi !== null && k.min === k.max;

/** Returns the state at the program's entry: r1 = the context (tag, offset 0), r2 = its length (< 2^31), r10 = the frame, the rest 0. */
export function entryState(): KnownState {
  const regs = Array.from({ length: 11 }, (): Known => exact(0, 0));
  regs[1] = exact(0, REGION_CTX);
  regs[2] = { hi: 0, min: 0, max: 0x7fffffff, cl: true };
  regs[10] = exact(STACK_BYTES, REGION_STACK);
  return { regs, clMin: 0 };
}

/** Returns the state at a local call's target: nothing known but r10's tag. */
export function calleeState(): KnownState {
  const regs = Array.from({ length: 11 }, (): Known => TOP);
  regs[10] = { hi: REGION_STACK, min: 0, max: STACK_BYTES, cl: false };
  return { regs, clMin: 0 };
}

const topState = (): KnownState => calleeState();

function meetKnown(a: Known, b: Known): Known {
  return { hi: a.hi === b.hi ? a.hi : null, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), cl: a.cl && b.cl };
}

/** Meets two states (a join point): what both know. */
export function meet(a: KnownState, b: KnownState): KnownState {
  return { regs: a.regs.map((k, r) => meetKnown(k, b.regs[r]!)), clMin: Math.min(a.clMin, b.clMin) };
}

const operand = (s: KnownState, src: { reg: number } | { imm: number }): Known => ('reg' in src ? s.regs[src.reg]! : exact(src.imm, src.imm < 0 ? -1 : 0));

/** Returns what a 32-bit ALU result's low half is known to be (its high half is 0). */
function alu32(op: string, a: Known, b: Known, src: { reg: number } | { imm: number }): Known {
  switch (op) {
    case 'mov':
      return zx(b.min, b.max);
    case 'and':
      return zx(0, Math.min(a.max, b.max));
    case 'rsh':
      return 'imm' in src ? zx(a.min >>> (src.imm & 31), a.max >>> (src.imm & 31)) : zx(0, U32_MAX);
    default:
      return zx(0, U32_MAX);
  }
}

/** Returns what a 64-bit ALU result is known to be. */
function alu64(op: string, a: Known, b: Known, src: { reg: number } | { imm: number }): Known {
  const his = a.hi !== null && b.hi !== null;
  switch (op) {
    case 'mov':
      return b;
    case 'and': {
      const hi = his ? a.hi! & b.hi! : a.hi === 0 || b.hi === 0 ? 0 : null;
      return { hi, min: 0, max: Math.min(a.max, b.max), cl: false };
    }
    case 'or':
    case 'xor':
      if (isExact(a) && isExact(b)) return op === 'or' ? exact(a.min | b.min, a.hi! | b.hi!) : exact(a.min ^ b.min, a.hi! ^ b.hi!);
      return { hi: his ? (op === 'or' ? a.hi! | b.hi! : a.hi! ^ b.hi!) : null, min: 0, max: U32_MAX, cl: false };
    case 'add':
      // No carry out of the low half when the bounds say so.
      if (his && a.max + b.max <= U32_MAX) return { hi: (a.hi! + b.hi!) | 0, min: a.min + b.min, max: a.max + b.max, cl: false };
      return TOP;
    case 'sub':
      // No borrow when the smallest minuend is at least the largest subtrahend.
      if (his && a.min >= b.max) return { hi: (a.hi! - b.hi!) | 0, min: a.min - b.max, max: a.max - b.min, cl: false };
      return TOP;
    case 'lsh': {
      if (!('imm' in src)) return TOP;
      const k = src.imm & 63;
      if (k === 0) return { ...a, cl: false };
      if (a.hi === 0 && k < 32 && a.max * 2 ** k <= U32_MAX) return zx(a.min * 2 ** k, a.max * 2 ** k);
      return TOP;
    }
    case 'rsh':
    case 'arsh': {
      if (!('imm' in src)) return TOP;
      const k = src.imm & 63;
      if (k === 0) return { ...a, cl: false };
      if (a.hi === 0) return k < 32 ? zx(a.min >>> k, a.max >>> k) : exact(0, 0);
      if (op === 'rsh' && k >= 32) return a.hi === null ? zx(0, U32_MAX >>> (k - 32)) : exact(a.hi >>> (k - 32), 0);
      return TOP;
    }
    default:
      return TOP;
  }
}

/** Returns the register a load, ALU or byte-order instruction writes and what it then holds; null for other instructions. */
function written(insn: Insn, s: KnownState): [number, Known] | null {
  switch (insn.kind) {
    case 'alu': {
      const a = s.regs[insn.dst]!;
      const b = operand(s, insn.src);
      return [insn.dst, insn.width === 32 ? alu32(insn.op, a, b, insn.src) : alu64(insn.op, a, b, insn.src)];
    }
    case 'neg':
    case 'movsx':
      return [insn.dst, insn.width === 32 ? zx(0, U32_MAX) : TOP];
    case 'end': {
      const a = s.regs[insn.dst]!;
      if (insn.bits === 64) return [insn.dst, insn.order === 'le' ? { ...a, cl: false } : TOP];
      if (insn.order === 'le') return [insn.dst, insn.bits === 16 ? zx(0, Math.min(a.max, 0xffff)) : zx(a.min, a.max)];
      return [insn.dst, zx(0, insn.bits === 16 ? 0xffff : U32_MAX)];
    }
    case 'ldx':
      if (insn.signed || insn.size === 'dw') return [insn.dst, TOP];
      return [insn.dst, zx(0, insn.size === 'b' ? 0xff : insn.size === 'h' ? 0xffff : U32_MAX)];
    case 'lddw':
      // A map value's tag depends on the run's regions: left unknown.
      return [insn.dst, insn.pseudo === 0 ? exact(insn.lo, insn.hi) : TOP];
    case 'ldabs':
    case 'ldind':
      return [0, zx(0, insn.size === 'b' ? 0xff : insn.size === 'h' ? 0xffff : U32_MAX)];
    case 'atomic': {
      const into = insn.op === 'cmpxchg' ? 0 : insn.fetch ? insn.src : null;
      return into === null ? null : [into, insn.size === 'dw' ? TOP : zx(0, U32_MAX)];
    }
    default:
      return null;
  }
}

/** Returns the state after a non-jumping instruction. */
export function step(insn: Insn, s: KnownState): KnownState {
  if (insn.kind === 'call' || insn.kind === 'callx' || insn.kind === 'call_local') {
    return { regs: s.regs.map((k, r) => (r <= 5 ? TOP : k)), clMin: s.clMin };
  }
  const w = written(insn, s);
  if (w === null) return s;
  const regs = [...s.regs];
  regs[w[0]] = w[1];
  return { regs, clMin: s.clMin };
}

/**
 * Returns the states on a conditional jump's two edges. Only an unsigned comparison of the
 * context length with a constant teaches anything: a lower bound of the length on one edge.
 */
function branch(insn: Extract<Insn, { kind: 'jmp' }>, s: KnownState): { taken: KnownState; fall: KnownState } {
  const d = s.regs[insn.dst]!;
  if (!d.cl || !('imm' in insn.src) || (insn.width === 64 && insn.src.imm < 0)) return { taken: s, fall: s };
  const k = insn.src.imm >>> 0;
  const atLeast = (n: number): KnownState => ({ regs: s.regs, clMin: Math.max(s.clMin, n) });
  switch (insn.op) {
    case 'jlt':
      return { taken: s, fall: atLeast(k) };
    case 'jle':
      return { taken: s, fall: atLeast(k + 1) };
    case 'jgt':
      return { taken: atLeast(k + 1), fall: s };
    case 'jge':
      return { taken: atLeast(k), fall: s };
    default:
      return { taken: s, fall: s };
  }
}

/**
 * Returns the state before each instruction of a function (its pcs, ascending; its jump targets;
 * whether it jumps backward), starting from `initial` at `entry`.
 */
export function analyse(insns: readonly (Insn | undefined)[], entry: number, pcs: readonly number[], targets: ReadonlySet<number>, backward: boolean, initial: KnownState): Map<number, KnownState> {
  const before = new Map<number, KnownState>();
  const incoming = new Map<number, KnownState>();
  const arrive = (pc: number, s: KnownState): void => {
    const seen = incoming.get(pc);
    incoming.set(pc, seen === undefined ? s : meet(seen, s));
  };
  arrive(entry, initial);
  for (const pc of pcs) {
    // In a loop every jump target may be reached by a back edge not yet seen: start it from nothing.
    const s = backward && targets.has(pc) ? topState() : incoming.get(pc);
    if (s === undefined) continue; // reached only by a path the analysis has not followed (cannot happen forward-only)
    before.set(pc, s);
    const insn = insns[pc]!;
    const next = pc + (insn.kind === 'lddw' ? 2 : 1);
    if (insn.kind === 'exit') continue;
    if (insn.kind === 'ja') {
      arrive(pc + 1 + insn.off, s);
      continue;
    }
    if (insn.kind === 'jmp') {
      const { taken, fall } = branch(insn, s);
      arrive(pc + 1 + insn.off, taken);
      arrive(next, fall);
      continue;
    }
    arrive(next, step(insn, s));
  }
  return before;
}
