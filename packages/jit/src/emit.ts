/**
 * One instruction to ESTree, per profile. The structurer (structure.ts) decides where code goes;
 * this module decides what each instruction becomes: constants from the flow analysis are
 * printed as literals, dead pure instructions leave only their comment, and packet loads of a
 * straight-line stretch share one bounds check for the largest offset the stretch reads.
 */
import type * as ES from 'estree';
import {
  ancillaryField, assertNever, type KnownInsn, LOAD_SIZES, SKF_AD_ALU_XOR_X, SKF_AD_HATYPE, SKF_AD_IFINDEX,
} from '@ea/bpf';
import { type Profile, runsOnPackets } from '@ea/verifier';
import {
  CodegenError, type Scope, assign, bin, bool, brk, call, exprStmt, ifElse, lineComment, logical, ret, toU32, u32, withComments,
} from '@ea/codegen';
import { computed, member } from './access.js';
import { insnText } from './comment.js';
import type { Flow } from './flow.js';
import { aluValue, indirectOffset, isPlainPacketLoad, jumpTest, nibble, packetRead, plainLoadEnd } from './lower.js';
import { isKnown, SLOT_A, SLOT_X, UNKNOWN } from './state.js';
import type { Slots } from './dispatch.js';
import type { BlockEmitter } from './structure.js';

/** How packet and image loads are emitted. */
export interface LoadPlan {
  readonly profile: Profile;
  /** seccomp/EA byte order. */
  readonly little: boolean;
  /**
   * seccomp/EA: true when the function starts with `len >= maxLoadEnd` checked, so absolute
   * loads read the view directly; false for the variant that runs on short views, where every
   * load goes through `loadImageWord` (bytes past the end read as zero).
   */
  readonly guarded: boolean;
  /**
   * socket: the body runs inside runBatch's loop (generate.ts) instead of as `run`: an exit
   * stores the result in R and leaves the packet's block, `ld #len` reads the loop's `wire`,
   * and the rare paths that read the context first point it at the current packet.
   */
  readonly batch: boolean;
  /**
   * runBatch's loop for a call without results: an exit only adds one to `matched` when its
   * value is not zero (`break packet` alone when it is 0), without storing it in R for `out[i]`.
   */
  readonly counting?: boolean;
  /**
   * seccomp/EA: the body is one filter's block inside a compiled chain (chain.ts): an exit stores
   * the result in R and leaves the block labelled `filter`.
   */
  readonly chained?: boolean;
  /**
   * Prefix of this function's dispatch tables (t0, t1, ...): functions of one module differ, and
   * so do the filters of one chain (`t0_0`, `t1_0`, ...).
   */
  readonly tablePrefix: 't' | 'u' | 'w' | 'c' | `t${number}_`;
}

/** Returns whether a socket instruction can end the program with A (ifindex/hatype, no device). */
export function mayExitNonZero(ins: KnownInsn): boolean {
  const anc = ancillaryField(ins);
  return anc === SKF_AD_IFINDEX || anc === SKF_AD_HATYPE;
}

/** Names every generated function may use, declared in `scope` by the caller. */
export const LOCALS = ['A', 'X', 'T', 'len', 'base', 'view', 'input'] as const;
/** The extra names of runBatch: its parameters, the loop's locals and the packet's label. */
export const BATCH_LOCALS = ['offsets', 'lengths', 'wires', 'count', 'out', 'batch', 'total', 'matched', 'i', 'wire', 'R', 'packet'] as const;
/** Names of the runtime helpers generated code may call (factory parameters or module imports). */
export const HELPERS = [
  'imul', 'slow', 'checkView', 'packetLength', 'loadPacket', 'ancillary', 'loadImageWord', 'loadImageIndirect', 'tailZero', 'moveContext', 'badPacket',
] as const;

/** The per-instruction code generator the structurer calls. */
export class InsnEmitter implements BlockEmitter {
  /** Names the emitted code referred to (so only those are declared or imported). */
  readonly used = new Set<string>();
  /** Scratch cells the emitted code touches, declared as locals M0..M15. */
  readonly cells = new Set<number>();
  /** Dispatch tables, in order: the function takes them as `<prefix>0`, `<prefix>1`, .... */
  readonly tables: { readonly name: string; readonly slots: Slots }[] = [];
  /** The packet length proved by the checks that dominate the current instruction. */
  private bound = 0;

  constructor(
    private readonly flow: Flow,
    private readonly scope: Scope,
    private readonly plan: LoadPlan,
  ) {}

  /** Returns an identifier and records that the code uses it. */
  id(name: string): ES.Identifier {
    this.used.add(name);
    return this.scope.id(name);
  }

  private cell(k: number): ES.Identifier {
    this.cells.add(k);
    return this.scope.id(`M${k}`);
  }

  /** The value of A (or X) before `pc`: a literal when constant propagation knows it. */
  private reg(pc: number, slot: number): ES.Expression {
    const v = this.flow.stateIn[pc]?.[slot];
    return isKnown(v) ? u32(v, 'imm') : this.id(slot === SLOT_A ? 'A' : 'X');
  }

  private operand(pc: number, ins: KnownInsn & { src: 'k' | 'x' }): ES.Expression {
    return ins.src === 'k' ? u32(ins.k, 'imm') : this.reg(pc, SLOT_X);
  }

  /**
   * Ends the program returning `value`: `return value;`, in runBatch `{ R = value; matched =
   * matched + 1 | 0; break packet; }` (no count for 0; counting: no R), in a chain
   * `{ R = value; break filter; }`. `nonZero`, when given, is a 0/1 number that is 1
   * exactly when `value` is not 0 (the branch-free form's OR of predicates), for counting.
   */
  exit(value: ES.Expression, nonZero?: ES.Expression): ES.Statement[] {
    if (this.plan.chained === true) return [assign(this.id('R'), value), brk(this.id('filter'))];
    if (!this.plan.batch) return [ret(value)];
    const done = brk(this.id('packet'));
    const matched = this.id('matched');
    // The loop storing results keeps R for `out[i]`; both count here, where a constant's count is known.
    const store = this.plan.counting === true ? [] : [assign(this.id('R'), value)];
    if (value.type === 'Literal') return value.value === 0 ? [...store, done] : [...store, assign(matched, bin('|', bin('+', matched, u32(1)), u32(0))), done];
    // A computed value (`ret a`, the branch-free form's result): counted without a branch. A
    // boolean added to a number costs V8 a conversion; the predicates are numbers already
    // ('ip': 3.08 -> 2.72 ns/packet).
    return [...store, assign(matched, bin('|', bin('+', matched, nonZero ?? bin('!==', value, u32(0))), u32(0))), done];
  }

  /** runBatch: before a helper reads the context, point it at the current packet. */
  private syncContext(): ES.Statement[] {
    if (!this.plan.batch) return [];
    const args = [this.id('input'), this.id('batch'), this.id('i'), this.id('base'), this.id('len')];
    return [exprStmt(call(this.id('moveContext'), args))];
  }

  /** Returns the comment that names the instruction at `pc`. */
  comments(pc: number): ES.Comment[] {
    return [this.comment(pc)];
  }

  private comment(pc: number): ES.Comment {
    return lineComment(`${pc}: ${insnText(this.flow.insns[pc] as KnownInsn, pc)}`);
  }

  /** Emits a straight-line stretch, hoisting one packet bounds check per stretch. */
  body(pcs: readonly number[], entryBound: number): { stmts: ES.Statement[]; leftover: ES.Comment[]; exitBound: number } {
    const stmts: ES.Statement[] = [];
    let pending: ES.Comment[] = [];
    let checkpoint = true;
    this.bound = entryBound;
    for (const pc of pcs) {
      const ins = this.flow.insns[pc] as KnownInsn;
      pending.push(this.comment(pc));
      const out: ES.Statement[] = [];
      if (runsOnPackets(this.plan.profile) && checkpoint) {
        // Every run from here on a packet shorter than `need` returns 0 (Flow.need), so one
        // test covers every plain load this point dominates. When every path returns 0
        // anyway (need is infinite) the test only has to cover this stretch's own loads.
        const need = this.flow.need[pc] ?? 0;
        const end = Number.isFinite(need) ? need : this.stretchEnd(pcs, pc);
        if (end > this.bound) {
          out.push(ifElse(bin('<', this.id('len'), u32(end, 'offset')), [...this.exit(u32(0))]));
          this.bound = end;
        }
      }
      checkpoint = mayExitNonZero(ins);
      out.push(...this.insn(pc));
      for (const st of out) {
        stmts.push(withComments(st, pending));
        pending = [];
      }
    }
    return { stmts, leftover: pending, exitBound: this.bound };
  }

  /** One past the farthest plain load from `from` to the end of its stretch in `pcs`. */
  private stretchEnd(pcs: readonly number[], from: number): number {
    let end = 0;
    for (const pc of pcs.slice(pcs.indexOf(from))) {
      const ins = this.flow.insns[pc] as KnownInsn;
      end = Math.max(end, plainLoadEnd(ins));
      if (mayExitNonZero(ins)) break;
    }
    return end;
  }

  /** Returns the condition of the conditional jump at `pc`. */
  test(pc: number): ES.Expression {
    const ins = this.flow.insns[pc] as KnownInsn;
    if (ins.kind !== 'jmp') throw new Error(`no test at ${pc}`);
    return jumpTest(ins.op, this.reg(pc, SLOT_A), this.operand(pc, ins));
  }

  /** Returns a test that A lies in [lo, hi], given that A >= `known` already holds. */
  keyIn(lo: number, hi: number, known: number): ES.Expression {
    if (lo === hi && lo > known) return bin('===', this.id('A'), u32(lo, 'imm'));
    const upper = bin('<=', this.id('A'), u32(hi, 'imm'));
    return lo <= known ? upper : logical('&&', bin('>=', this.id('A'), u32(lo, 'imm')), upper);
  }

  /** Registers a dispatch table and returns `tN[A]` (the caller tests A < its length first). */
  tableLookup(slots: Slots): ES.Expression {
    const name = this.scope.declare(`${this.plan.tablePrefix}${this.tables.length}`);
    this.tables.push({ name, slots });
    return computed(this.scope.id(name), this.id('A'));
  }

  /** Returns a test that A is below `key`. */
  keyBelow(key: number): ES.Expression {
    return bin('<', this.id('A'), u32(key, 'imm'));
  }

  /** The statements of one instruction (none for jumps and dead instructions). */
  private insn(pc: number): ES.Statement[] {
    const f = this.flow;
    const ins = f.insns[pc] as KnownInsn;
    if (f.div0[pc]) return [...this.exit(u32(0))];
    if (f.dead[pc]) return [];
    const known = this.constantResult(pc, ins);
    if (known !== undefined) return [known];
    switch (ins.kind) {
      case 'ld_imm':
      case 'ldx_imm':
        throw new Error('an immediate load is always constant');
      case 'ld_mem':
        return [assign(this.id('A'), this.cell(ins.k))];
      case 'ldx_mem':
        return [assign(this.id('X'), this.cell(ins.k))];
      case 'st':
        return [assign(this.cell(ins.k), this.reg(pc, SLOT_A))];
      case 'stx':
        return [assign(this.cell(ins.k), this.reg(pc, SLOT_X))];
      case 'ld_len':
      case 'ldx_len':
        // Only sockets get here (seccomp's len is the constant 64): skb->len.
        return [assign(ins.kind === 'ld_len' ? this.id('A') : this.id('X'), this.wireLength())];
      case 'tax':
        return [assign(this.id('X'), this.reg(pc, SLOT_A))];
      case 'txa':
        return [assign(this.id('A'), this.reg(pc, SLOT_X))];
      case 'neg':
        return [assign(this.id('A'), toU32(bin('-', u32(0), this.reg(pc, SLOT_A))))];
      case 'alu':
        return this.alu(pc, ins);
      case 'ld_abs':
        return this.loadAbs(pc, ins);
      case 'ld_ind':
        return this.loadInd(pc, ins);
      case 'ldx_msh':
        if (isPlainPacketLoad(ins)) {
          this.covered(ins);
          return [assign(this.id('X'), nibble(this.packetRead('b', u32(ins.k, 'offset'))))];
        }
        if (this.plan.profile === 'libpcap') return [...this.pcapFarLoad(ins.k, 1), assign(this.id('X'), nibble(this.packetRead('b', u32(ins.k, 'offset'))))];
        return [...this.slowPacket(u32(ins.k, 'offset'), 1), assign(this.id('X'), nibble(this.id('T')))];
      case 'ld_tailzero':
        return [assign(this.id('A'), call(this.id('tailZero'), [this.id('view'), u32(ins.k, 'imm'), bool(this.plan.little)]))];
      case 'ret_k':
        return [...this.exit(u32(ins.k, 'imm'))];
      case 'ret_a':
        return [...this.exit(this.reg(pc, SLOT_A))];
      case 'ja':
      case 'jmp':
        return [];
      default:
        return assertNever(ins);
    }
  }

  /**
   * `A = k;` or `X = k;` when constant propagation knows what a pure instruction leaves in the
   * register it writes (a division by an unknown X still tests X first); else undefined.
   */
  private constantResult(pc: number, ins: KnownInsn): ES.Statement | undefined {
    const out = this.flow.stateOut[pc] as readonly number[];
    const a = out[SLOT_A];
    const x = out[SLOT_X];
    switch (ins.kind) {
      case 'ld_imm':
      case 'ld_len':
      case 'ld_mem':
      case 'txa':
      case 'neg':
        return isKnown(a) ? assign(this.id('A'), u32(a, 'imm')) : undefined;
      case 'ldx_imm':
      case 'ldx_len':
      case 'ldx_mem':
      case 'tax':
        return isKnown(x) ? assign(this.id('X'), u32(x, 'imm')) : undefined;
      case 'alu':
        return isKnown(a) && !this.divByUnknownX(pc, ins) ? assign(this.id('A'), u32(a, 'imm')) : undefined;
      case 'ld_abs':
      case 'ld_ind':
      case 'ld_tailzero':
      case 'ldx_msh':
      case 'st':
      case 'stx':
      case 'ja':
      case 'jmp':
      case 'ret_k':
      case 'ret_a':
        return undefined;
      default:
        return assertNever(ins);
    }
  }

  /** Whether an ALU instruction divides by an X the analysis does not know (so X may be 0). */
  private divByUnknownX(pc: number, ins: KnownInsn & { kind: 'alu' }): boolean {
    return (ins.op === 'div' || ins.op === 'mod') && ins.src === 'x' && this.flow.stateIn[pc]?.[SLOT_X] === UNKNOWN;
  }

  /** `view.getUintN(base + off)`: a read at a packet offset (the packet starts at `base`). */
  private packetRead(size: 'w' | 'h' | 'b', off: ES.Expression): ES.Expression {
    return packetRead(this.id('view'), this.id('base'), size, off);
  }

  /** Asserts that a dominating check proved this plain load in range. */
  private covered(ins: KnownInsn): void {
    if (plainLoadEnd(ins) > this.bound) throw new CodegenError(`load ending at ${plainLoadEnd(ins)} is not covered`);
  }

  private wireLength(): ES.Expression {
    if (this.plan.batch) return this.id('wire');
    // The interpreter's rule: ctx.wireLength when given, else the bytes we hold; as u32.
    return toU32(logical('??', member(this.id('input'), 'wireLength'), this.id('len')));
  }

  private alu(pc: number, ins: KnownInsn & { kind: 'alu' }): ES.Statement[] {
    const divisorMayBeZero = this.divByUnknownX(pc, ins);
    // bpf_convert_filter's guard: DIV/MOD by X == 0 ends the program returning 0.
    const guard = divisorMayBeZero ? [ifElse(bin('===', this.id('X'), u32(0)), [...this.exit(u32(0))])] : [];
    const value = aluValue(ins.op, this.reg(pc, SLOT_A), this.operand(pc, ins), () => this.id('imul'), false);
    if (this.plan.profile === 'libpcap' && ins.src === 'x' && (ins.op === 'lsh' || ins.op === 'rsh')) {
      // pcap_filter: `if (X < 32) A <<= X; else A = 0;` (JavaScript, like the kernel, uses X & 31).
      return [ifElse(bin('<', this.operand(pc, ins), u32(32)), [assign(this.id('A'), value)], [assign(this.id('A'), u32(0))])];
    }
    return [...guard, assign(this.id('A'), value)];
  }

  /** `T = loadPacket(input, off | 0, size); if (T < 0) return 0;` for the rare packet paths. */
  private slowPacket(offset: ES.Expression, size: number): ES.Statement[] {
    const T = this.id('T');
    return [
      ...this.syncContext(),
      assign(T, call(this.id('loadPacket'), [this.id('input'), bin('|', offset, u32(0)), u32(size)])),
      ifElse(bin('<', this.id('T'), u32(0)), [...this.exit(u32(0))]),
    ];
  }

  /**
   * libpcap: a load at k >= 2^31 (a kernel negative or ancillary offset) is a plain offset
   * compared with the captured length, as pcap_filter does: `if (len - size < k) return 0;`.
   */
  private pcapFarLoad(k: number, size: number): ES.Statement[] {
    return [ifElse(bin('<', bin('-', this.id('len'), u32(size)), u32(k, 'offset')), [...this.exit(u32(0))])];
  }

  private loadAbs(pc: number, ins: KnownInsn & { kind: 'ld_abs' }): ES.Statement[] {
    const A = this.id('A');
    const view = this.id('view');
    if (this.plan.profile === 'libpcap' && !isPlainPacketLoad(ins)) {
      return [...this.pcapFarLoad(ins.k, LOAD_SIZES[ins.size].bytes), assign(A, this.packetRead(ins.size, u32(ins.k, 'offset')))];
    }
    if (!runsOnPackets(this.plan.profile)) {
      const k = u32(ins.k, 'offset');
      const read = this.plan.guarded
        ? call(member(view, 'getUint32'), [k, bool(this.plan.little)])
        : call(this.id('loadImageWord'), [view, k, bool(this.plan.little)]);
      return [assign(A, read)];
    }
    const anc = ancillaryField(ins);
    if (anc === SKF_AD_ALU_XOR_X) return [assign(A, toU32(bin('^', this.reg(pc, SLOT_A), this.reg(pc, SLOT_X))))];
    if (anc !== undefined) {
      const T = this.id('T');
      const args = [this.id('input'), u32(anc), this.reg(pc, SLOT_A), this.reg(pc, SLOT_X), bool(this.plan.little)];
      const out: ES.Statement[] = [...this.syncContext(), assign(T, call(this.id('ancillary'), args))];
      // No device: convert_bpf_extensions exits with the current A.
      if (anc === SKF_AD_IFINDEX || anc === SKF_AD_HATYPE) {
        out.push(ifElse(bin('<', this.id('T'), u32(0)), [...this.exit(this.reg(pc, SLOT_A))]));
      }
      out.push(assign(this.id('A'), this.id('T')));
      return out;
    }
    if (isPlainPacketLoad(ins)) {
      this.covered(ins);
      return [assign(A, this.packetRead(ins.size, u32(ins.k, 'offset')))];
    }
    return [...this.slowPacket(u32(ins.k, 'offset'), LOAD_SIZES[ins.size].bytes), assign(this.id('A'), this.id('T'))];
  }

  private loadInd(pc: number, ins: KnownInsn & { kind: 'ld_ind' }): ES.Statement[] {
    const x = this.reg(pc, SLOT_X);
    if (this.plan.profile === 'libpcap') {
      // pcap_filter: X + k is not wrapped; past the captured length the program returns 0.
      const size = LOAD_SIZES[ins.size].bytes;
      return [
        assign(this.id('T'), bin('+', x, u32(ins.k, 'offset'))),
        ifElse(bin('<=', this.id('T'), bin('-', this.id('len'), u32(size))), [assign(this.id('A'), this.packetRead(ins.size, this.id('T')))], [
          ...this.exit(u32(0)),
        ]),
      ];
    }
    if (this.plan.profile !== 'socket') {
      // EA `ld [x + k]`: aligned and wholly inside the image, or the program returns 0.
      const args = [this.id('view'), x, u32(ins.k, 'offset'), bool(this.plan.little)];
      return [
        assign(this.id('A'), call(this.id('loadImageIndirect'), args)),
        ifElse(bin('<', this.id('A'), u32(0)), [...this.exit(u32(0))]),
      ];
    }
    const size = LOAD_SIZES[ins.size].bytes;
    const fast = this.packetRead(ins.size, this.id('T'));
    const inRange = logical('&&', bin('>=', this.id('T'), u32(0)), bin('<=', this.id('T'), bin('-', this.id('len'), u32(size))));
    return [
      assign(this.id('T'), indirectOffset(x, ins.k)),
      ifElse(inRange, [assign(this.id('A'), fast)], [
        // At or past the end the load fails (the program returns 0); only a negative offset
        // (SKF_NET_OFF / SKF_LL_OFF) needs the context.
        ifElse(bin('>=', this.id('T'), u32(0)), [...this.exit(u32(0))]),
        ...this.slowPacket(this.id('T'), size),
        assign(this.id('A'), this.id('T')),
      ]),
    ];
  }
}
