/**
 * Reads bpf_conformance's assembler syntax (lib/src/bpf_assembler.cc in that suite): one
 * instruction per line, `#` comments, `label:` lines, registers `%r0`-`%r10`, memory operands
 * `[%rN]`, `[%rN+off]`, `[%rN-off]`, jump targets as labels or `+N`/`-N` (the first `exit` is also
 * the label `exit`, as there), immediates in signed decimal or 0x hex. Extensions, printed by
 * disasm.ts: `ldabs{b,h,w} IMM`, `ldind{b,h,w} %rS, IMM`, `lddw %rD, map_value IDX, OFF`.
 * Errors are EbpfSyntaxError with the line and column.
 */
import { EbpfSyntaxError } from './errors.js';
import { ALU_OPS, type AluOp, type AtomicOp, type Insn, JMP_OPS, type JmpOp, type Operand, type Size, slots } from './insn.js';
import { BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE } from './opcodes.js';

interface Token {
  readonly text: string;
  readonly column: number;
}

/** One line's parse state: throws errors naming the line and a column. */
class Line {
  constructor(
    readonly number: number,
    readonly mnemonic: Token,
    readonly operands: readonly Token[],
  ) {}
  fail(column: number, reason: string): never {
    throw new EbpfSyntaxError(this.number, column, reason);
  }
  arity(n: number): void {
    if (this.operands.length !== n) {
      this.fail(this.mnemonic.column, `${this.mnemonic.text} takes ${n} operand${n === 1 ? '' : 's'}, got ${this.operands.length}`);
    }
  }
  op(i: number): Token {
    return this.operands[i] ?? this.fail(this.mnemonic.column, `${this.mnemonic.text}: missing operand ${i + 1}`);
  }
  reg(i: number): number {
    const t = this.op(i);
    const m = /^%r(\d+)$/.exec(t.text);
    if (m === null) this.fail(t.column, `expected a register %r0-%r10, got ${JSON.stringify(t.text)}`);
    const n = Number(m[1]);
    if (n > 10) this.fail(t.column, `register %r${n} does not exist (%r0-%r10)`);
    return n;
  }
  int(t: Token, text: string, min: number, max: number, hexMax: number): number {
    const m = /^([+-]?)(0x[0-9a-fA-F]+|\d+)$/.exec(text);
    if (m === null) this.fail(t.column, `expected a number, got ${JSON.stringify(text)}`);
    const magnitude = Number(m[2]);
    const value = m[1] === '-' ? -magnitude : magnitude;
    const isHex = m[2]!.startsWith('0x');
    if (value < min || value > (isHex ? hexMax : max)) this.fail(t.column, `${text} is out of range`);
    return value;
  }
  imm32(i: number): number {
    const t = this.op(i);
    return this.int(t, t.text, -0x80000000, 0xffffffff, 0xffffffff) | 0;
  }
  operand(i: number): Operand {
    return this.op(i).text.startsWith('%') ? { reg: this.reg(i) } : { imm: this.imm32(i) };
  }
  memory(i: number): { reg: number; off: number } {
    const t = this.op(i);
    const m = /^\[(%r\d+)\s*(?:([+-])\s*(0x[0-9a-fA-F]+|\d+))?\]$/.exec(t.text);
    if (m === null) this.fail(t.column, `expected [%rN], [%rN+off] or [%rN-off], got ${JSON.stringify(t.text)}`);
    const reg = new Line(this.number, this.mnemonic, [{ text: m[1]!, column: t.column + 1 }]).reg(0);
    const off = m[2] === undefined ? 0 : this.int(t, `${m[2]}${m[3]}`, -0x8000, 0x7fff, 0xffff);
    return { reg, off: (off << 16) >> 16 };
  }
}

/** Splits a line into tokens: commas separate, brackets keep their contents together. */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const re = /\[[^\]]*\]|[^\s,]+/g;
  for (const m of text.matchAll(re)) out.push({ text: m[0], column: (m.index ?? 0) + 1 });
  return out;
}

interface Pending {
  readonly index: number;
  readonly label: string;
  readonly line: number;
  readonly column: number;
  readonly wide: boolean;
}

const ALU_NAMES = Object.keys(ALU_OPS) as AluOp[];
const JMP_NAMES = Object.keys(JMP_OPS) as JmpOp[];
const ATOMIC_NAMES: readonly AtomicOp[] = ['add', 'or', 'and', 'xor', 'xchg', 'cmpxchg'];
const SIZE_NAMES: readonly Size[] = ['b', 'h', 'w', 'dw'];

/** Parses assembly into instructions; throws EbpfSyntaxError. */
export function assemble(text: string): Insn[] {
  const insns: Insn[] = [];
  const pcs: number[] = [];
  const labels = new Map<string, number>();
  const pending: Pending[] = [];
  let pc = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const number = i + 1;
    const hash = raw.indexOf('#');
    let tokens = tokenize(hash >= 0 ? raw.slice(0, hash) : raw);
    while (tokens.length > 0 && tokens[0]!.text.endsWith(':')) {
      const name = tokens[0]!.text.slice(0, -1);
      if (!/^[A-Za-z_.][\w.]*$/.test(name)) throw new EbpfSyntaxError(number, tokens[0]!.column, `bad label ${JSON.stringify(name)}`);
      if (labels.has(name) && name !== 'exit') throw new EbpfSyntaxError(number, tokens[0]!.column, `duplicate label ${name}`);
      labels.set(name, pc);
      tokens = tokens.slice(1);
    }
    const [mnemonic, ...operands] = tokens;
    if (mnemonic === undefined) return;
    const line = new Line(number, mnemonic, operands);
    const target = (index: number, tok: Token, wide: boolean): number => {
      if (/^[+-]/.test(tok.text)) return wide ? line.int(tok, tok.text, -0x80000000, 0x7fffffff, 0x7fffffff) : line.int(tok, tok.text, -0x8000, 0x7fff, 0x7fff);
      pending.push({ index, label: tok.text, line: number, column: tok.column, wide });
      return 0;
    };
    if (mnemonic.text === 'exit' && !labels.has('exit')) labels.set('exit', pc);
    const insn = parseLine(line, insns.length, target);
    insns.push(insn);
    pcs.push(pc);
    pc += slots(insn);
  });
  for (const p of pending) {
    const at = labels.get(p.label);
    if (at === undefined) throw new EbpfSyntaxError(p.line, p.column, `undefined label ${JSON.stringify(p.label)}`);
    const off = at - pcs[p.index]! - 1;
    if (!p.wide && (off < -0x8000 || off > 0x7fff)) throw new EbpfSyntaxError(p.line, p.column, `label ${p.label} is ${off} instructions away (16-bit offset)`);
    insns[p.index] = { ...insns[p.index]!, off } as Insn;
  }
  return insns;
}

type Target = (index: number, tok: Token, wide: boolean) => number;

function parseLine(line: Line, index: number, target: Target): Insn {
  const name = line.mnemonic.text;
  const m32 = name.endsWith('32') && name !== 'ja32';
  const base = m32 ? name.slice(0, -2) : name;
  const width = m32 ? 32 : 64;
  if (name === 'exit') {
    line.arity(0);
    return { kind: 'exit' };
  }
  if (name === 'ja' || name === 'ja32') {
    line.arity(1);
    return { kind: 'ja', off: target(index, line.op(0), name === 'ja32'), long: name === 'ja32' };
  }
  if (name === 'call') return parseCall(line, index, target);
  if (name === 'lock') return parseLock(line);
  if (name === 'lddw') return parseLddw(line);
  if ((JMP_NAMES as string[]).includes(base)) {
    line.arity(3);
    return { kind: 'jmp', width, op: base as JmpOp, dst: line.reg(0), src: line.operand(1), off: target(index, line.op(2), false) };
  }
  if (base === 'neg') {
    line.arity(1);
    return { kind: 'neg', width, dst: line.reg(0) };
  }
  if ((ALU_NAMES as string[]).includes(base)) {
    line.arity(2);
    return { kind: 'alu', width, op: base as AluOp, dst: line.reg(0), src: line.operand(1) };
  }
  const movsx = /^movsx(8|16|32)(32|64)$/.exec(name);
  if (movsx !== null) {
    line.arity(2);
    const bits = Number(movsx[1]) as 8 | 16 | 32;
    const w = Number(movsx[2]) as 32 | 64;
    if (bits === 32 && w === 32) line.fail(line.mnemonic.column, 'movsx3232 does not exist');
    return { kind: 'movsx', width: w, bits, dst: line.reg(0), src: line.reg(1) };
  }
  const end = /^(be|le|bswap|swap)(16|32|64)$/.exec(name);
  if (end !== null) {
    line.arity(1);
    const order = end[1] === 'be' ? 'be' : end[1] === 'le' ? 'le' : 'swap';
    return { kind: 'end', order, bits: Number(end[2]) as 16 | 32 | 64, dst: line.reg(0) };
  }
  const mem = /^(ldx|ldxs|stx|st|ldabs|ldind)(b|h|w|dw)$/.exec(name);
  if (mem !== null && SIZE_NAMES.includes(mem[2] as Size)) {
    const size = mem[2] as Size;
    switch (mem[1]) {
      case 'ldx':
      case 'ldxs': {
        line.arity(2);
        if (mem[1] === 'ldxs' && size === 'dw') break;
        const { reg, off } = line.memory(1);
        return { kind: 'ldx', size, signed: mem[1] === 'ldxs', dst: line.reg(0), src: reg, off };
      }
      case 'st': {
        line.arity(2);
        const { reg, off } = line.memory(0);
        return { kind: 'st', size, dst: reg, off, imm: line.imm32(1) };
      }
      case 'stx': {
        line.arity(2);
        const { reg, off } = line.memory(0);
        return { kind: 'stx', size, dst: reg, off, src: line.reg(1) };
      }
      case 'ldabs':
        if (size === 'dw') break;
        line.arity(1);
        return { kind: 'ldabs', size, imm: line.imm32(0) };
      case 'ldind':
        if (size === 'dw') break;
        line.arity(2);
        return { kind: 'ldind', size, src: line.reg(0), imm: line.imm32(1) };
    }
  }
  return line.fail(line.mnemonic.column, `unknown mnemonic ${JSON.stringify(name)}`);
}

function parseCall(line: Line, index: number, target: Target): Insn {
  const first = line.op(0);
  if (first.text === 'local') {
    line.arity(2);
    return { kind: 'call_local', off: target(index, line.op(1), true) };
  }
  const which = first.text === 'helper' ? 1 : 0;
  line.arity(which + 1);
  const tok = line.op(which);
  if (tok.text.startsWith('%')) return { kind: 'callx', reg: line.reg(which) };
  return { kind: 'call', helper: line.imm32(which) };
}

function parseLock(line: Line): Insn {
  const fetch = line.operands[0]?.text === 'fetch';
  const rest = new Line(line.number, line.op(fetch ? 1 : 0), line.operands.slice(fetch ? 2 : 1));
  const name = rest.mnemonic.text;
  const size = name.endsWith('32') ? 'w' : 'dw';
  const op = (size === 'w' ? name.slice(0, -2) : name) as AtomicOp;
  if (!ATOMIC_NAMES.includes(op)) rest.fail(rest.mnemonic.column, `unknown atomic operation ${JSON.stringify(name)}`);
  rest.arity(2);
  const { reg, off } = rest.memory(0);
  // xchg and cmpxchg always fetch (BPF_XCHG and BPF_CMPXCHG include BPF_FETCH).
  return { kind: 'atomic', size, op, fetch: fetch || op === 'xchg' || op === 'cmpxchg', dst: reg, off, src: rest.reg(1) };
}

function parseLddw(line: Line): Insn {
  const dst = line.reg(0);
  const kind = line.op(1).text;
  if (kind === 'map_value' || kind === 'map_idx_value') {
    line.arity(4);
    const pseudo = kind === 'map_value' ? BPF_PSEUDO_MAP_VALUE : BPF_PSEUDO_MAP_IDX_VALUE;
    return { kind: 'lddw', dst, pseudo, lo: line.imm32(2), hi: line.imm32(3) };
  }
  let pseudo = 0;
  let valueAt = 1;
  if (kind === 'pseudo') {
    line.arity(4);
    const t = line.op(2);
    pseudo = line.int(t, t.text, 0, 15, 15);
    valueAt = 3;
  } else line.arity(2);
  const t = line.op(valueAt);
  const m = /^(-?)(0x[0-9a-fA-F]+|\d+)$/.exec(t.text);
  if (m === null) line.fail(t.column, `expected a 64-bit number, got ${JSON.stringify(t.text)}`);
  let v = BigInt(m[2]!);
  if (m[1] === '-') v = -v;
  if (v < -(1n << 63n) || v >= 1n << 64n) line.fail(t.column, `${t.text} does not fit in 64 bits`);
  v = BigInt.asUintN(64, v);
  return { kind: 'lddw', dst, pseudo, lo: Number(v & 0xffffffffn) | 0, hi: Number(v >> 32n) | 0 };
}
