/**
 * If-conversion for small socket programs: every reachable instruction is evaluated on every
 * packet, and each jump becomes a 0/1 predicate instead of a branch. Random traffic makes
 * a filter's branches unpredictable (is it IPv4 or IPv6, TCP or UDP, port 80 or not), and a
 * mispredicted branch costs more than the few loads and compares a small program makes; a
 * straight line of them costs none. The kernel's JIT cannot do this (it translates
 * instruction by instruction); we can, because classic BPF has no loops and nothing a plain
 * load or an ALU operation does has a side effect.
 *
 * Values are SSA constants (`vN`), predicates are 0/1 integers (`pN`). Where paths join, each
 * register is selected by a sum `e1 * a1 + e2 * a2`: exactly one incoming edge is taken, so
 * the sum is the taken edge's value, exact in doubles for u32 values (every value here is a
 * finite u32: division and modulo are normalised with `>>> 0`, so 0 * value is always 0).
 * The result is the sum over `ret` instructions of their predicate times their value.
 *
 * Loads must never throw and never read outside the packet: the predicated code runs only when
 * the packet holds every absolute load (`len >= minLength`), and an indirect load reads at
 * offset 0 (inside the packet, as minLength >= 4) when its own offset is out of range; its
 * predicate then ends the path returning 0, as the kernel does. A negative indirect offset may
 * be a legal SKF_NET_OFF/SKF_LL_OFF load: that sets `esc`, and the packet runs the ordinary
 * (branching) code instead, which is exact for everything.
 */
import type * as ES from 'estree';
import {
  assertNever, isNegativeOffset, type KnownInsn, LOAD_SIZES, REG_A, REG_X, regM, regsRead, regsWritten, successors,
} from '@ea/bpf';
import { CodegenError, type Scope, bin, declare, toU32, u32, withComments, lineComment } from '@ea/codegen';
import { insnText } from './comment.js';
import { aluValue, indirectOffset, jumpTest, nibble, packetRead, plainLoadEnd } from './lower.js';

/** Most reachable instructions a program may have to be if-converted (all of them run on every packet). */
export const IF_CONVERT_LIMIT = 64;

/** Returns the reachable pcs in order. */
function reachable(insns: readonly KnownInsn[]): number[] {
  const seen = new Uint8Array(insns.length);
  seen[0] = 1;
  const out: number[] = [];
  for (let pc = 0; pc < insns.length; pc++) {
    if (seen[pc] === 0) continue;
    out.push(pc);
    for (const s of successors(insns[pc] as KnownInsn, pc)) seen[s] = 1;
  }
  return out;
}

/** Whether an instruction has a predicated form: everything but ancillary, negative absolute and EA loads. */
function convertible(ins: KnownInsn): boolean {
  switch (ins.kind) {
    case 'ld_abs':
    case 'ldx_msh':
      return !isNegativeOffset(ins.k);
    case 'ld_tailzero':
      return false;
    case 'ld_imm':
    case 'ld_ind':
    case 'ld_mem':
    case 'ld_len':
    case 'ldx_imm':
    case 'ldx_mem':
    case 'ldx_len':
    case 'st':
    case 'stx':
    case 'alu':
    case 'neg':
    case 'ja':
    case 'jmp':
    case 'ret_k':
    case 'ret_a':
    case 'tax':
    case 'txa':
      return true;
    default:
      return assertNever(ins);
  }
}

/**
 * Returns the packet length from which a socket program can run predicated (every absolute
 * load in range, and at least 4 bytes for the fallback read of an indirect load), or null when
 * it cannot (too long, an ancillary or negative absolute load, no conditional jump at all).
 */
export function ifConvertMinLength(insns: readonly KnownInsn[], limit = IF_CONVERT_LIMIT): number | null {
  const pcs = reachable(insns);
  if (pcs.length > limit) return null;
  let end = 4;
  let tests = 0;
  for (const pc of pcs) {
    const ins = insns[pc] as KnownInsn;
    if (!convertible(ins)) return null;
    if (ins.kind === 'jmp' && ins.jt !== ins.jf) tests++;
    end = Math.max(end, plainLoadEnd(ins));
  }
  return tests === 0 || end > 0xffff ? null : end;
}

/** Returns, per pc, which registers are live on entry (read later on some path before a write). */
function liveIn(insns: readonly KnownInsn[]): Int32Array {
  const live = new Int32Array(insns.length + 1);
  for (let pc = insns.length - 1; pc >= 0; pc--) {
    const ins = insns[pc] as KnownInsn;
    let out = 0;
    for (const s of successors(ins, pc)) out |= live[s] as number;
    live[pc] = (out & ~regsWritten(ins)) | regsRead(ins);
  }
  return live;
}

interface State {
  readonly A: ES.Expression;
  readonly X: ES.Expression;
  /** Scratch cells that some instruction reads; the others are not tracked. */
  readonly M: readonly ES.Expression[];
}

interface Edge {
  /** 0/1: whether this edge is the one taken. */
  readonly pred: ES.Expression;
  readonly state: State;
}

/** The names the predicated code needs from its surroundings. */
export interface IfConvertNames {
  readonly view: ES.Identifier;
  readonly base: ES.Identifier;
  readonly len: ES.Identifier;
  /** `ld #len`: the packet's wire length (u32). */
  readonly wire: () => ES.Identifier;
  readonly imul: () => ES.Identifier;
  /** libpcap profile: indirect offsets are X + k unwrapped (pcap_filter), so none escapes. */
  readonly libpcap?: boolean;
}

/** The straight-line code of a predicated program. */
export interface IfConverted {
  readonly stmts: ES.Statement[];
  /** The u32 the program returns (when `escape` is 0). */
  readonly result: ES.Expression;
  /**
   * 0/1: whether `result` is non-zero, as the OR of the predicates of the `ret #k` with k != 0
   * (exactly one `ret` predicate is 1); null when a `ret a` makes it depend on a value.
   */
  readonly nonZero: ES.Expression | null;
  /** 0/1: the packet needs the ordinary code (a negative indirect offset); null when it never does. */
  readonly escape: ES.Expression | null;
  /** Comments of the last instructions, which emitted no statement (the `ret`s). */
  readonly comments: ES.Comment[];
}

const ONE = u32(1);
const ZERO = u32(0);

/** Builds the predicated form of a program that ifConvertMinLength accepted. */
export function ifConvert(insns: readonly KnownInsn[], scope: Scope, names: IfConvertNames): IfConverted {
  const stmts: ES.Statement[] = [];
  let pending: ES.Comment[] = [];
  let counter = 0;
  const fresh = (value: ES.Expression): ES.Identifier => {
    const id = scope.id(scope.declare(`v${counter++}`));
    stmts.push(withComments(declare('const', [[id, value]]), pending));
    pending = [];
    return id;
  };
  const and = (p: ES.Expression, c: ES.Expression): ES.Expression => (p === ONE ? fresh(bin('|', c, ZERO)) : fresh(bin('&', p, c)));
  const read = new Set<number>();
  for (const ins of insns) if (ins.kind === 'ld_mem' || ins.kind === 'ldx_mem') read.add(ins.k & 15);
  const cells = [...read];

  const incoming: Edge[][] = insns.map(() => []);
  incoming[0]?.push({ pred: ONE, state: { A: ZERO, X: ZERO, M: cells.map(() => ZERO) } });
  const terms: ES.Expression[] = [];
  /** The predicates of the `ret #k` with k != 0; null once a `ret a` is reached. */
  let matches: ES.Expression[] | null = [];
  const escapes: ES.Expression[] = [];
  const live = liveIn(insns);

  /** One value where edges join: the taken edge's (a sum of predicate x value); 0 when dead. */
  const select = (edges: readonly Edge[], pick: (s: State) => ES.Expression, alive: boolean): ES.Expression => {
    if (!alive) return ZERO;
    const first = pick((edges[0] as Edge).state);
    if (edges.every((e) => pick(e.state) === first)) return first;
    const sum = edges.map((e) => bin('*', e.pred, pick(e.state))).reduce((a, b) => bin('+', a, b));
    return fresh(sum);
  };

  for (const pc of reachable(insns)) {
    const ins = insns[pc] as KnownInsn;
    const edges = incoming[pc] as Edge[];
    pending.push(lineComment(`${pc}: ${insnText(ins, pc)}`));
    if (edges.length === 0) continue; // reachable only through constant-folded paths: none here
    if (ins.kind === 'ret_k' && ins.k === 0) continue; // adds nothing to the result
    const pred = edges.length === 1 ? (edges[0] as Edge).pred : fresh(edges.map((e) => e.pred).reduce((a, b) => bin('|', a, b)));
    const here = live[pc] as number;
    let A = select(edges, (s) => s.A, (here & REG_A) !== 0);
    let X = select(edges, (s) => s.X, (here & REG_X) !== 0);
    const M = cells.map((k, i) => select(edges, (s) => s.M[i] as ES.Expression, (here & regM(k)) !== 0));
    const next = (p: ES.Expression): Edge => ({ pred: p, state: { A, X, M: [...M] } });
    const to = (target: number, p: ES.Expression): void => {
      (incoming[target] as Edge[]).push(next(p));
    };
    const cell = (k: number): number => cells.indexOf(k & 15);
    let cont = pred;
    switch (ins.kind) {
      case 'ld_imm':
        A = u32(ins.k, 'imm');
        break;
      case 'ldx_imm':
        X = u32(ins.k, 'imm');
        break;
      case 'ld_len':
        A = names.wire();
        break;
      case 'ldx_len':
        X = names.wire();
        break;
      case 'ld_mem':
        A = cell(ins.k) < 0 ? ZERO : (M[cell(ins.k)] as ES.Expression);
        break;
      case 'ldx_mem':
        X = cell(ins.k) < 0 ? ZERO : (M[cell(ins.k)] as ES.Expression);
        break;
      case 'st':
        if (cell(ins.k) >= 0) M[cell(ins.k)] = A;
        break;
      case 'stx':
        if (cell(ins.k) >= 0) M[cell(ins.k)] = X;
        break;
      case 'tax':
        X = A;
        break;
      case 'txa':
        A = X;
        break;
      case 'neg':
        A = fresh(toU32(bin('-', ZERO, A)));
        break;
      case 'alu': {
        const b = ins.src === 'k' ? u32(ins.k, 'imm') : X;
        if ((ins.op === 'div' || ins.op === 'mod') && ins.src === 'x') {
          // Division by X == 0 ends the program returning 0 (bpf_convert_filter's guard).
          cont = and(pred, bin('!==', X, ZERO));
        }
        A = fresh(aluValue(ins.op, A, b, names.imul, true));
        break;
      }
      case 'ld_abs':
        A = fresh(packetRead(names.view, names.base, ins.size, u32(ins.k, 'offset')));
        break;
      case 'ldx_msh': {
        X = fresh(nibble(packetRead(names.view, names.base, 'b', u32(ins.k, 'offset'))));
        break;
      }
      case 'ld_ind': {
        const size = LOAD_SIZES[ins.size].bytes;
        if (names.libpcap === true) {
          // pcap_filter's offset: X + k as a plain sum (never negative); past the end it returns 0.
          const t = fresh(bin('+', X, u32(ins.k, 'offset')));
          const ok = fresh(bin('|', bin('<=', t, bin('-', names.len, u32(size))), ZERO));
          A = fresh(packetRead(names.view, names.base, ins.size, bin('*', t, ok)));
          cont = and(pred, ok);
          break;
        }
        // The kernel's offset: X + k wrapped to 32 bits, read as signed.
        const t = fresh(indirectOffset(X, ins.k));
        const ok = fresh(bin('&', bin('>=', t, ZERO), bin('<=', t, bin('-', names.len, u32(size)))));
        escapes.push(fresh(bin('&', pred, bin('<', t, ZERO))));
        A = fresh(packetRead(names.view, names.base, ins.size, bin('*', t, ok)));
        cont = and(pred, ok);
        break;
      }
      case 'ret_k':
        if (ins.k !== 0) {
          terms.push(pred === ONE ? u32(ins.k, 'imm') : bin('*', pred, u32(ins.k, 'imm')));
          matches?.push(pred);
        }
        continue;
      case 'ret_a':
        terms.push(pred === ONE ? A : bin('*', pred, A));
        matches = null;
        continue;
      case 'ja':
        to(pc + 1 + ins.k, pred);
        continue;
      case 'jmp': {
        if (ins.jt === ins.jf) {
          to(pc + 1 + ins.jt, pred);
          continue;
        }
        const b = ins.src === 'k' ? u32(ins.k, 'imm') : X;
        const taken = and(pred, jumpTest(ins.op, A, b));
        const other = fresh(bin('^', pred, taken));
        to(pc + 1 + ins.jt, taken);
        to(pc + 1 + ins.jf, other);
        continue;
      }
      case 'ld_tailzero':
        throw new CodegenError(`instruction ${pc} has no predicated form`);
      default:
        return assertNever(ins);
    }
    to(pc + 1, cont);
  }
  const result = terms.length === 0 ? ZERO : terms.reduce((a, b) => bin('+', a, b));
  const esc = escapes.length === 0 ? null : escapes.reduce((a, b) => bin('|', a, b));
  const kept = withoutUnused(stmts, esc === null ? [result] : [result, esc], pending);
  const nonZero = matches === null ? null : matches.length === 0 ? ZERO : matches.reduce((a, b) => bin('|', a, b));
  return { stmts: kept.stmts, result, nonZero, escape: esc, comments: kept.comments };
}

/** Adds the names of the identifiers an expression reads (not property names) to `into`. */
function readNames(node: unknown, into: Set<string>): void {
  if (typeof node !== 'object' || node === null) return;
  const n = node as { type?: string; name?: string; computed?: boolean; object?: unknown; property?: unknown };
  if (n.type === 'Identifier') {
    into.add(n.name as string);
    return;
  }
  if (n.type === 'MemberExpression' && n.computed !== true) {
    readNames(n.object, into);
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'comments') continue;
    if (Array.isArray(value)) for (const v of value) readNames(v, into);
    else readNames(value, into);
  }
}

/**
 * Drops the constants nothing reads (the not-taken predicate of a test whose target adds
 * nothing, a value no later instruction uses), until none is left; their comments move to the
 * next statement kept, so every instruction's comment still appears once, in order.
 */
function withoutUnused(
  stmts: readonly ES.Statement[],
  roots: readonly ES.Expression[],
  trailing: readonly ES.Comment[],
): { stmts: ES.Statement[]; comments: ES.Comment[] } {
  // Every statement here is `const vN = <expression>;` (fresh() made it).
  const only = (st: ES.Statement): ES.VariableDeclarator => (st as ES.VariableDeclaration).declarations[0] as ES.VariableDeclarator;
  let live = [...stmts];
  for (;;) {
    const used = new Set<string>();
    for (const r of roots) readNames(r, used);
    for (const st of live) readNames(only(st).init, used);
    const next = live.filter((st) => used.has((only(st).id as ES.Identifier).name));
    if (next.length === live.length) break;
    live = next;
  }
  const keep = new Set(live);
  const out: ES.Statement[] = [];
  let carried: ES.Comment[] = [];
  for (const st of stmts) {
    const comments = (st as { comments?: ES.Comment[] }).comments ?? [];
    if (!keep.has(st)) {
      carried.push(...comments);
      continue;
    }
    if (carried.length > 0) {
      (st as { comments?: ES.Comment[] }).comments = [...carried, ...comments];
      carried = [];
    }
    out.push(st);
  }
  return { stmts: out, comments: [...carried, ...trailing] };
}
