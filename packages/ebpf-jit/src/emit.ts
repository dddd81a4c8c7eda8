/**
 * One eBPF instruction as JavaScript statements over int32-pair registers. The numeric rules are
 * RFC 9669's (as @ea/ebpf's alu.ts states them for the interpreter) rebuilt from 32-bit
 * operations: carries through a double sum, the product's high half from mulhi, shifts split at
 * 32, and 64-bit division in the runtime. This file and alu.ts are deliberately separate
 * implementations, so the JIT-vs-interpreter differential has something to catch.
 */
import {
  assign, bin, call, type BinOp, exprStmt, i32, ifElse, logical, ret, type Scope, u32, unary,
} from '@ea/codegen';
import { type AluOp, assertNever, type Insn, type JmpOp, type Operand, REGION_EXTRA } from '@ea/ebpf';
import type * as ES from 'estree';
import { emitLoad, emitStore } from './access.js';
import { isExact, type Known, type KnownState, step, TOP } from './known.js';
import { member, type RuntimeName } from './names.js';

/** How a jump leaves the current instruction: a labelled break, or a dispatch-loop continue. */
export type JumpTo = (target: number) => ES.Statement[];

/** Describes what the emitter knows while it emits one function: the state before each pc, and the byte swaps folded into loads. */
export interface FunctionFacts {
  /** The analysis's state before each pc (known.ts). */
  readonly before: ReadonlyMap<number, KnownState>;
  /** Loads that read big-endian because the next instruction swaps their result (ldxh + be16, ldxw + be32). */
  readonly bigEndian: ReadonlySet<number>;
}

/** The JavaScript comparison of each jump (jset: the test of the AND). */
const REL: Record<JmpOp, BinOp> = { jeq: '===', jne: '!==', jgt: '>', jge: '>=', jlt: '<', jle: '<=', jset: '!==', jsgt: '>', jsge: '>=', jslt: '<', jsle: '<=' };
const NOTHING_KNOWN: KnownState = { regs: Array.from({ length: 11 }, () => TOP), clMin: 0 };
const NO_FACTS: FunctionFacts = { before: new Map(), bigEndian: new Set() };

/** Emits statements for instructions; one per compiled program (begin() per function). */
export class Emitter {
  /** The facts of the function being emitted. */
  facts: FunctionFacts = NO_FACTS;
  /** The state before the instruction being emitted. */
  state: KnownState = NOTHING_KNOWN;

  constructor(
    readonly scope: Scope,
    readonly budget: number | undefined,
    readonly functionName: (entry: number) => string,
  ) {}

  /** Starts a function: what is known before each of its pcs. */
  begin(facts: FunctionFacts): void {
    this.facts = facts;
  }
  /** Returns what is known of register r before the current instruction. */
  known(r: number): Known {
    return this.state.regs[r] ?? TOP;
  }
  /**
   * Sets register r's high half to `value`, or nothing when the analysis knows it already holds
   * it (the variable `r<r>h` is the register's high half at all times, so the store would be a
   * no-op; fewer bytecodes keep small functions under V8's inlining budget).
   */
  setHi(r: number, value: number): ES.Statement[] {
    return this.known(r).hi === value ? [] : [assign(this.hi(r), this.int(value))];
  }
  /** Returns whether register r's low half, read as int32, is known to be non-negative (then `>>> 0` changes nothing). */
  nonNegative(r: number): boolean {
    return this.known(r).max <= 0x7fffffff;
  }
  /** Returns `e >>> 0` for register r's low half, or the bare half when it is known to be non-negative. */
  ulo(r: number): ES.Expression {
    return this.nonNegative(r) ? this.lo(r) : this.u(this.lo(r));
  }

  /** Returns whether the load at pc reads big-endian (its byte swap folded in). */
  bigEndian(pc: number): boolean {
    return this.facts.bigEndian.has(pc);
  }

  /** Returns the Identifier of a declared name. */
  id(name: string): ES.Identifier {
    return this.scope.id(name);
  }
  /** Returns register r's low half. */
  lo(r: number): ES.Identifier {
    return this.id(`r${r}l`);
  }
  /** Returns register r's high half. */
  hi(r: number): ES.Identifier {
    return this.id(`r${r}h`);
  }
  /** Calls a runtime member. */
  rt(name: RuntimeName, args: ES.Expression[]): ES.Expression {
    return call(this.id(name), args);
  }
  get T_hi(): ES.MemberExpression {
    return member(this.id('T'), 'hi');
  }
  get T_stop(): ES.MemberExpression {
    return member(this.id('T'), 'stop');
  }
  /** Creates an int32 literal. */
  int(n: number): ES.Expression {
    return i32(n | 0);
  }
  /** Returns an operand's low and high halves (an immediate is sign-extended). */
  pair(o: Operand): { lo: ES.Expression; hi: ES.Expression } {
    return 'reg' in o ? { lo: this.lo(o.reg), hi: this.hi(o.reg) } : { lo: this.int(o.imm), hi: this.int(o.imm < 0 ? -1 : 0) };
  }
  /** Creates `e >>> 0` (a non-negative literal as it is). */
  u(e: ES.Expression): ES.Expression {
    if (e.type === 'Literal' && typeof e.value === 'number' && e.value >= 0) return e;
    return bin('>>>', e, u32(0));
  }
  /** Creates `e | 0`. */
  i(e: ES.Expression): ES.Expression {
    return bin('|', e, u32(0));
  }
  /** Builds a memory access's offset: the pointer's low half (unsigned) plus the instruction's offset. */
  at(reg: number, off: number): ES.Expression {
    const k = this.known(reg);
    if (k.min === k.max && k.min + off >= 0 && k.min + off <= 0xffffffff) return u32(k.min + off);
    return off === 0 ? this.ulo(reg) : bin('+', this.ulo(reg), this.int(off));
  }

  /** Emits one instruction (plus the budget count when a budget is set). */
  emit(insn: Insn, pc: number, jump: JumpTo): ES.Statement[] {
    this.state = this.facts.before.get(pc) ?? NOTHING_KNOWN;
    const out: ES.Statement[] = [];
    if (this.budget !== undefined) {
      const steps = this.id('steps');
      out.push(assign(steps, bin('+', steps, u32(1))));
      out.push(ifElse(bin('>', steps, u32(this.budget)), [exprStmt(this.rt('budget_error', [u32(pc), u32(this.budget)]))]));
    }
    out.push(...this.body(insn, pc, jump));
    return out;
  }

  /** Emits one instruction's own statements. */
  body(insn: Insn, pc: number, jump: JumpTo): ES.Statement[] {
    switch (insn.kind) {
      case 'alu':
        return insn.width === 32 ? this.alu32(insn.op, insn.dst, insn.src) : (this.folded64(insn) ?? this.alu64(insn.op, insn.dst, insn.src));
      case 'neg':
        if (insn.width === 32) return [assign(this.lo(insn.dst), this.i(unary('-', this.lo(insn.dst)))), ...this.setHi(insn.dst, 0)];
        return this.sub64(insn.dst, { lo: u32(0), hi: u32(0) }, { lo: this.lo(insn.dst), hi: this.hi(insn.dst) });
      case 'movsx': {
        const d = insn.dst;
        const s = this.lo(insn.src);
        const value = insn.bits === 32 ? s : bin('>>', bin('<<', s, u32(32 - insn.bits)), u32(32 - insn.bits));
        return [assign(this.lo(d), value), ...(insn.width === 32 ? this.setHi(d, 0) : [assign(this.hi(d), bin('>>', this.lo(d), u32(31)))])];
      }
      case 'end':
        // Done by the previous instruction's big-endian load.
        if (this.bigEndian(pc - 1)) return [];
        return this.end(insn.order, insn.bits, insn.dst);
      case 'ldx':
        return emitLoad(this, insn, pc);
      case 'st':
      case 'stx':
        return emitStore(this, insn, pc);
      case 'atomic': {
        const ops = { add: 0, or: 1, and: 2, xor: 3, xchg: 4, cmpxchg: 5 } as const;
        const wide = insn.size === 'dw';
        const t = this.id('t');
        const out: ES.Statement[] = [
          assign(t, this.rt('atomic', [u32(ops[insn.op]), u32(wide ? 1 : 0), this.hi(insn.dst), this.at(insn.dst, insn.off), this.lo(insn.src), this.hi(insn.src), this.lo(0), this.hi(0), u32(pc)])),
        ];
        const into = insn.op === 'cmpxchg' ? 0 : insn.fetch ? insn.src : null;
        if (into !== null) out.push(assign(this.lo(into), t), ...(wide ? [assign(this.hi(into), this.T_hi)] : this.setHi(into, 0)));
        return out;
      }
      case 'lddw':
        if (insn.pseudo === 0) return [assign(this.lo(insn.dst), this.int(insn.lo)), ...this.setHi(insn.dst, insn.hi | 0)];
        return [
          exprStmt(this.rt('region', [u32(insn.lo >>> 0), u32(pc)])),
          assign(this.lo(insn.dst), this.int(insn.hi)),
          assign(this.hi(insn.dst), u32(REGION_EXTRA + (insn.lo >>> 0))),
        ];
      case 'ldabs':
      case 'ldind': {
        const bytes = insn.size === 'b' ? 1 : insn.size === 'h' ? 2 : 4;
        const off = insn.kind === 'ldabs' ? this.int(insn.imm) : this.i(bin('+', this.lo(insn.src), this.int(insn.imm)));
        const t = this.id('t');
        return [
          assign(t, this.rt('ldpkt', [off, u32(bytes)])),
          ifElse(bin('<', t, u32(0)), [assign(this.T_hi, u32(0)), assign(this.T_stop, u32(1)), ret(u32(0))]),
          assign(this.lo(0), this.i(t)),
          ...this.setHi(0, 0),
        ];
      }
      case 'ja':
        return insn.off === 0 ? [] : jump(pc + 1 + insn.off);
      case 'jmp':
        return [ifElse(this.condition(insn.op, insn.width, insn.dst, insn.src), jump(pc + 1 + insn.off))];
      case 'call':
      case 'callx': {
        const id = insn.kind === 'call' ? { lo: u32(insn.helper >>> 0), hi: u32(0) } : { lo: this.lo(insn.reg), hi: this.hi(insn.reg) };
        const args: ES.Expression = { type: 'ArrayExpression', elements: [1, 2, 3, 4, 5].flatMap((r) => [this.lo(r), this.hi(r)]) };
        return [
          assign(this.lo(0), this.rt('helper', [id.lo, id.hi, args, u32(pc)])),
          assign(this.hi(0), this.T_hi),
          ifElse(bin('!==', this.T_stop, u32(0)), [ret(this.lo(0))]),
        ];
      }
      case 'call_local': {
        const depth = this.id('depth');
        const callee = this.id(this.functionName(pc + 1 + insn.off));
        const args = [...Array.from({ length: 10 }, (_, r) => [this.lo(r), this.hi(r)]).flat(), bin('+', depth, u32(1)), this.id('cv'), this.id('cl')];
        return [
          ifElse(bin('>=', depth, u32(7)), [exprStmt(this.rt('depth_error', [u32(pc)]))]),
          assign(this.lo(0), call(callee, args)),
          assign(this.hi(0), this.T_hi),
          ifElse(bin('!==', this.T_stop, u32(0)), [ret(this.lo(0))]),
        ];
      }
      case 'exit':
        return [assign(this.T_hi, this.hi(0)), ret(this.lo(0))];
      default:
        return assertNever(insn);
    }
  }

  /** Emits a 32-bit ALU operation (the high half becomes 0). */
  alu32(op: AluOp, d: number, src: Operand): ES.Statement[] {
    const a = this.lo(d);
    const b: ES.Expression = 'reg' in src ? this.lo(src.reg) : this.int(src.imm);
    const set = (v: ES.Expression): ES.Statement[] => [assign(a, v), ...this.setHi(d, 0)];
    const simple: Partial<Record<AluOp, BinOp>> = { or: '|', and: '&', xor: '^', lsh: '<<', arsh: '>>' };
    const bop = simple[op];
    if (bop !== undefined) return set(bin(bop, a, b));
    switch (op) {
      case 'add': return set(this.i(bin('+', a, b)));
      case 'sub': return set(this.i(bin('-', a, b)));
      case 'mul': return set(call(this.id('imul'), [a, b]));
      case 'rsh': return set(this.i(bin('>>>', a, b)));
      case 'mov': return set(b);
      case 'div':
      case 'mod':
      case 'sdiv':
      case 'smod': {
        // Division by zero gives 0, modulo by zero leaves dst (RFC 9669 4.1); `| 0` truncates toward
        // zero and wraps INT_MIN / -1 back to INT_MIN; JavaScript's % takes the dividend's sign.
        const signed = op === 'sdiv' || op === 'smod';
        const x = signed ? a : this.u(a);
        const y = signed ? b : this.u(b);
        const result = this.i(bin(op === 'div' || op === 'sdiv' ? '/' : '%', x, y));
        const zero = op === 'div' || op === 'sdiv' ? [assign(a, u32(0))] : [];
        if ('imm' in src) return [...(src.imm === 0 ? zero : [assign(a, result)]), ...this.setHi(d, 0)];
        return [ifElse(bin('===', b, u32(0)), zero, [assign(a, result)]), ...this.setHi(d, 0)];
      }
      default:
        return assertNever(op as never);
    }
  }

  /**
   * Emits a 64-bit ALU operation whose result's high half the analysis knows: a constant result
   * as constants, otherwise the low half by its 32-bit formula (the low half of a sum, difference,
   * product or bitwise operation depends only on the operands' low halves; a right shift's only
   * when the high half is 0) and the high half as the constant. Null: the general form.
   */
  folded64(insn: Extract<Insn, { kind: 'alu' }>): ES.Statement[] | null {
    const out = step(insn, this.state).regs[insn.dst]!;
    if (out.hi === null) return null;
    const lo = this.lo(insn.dst);
    const constant = (v: ES.Expression): ES.Statement[] => [assign(lo, v), ...this.setHi(insn.dst, out.hi!)];
    if (isExact(out)) return constant(this.int(out.min));
    const src = insn.src;
    const b: ES.Expression = 'reg' in src ? this.lo(src.reg) : this.int(src.imm);
    const k = 'imm' in src ? src.imm & 63 : 0;
    switch (insn.op) {
      case 'mov': return constant(b);
      // Two non-negative int32 halves whose sum stays below 2^31 need no `| 0`.
      case 'add': return constant(out.max <= 0x7fffffff && this.nonNegative(insn.dst) && ('imm' in src ? src.imm >= 0 : this.nonNegative(src.reg)) ? bin('+', lo, b) : this.i(bin('+', lo, b)));
      case 'sub': return constant(this.i(bin('-', lo, b)));
      case 'and': return constant(bin('&', lo, b));
      case 'or': return constant(bin('|', lo, b));
      case 'xor': return constant(bin('^', lo, b));
      case 'lsh': return k > 0 && k < 32 ? constant(bin('<<', lo, u32(k))) : null;
      case 'rsh':
      // `x >>> k` with k >= 1 is below 2^31: already an int32, no `| 0`.
      case 'arsh': return k > 0 && k < 32 && this.known(insn.dst).hi === 0 ? constant(bin('>>>', lo, u32(k))) : null;
      default: return null;
    }
  }

  /** Emits a 64-bit ALU operation on the pair. */
  alu64(op: AluOp, d: number, src: Operand): ES.Statement[] {
    const a = { lo: this.lo(d), hi: this.hi(d) };
    const b = this.pair(src);
    const both = (o: BinOp): ES.Statement[] => [assign(a.lo, bin(o, a.lo, b.lo)), assign(a.hi, bin(o, a.hi, b.hi))];
    switch (op) {
      case 'mov': return [assign(a.lo, b.lo), assign(a.hi, b.hi)];
      case 'or': return both('|');
      case 'and': return both('&');
      case 'xor': return both('^');
      case 'add': {
        const t = this.id('t');
        return [
          assign(t, bin('+', this.u(a.lo), this.u(b.lo))),
          assign(a.hi, this.i(bin('+', bin('+', a.hi, b.hi), bin('>', t, u32(0xffffffff))))),
          assign(a.lo, this.i(t)),
        ];
      }
      case 'sub': return this.sub64(d, a, b);
      case 'mul': {
        // hi = mulhi(a.lo, b.lo) + a.lo * b.hi + a.hi * b.lo (mod 2^32); a cross term whose high
        // half is known to be 0 is left out.
        const c = this.id('c');
        const imul = this.id('imul');
        const hb = 'reg' in src ? this.known(src.reg).hi : src.imm < 0 ? -1 : 0;
        let high: ES.Expression = call(this.id('mulhi'), [this.u(a.lo), this.u(b.lo)]);
        if (hb !== 0) high = bin('+', high, call(imul, [a.lo, b.hi]));
        if (this.known(d).hi !== 0) high = bin('+', high, call(imul, [a.hi, b.lo]));
        return [assign(c, this.i(high)), assign(a.lo, call(imul, [a.lo, b.lo])), assign(a.hi, c)];
      }
      case 'div':
      case 'mod':
      case 'sdiv':
      case 'smod': {
        const fn = ({ div: 'udiv64', mod: 'umod64', sdiv: 'sdiv64', smod: 'smod64' } as const)[op];
        return [assign(a.lo, this.rt(fn, [a.lo, a.hi, b.lo, b.hi])), assign(a.hi, this.T_hi)];
      }
      case 'lsh':
      case 'rsh':
      case 'arsh':
        if ('imm' in src) return this.shiftConst(op, d, src.imm & 63);
        return [assign(a.lo, this.rt(op === 'lsh' ? 'shl64' : op === 'rsh' ? 'shr64' : 'sar64', [a.lo, a.hi, b.lo])), assign(a.hi, this.T_hi)];
      default:
        return assertNever(op as never);
    }
  }

  /** Emits dst = a - b on pairs (the borrow through a double difference). */
  sub64(d: number, a: { lo: ES.Expression; hi: ES.Expression }, b: { lo: ES.Expression; hi: ES.Expression }): ES.Statement[] {
    const t = this.id('t');
    return [
      assign(t, bin('-', this.u(a.lo), this.u(b.lo))),
      assign(this.hi(d), this.i(bin('-', bin('-', a.hi, b.hi), bin('<', t, u32(0))))),
      assign(this.lo(d), this.i(t)),
    ];
  }

  /** Emits a 64-bit shift by a constant, split at 32. */
  shiftConst(op: 'lsh' | 'rsh' | 'arsh', d: number, k: number): ES.Statement[] {
    const lo = this.lo(d);
    const hi = this.hi(d);
    if (k === 0) return [];
    if (op === 'lsh') {
      if (k < 32) return [assign(hi, bin('|', bin('<<', hi, u32(k)), bin('>>>', lo, u32(32 - k)))), assign(lo, bin('<<', lo, u32(k)))];
      return [assign(hi, bin('<<', lo, u32(k - 32))), assign(lo, u32(0))];
    }
    if (k < 32) {
      const low = assign(lo, bin('|', bin('>>>', lo, u32(k)), bin('<<', hi, u32(32 - k))));
      return [low, assign(hi, op === 'rsh' ? this.i(bin('>>>', hi, u32(k))) : bin('>>', hi, u32(k)))];
    }
    if (op === 'rsh') return [assign(lo, this.i(bin('>>>', hi, u32(k - 32)))), assign(hi, u32(0))];
    return [assign(lo, bin('>>', hi, u32(k - 32))), assign(hi, bin('>>', hi, u32(31)))];
  }

  /** Emits le/be/bswap on a little-endian host. */
  end(order: 'le' | 'be' | 'swap', bits: 16 | 32 | 64, d: number): ES.Statement[] {
    const lo = this.lo(d);
    const hi = this.hi(d);
    if (order === 'le') {
      if (bits === 64) return [];
      return bits === 16 ? [assign(lo, bin('&', lo, u32(0xffff))), ...this.setHi(d, 0)] : this.setHi(d, 0);
    }
    const swap32 = (x: ES.Expression): ES.Expression =>
      bin('|', bin('|', bin('|', bin('<<', x, u32(24)), bin('<<', bin('&', x, u32(0xff00)), u32(8))), bin('&', bin('>>>', x, u32(8)), u32(0xff00))), bin('>>>', x, u32(24)));
    if (bits === 16) return [assign(lo, bin('|', bin('<<', bin('&', lo, u32(0xff)), u32(8)), bin('&', bin('>>>', lo, u32(8)), u32(0xff)))), ...this.setHi(d, 0)];
    if (bits === 32) return [assign(lo, swap32(lo)), ...this.setHi(d, 0)];
    const t = this.id('t');
    return [assign(t, swap32(lo)), assign(lo, swap32(hi)), assign(hi, t)];
  }

  /**
   * Builds a jump's condition over `width` bits. Where both high halves are known and equal, a
   * 64-bit comparison is decided by the low halves read unsigned (signed ones too: equal high
   * halves carry the sign); a `jset` with a high half known to be 0 tests the low halves only.
   */
  condition(op: JmpOp, width: 32 | 64, d: number, src: Operand): ES.Expression {
    const a = { lo: this.lo(d), hi: this.hi(d) };
    const b = this.pair(src);
    const ha = this.known(d).hi;
    const hb = 'reg' in src ? this.known(src.reg).hi : src.imm < 0 ? -1 : 0;
    if (width === 64 && op === 'jset' && (ha === 0 || hb === 0)) return bin('!==', bin('&', a.lo, b.lo), u32(0));
    if (width === 64 && op !== 'jset' && ha !== null && ha === hb) {
      if (op === 'jeq' || op === 'jne') return bin(REL[op], a.lo, b.lo);
      return bin(REL[op], this.ulo(d), 'reg' in src ? this.ulo(src.reg) : this.u(b.lo));
    }
    const isSigned = op === 'jsgt' || op === 'jsge' || op === 'jslt' || op === 'jsle';
    if (op === 'jset') {
      const low = bin('!==', bin('&', a.lo, b.lo), u32(0));
      return width === 32 ? low : logical('||', low, bin('!==', bin('&', a.hi, b.hi), u32(0)));
    }
    if (op === 'jeq' || op === 'jne') {
      const low = bin(REL[op], a.lo, b.lo);
      if (width === 32) return low;
      return logical(op === 'jeq' ? '&&' : '||', bin(REL[op], a.hi, b.hi), low);
    }
    const strict: BinOp = REL[op] === '>=' ? '>' : REL[op] === '<=' ? '<' : REL[op];
    const lowCmp = isSigned && width === 32 ? bin(REL[op], a.lo, b.lo) : bin(REL[op], this.ulo(d), 'reg' in src ? this.ulo(src.reg) : this.u(b.lo));
    if (width === 32) return lowCmp;
    const hiCmp = isSigned ? bin(strict, a.hi, b.hi) : bin(strict, this.u(a.hi), this.u(b.hi));
    return logical('||', hiCmp, logical('&&', bin('===', a.hi, b.hi), lowCmp));
  }
}

