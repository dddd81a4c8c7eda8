/**
 * One instruction's mnemonic and operands, in bpf_asm syntax (tools/bpf/bpf_asm,
 * Documentation/networking/filter.rst) or in tcpdump -d syntax (`jt N jf N` absolute targets,
 * `#pktlen`, `[proto]`). Jump targets are returned unresolved; `assemble` and the -d reader
 * turn them into offsets.
 */
import { FormatError } from '../errors.js';
import type { SockFilter } from '../insn.js';
import { ANCILLARY, type AncillaryName, BPF_RET, BPF_X, SKF_AD_OFF } from '../opcodes.js';
import { ALU_OPS, codeOf, JMP_OPS, type AluOp, type JmpOp, type LoadSize } from '../table.js';
import { type Cursor, U32_MAX } from './cursor.js';
import { at, quote } from './lexer.js';

/** A jump target as written: a label, a relative `+off`, or (tcpdump -d) an absolute pc. */
export type TargetRef =
  | { readonly kind: 'label'; readonly name: string; readonly column: number }
  | { readonly kind: 'relative'; readonly offset: number; readonly column: number }
  | { readonly kind: 'absolute'; readonly pc: number; readonly column: number };

/** An instruction whose jump fields may still wait for their targets. */
export interface ParsedInsn {
  readonly fields: SockFilter;
  readonly targets: readonly { readonly field: 'jt' | 'jf' | 'k'; readonly ref: TargetRef }[];
  /** Conditional jumps hold 8-bit offsets; `ja` holds a 32-bit one. */
  readonly wide: boolean;
}

/** Which text syntax a line is in: bpf_asm, or a tcpdump -d listing. */
export type Syntax = 'asm' | 'd';

/** tcpdump -d's names for the ancillary loads whose bpf_asm name differs. */
export const TCPDUMP_ANCILLARY_ALIASES: Readonly<Record<string, AncillaryName>> = { vlanp: 'vlan_avail', random: 'rand' };

/** Ancillary offsets by name: bpf_asm's (with its alias vlan_pr), plus libpcap bpf_image's vlanp and random. */
const ANCILLARY_K: ReadonlyMap<string, number> = new Map([
  ...ANCILLARY.map((a): [string, number] => [a.name, (SKF_AD_OFF + a.offset) >>> 0]),
  ...Object.entries({ ...TCPDUMP_ANCILLARY_ALIASES, vlan_pr: 'vlan_avail' }).map(([alias, name]): [string, number] => [
    alias,
    (SKF_AD_OFF + ANCILLARY.find((a) => a.name === name)!.offset) >>> 0,
  ]),
]);


function fields(code: number, k = 0, jt = 0, jf = 0): SockFilter {
  return { code, jt, jf, k };
}

function simple(code: number, k = 0): ParsedInsn {
  return { fields: fields(code, k), targets: [], wide: false };
}

/** `#name` or bare `name`: len (and tcpdump's pktlen) or an ancillary load; undefined otherwise. */
function extension(c: Cursor): string | undefined {
  const hash = c.isPunct('#') ? 1 : 0;
  const name = c.isIdent(hash);
  if (name === undefined) return undefined;
  if (name !== 'len' && name !== 'pktlen' && !ANCILLARY_K.has(name)) {
    if (hash === 1) c.fail('BAD_OPERAND', `unknown extension ${quote(name)}`, c.peek(1)?.column);
    return undefined;
  }
  c.next();
  if (hash === 1) c.next();
  return name === 'pktlen' ? 'len' : name;
}

function register(c: Cursor, name: 'x' | 'a'): boolean {
  const id = c.isIdent();
  if (id === name || id === `%${name}`) {
    c.next();
    return true;
  }
  return false;
}

/** `[k]`, `[x + k]`, `[x]` or tcpdump's `[name]`: a packet load of the given size. */
function packetLoad(c: Cursor, size: LoadSize): ParsedInsn {
  c.punct('[');
  const name = c.isIdent();
  if (name !== undefined && ANCILLARY_K.has(name)) {
    c.next();
    c.punct(']');
    return simple(codeOf({ kind: 'ld_abs', size }), ANCILLARY_K.get(name));
  }
  if (register(c, 'x')) {
    let k = 0;
    if (c.isPunct('+')) {
      c.next();
      k = c.number('offset');
    }
    c.punct(']');
    return simple(codeOf({ kind: 'ld_ind', size }), k);
  }
  const k = c.number('offset');
  c.punct(']');
  return simple(codeOf({ kind: 'ld_abs', size }), k);
}

/** `M[k]`: a scratch memory slot (any u32 parses; the verifier checks k < BPF_MEMWORDS). */
function memory(c: Cursor): number | undefined {
  if (c.isIdent() !== 'm' || !c.isPunct('[', 1)) return undefined;
  c.next();
  c.next();
  const k = c.number('scratch slot');
  c.punct(']');
  return k;
}

function immediate(c: Cursor): number | undefined {
  if (!c.isPunct('#')) return undefined;
  c.next();
  return c.number('immediate');
}

/** `4*([k]&0xf)`: the IPv4 header length load. */
function msh(c: Cursor): number | undefined {
  const t = c.peek();
  if (t?.type !== 'num' || t.value !== 4 || !c.isPunct('*', 1)) return undefined;
  c.next();
  c.next();
  c.punct('(');
  c.punct('[');
  const k = c.number('offset');
  c.punct(']');
  c.punct('&');
  const mask = c.peek();
  if (mask?.type !== 'num' || mask.value !== 0xf) c.fail('BAD_OPERAND', `expected 0xf, found ${c.describe()}`);
  c.next();
  c.punct(')');
  return k;
}

/** bpf_asm's ldi/ldxi take `#k` or a bare number. */
function immediateOrBare(c: Cursor): number | undefined {
  return c.peek()?.type === 'num' ? c.number('immediate') : immediate(c);
}

/** `ldh`/`ldb`: a packet load, or (as bpf_asm allows) an ancillary load of that size. */
function sizedLoad(c: Cursor, size: 'h' | 'b'): ParsedInsn {
  const mnemonic = size === 'h' ? 'ldh' : 'ldb';
  if (c.isPunct('[')) return packetLoad(c, size);
  const ext = extension(c);
  if (ext === 'len') c.fail('BAD_OPERAND', `${mnemonic} cannot load len (use ld #len)`);
  if (ext !== undefined) return simple(codeOf({ kind: 'ld_abs', size }), ANCILLARY_K.get(ext));
  return badOperand(c, mnemonic, '[k], [x + k] or #<extension>');
}

function badOperand(c: Cursor, mnemonic: string, forms: string): never {
  return c.fail('BAD_OPERAND', `${mnemonic} takes ${forms}, found ${c.describe()}`);
}

function ld(c: Cursor): ParsedInsn {
  const ext = extension(c);
  if (ext === 'len') return simple(codeOf({ kind: 'ld_len' }));
  if (ext !== undefined) return simple(codeOf({ kind: 'ld_abs', size: 'w' }), ANCILLARY_K.get(ext));
  const imm = immediate(c);
  if (imm !== undefined) return simple(codeOf({ kind: 'ld_imm' }), imm);
  const mem = memory(c);
  if (mem !== undefined) return simple(codeOf({ kind: 'ld_mem' }), mem);
  if (c.isPunct('[')) return packetLoad(c, 'w');
  return badOperand(c, 'ld', '#k, #len, #<extension>, M[k], [k] or [x + k]');
}

function ldx(c: Cursor, mnemonic: string): ParsedInsn {
  const ext = extension(c);
  if (ext === 'len') return simple(codeOf({ kind: 'ldx_len' }));
  if (ext !== undefined) c.fail('BAD_OPERAND', `${mnemonic} cannot load the ${ext} extension`);
  const imm = immediate(c);
  if (imm !== undefined) return simple(codeOf({ kind: 'ldx_imm' }), imm);
  const mem = memory(c);
  if (mem !== undefined) return simple(codeOf({ kind: 'ldx_mem' }), mem);
  const hdr = msh(c);
  if (hdr !== undefined) return simple(codeOf({ kind: 'ldx_msh' }), hdr);
  return badOperand(c, mnemonic, '#k, #len, M[k] or 4*([k]&0xf)');
}

function alu(op: AluOp) {
  return (c: Cursor): ParsedInsn => {
    if (register(c, 'x')) return simple(codeOf({ kind: 'alu', op, src: 'x' }));
    const imm = immediate(c);
    if (imm !== undefined) return simple(codeOf({ kind: 'alu', op, src: 'k' }), imm);
    return badOperand(c, op, '#k or x');
  };
}

function target(c: Cursor, syntax: Syntax, wide: boolean): TargetRef {
  const column = c.column();
  if (syntax === 'd') {
    // bpf_image prints `n + 1 + k` as a C int, so a far ja can read back negative.
    const t = c.peek();
    if (t?.type !== 'num' || !(Math.abs(t.value) <= 0xffffffff) || (!wide && t.value < 0)) {
      c.fail('BAD_OPERAND', `expected a jump target, found ${c.describe()}`);
    }
    c.next();
    return { kind: 'absolute', pc: t.value, column };
  }
  if (c.isPunct('+')) {
    c.next();
    return { kind: 'relative', offset: c.number('jump offset', wide ? U32_MAX : 0xff, false), column };
  }
  const t = c.peek();
  if (t?.type === 'ident' && !t.text.startsWith('%') && !t.text.startsWith('.')) {
    c.next();
    return { kind: 'label', name: t.text, column };
  }
  return c.fail('BAD_OPERAND', `expected a label or +offset, found ${c.describe()}`);
}

/**
 * A conditional jump. `invert` (jne/jneq, jlt, jle) swaps the branches: bpf_asm encodes
 * `jne #k, L` as JEQ with jf = L, `jlt` as JGE, `jle` as JGT.
 */
function cond(op: JmpOp, invert: boolean) {
  return (c: Cursor, syntax: Syntax, mnemonic: string): ParsedInsn => {
    let src: 'k' | 'x' = 'x';
    let k = 0;
    if (!register(c, 'x')) {
      const imm = immediate(c);
      if (imm === undefined) badOperand(c, mnemonic, '#k or x and jump targets');
      src = 'k';
      k = imm;
    }
    const code = codeOf({ kind: 'jmp', op, src });
    if (syntax === 'd') {
      c.word('jt');
      const jt = target(c, syntax, false);
      c.word('jf');
      const jf = target(c, syntax, false);
      return { fields: fields(code, k), targets: [{ field: 'jt', ref: jt }, { field: 'jf', ref: jf }], wide: false };
    }
    c.punct(',');
    const first = target(c, syntax, false);
    let second: TargetRef | undefined;
    if (c.isPunct(',')) {
      c.next();
      second = target(c, syntax, false);
    }
    const [taken, other] = invert ? (['jf', 'jt'] as const) : (['jt', 'jf'] as const);
    const targets = [{ field: taken, ref: first }];
    if (second !== undefined) targets.push({ field: other, ref: second });
    return { fields: fields(code, k), targets, wide: false };
  };
}

function ja(c: Cursor, syntax: Syntax): ParsedInsn {
  return { fields: fields(codeOf({ kind: 'ja' })), targets: [{ field: 'k', ref: target(c, syntax, true) }], wide: true };
}

function ret(c: Cursor, syntax: Syntax): ParsedInsn {
  // tcpdump -d prints BPF_RET|BPF_A as a bare `ret`.
  if (register(c, 'a') || (syntax === 'd' && c.peek() === undefined)) return simple(codeOf({ kind: 'ret_a' }));
  // bpf_asm encodes `ret x` as BPF_RET|BPF_X, which no kernel accepts; kept so its output reads back.
  if (register(c, 'x')) return simple(BPF_RET | BPF_X);
  const imm = immediate(c);
  if (imm !== undefined) return simple(codeOf({ kind: 'ret_k' }), imm);
  return badOperand(c, 'ret', '#k or a');
}

function store(kind: 'st' | 'stx') {
  return (c: Cursor): ParsedInsn => {
    const mem = memory(c);
    if (mem === undefined) return badOperand(c, kind, 'M[k]');
    return simple(codeOf({ kind }), mem);
  };
}

/** `.insn code, jt, jf, k`: the raw fields, for codes and encodings no mnemonic covers. */
function raw(c: Cursor): ParsedInsn {
  const code = c.number('code', 0xffff);
  c.punct(',');
  const jt = c.number('jt', 0xff);
  c.punct(',');
  const jf = c.number('jf', 0xff);
  c.punct(',');
  const k = c.number('k');
  return { fields: fields(code, k, jt, jf), targets: [], wide: false };
}

function bare(code: () => number) {
  return (): ParsedInsn => simple(code());
}

type Handler = (c: Cursor, syntax: Syntax, mnemonic: string) => ParsedInsn;

const HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['ld', ld],
  ['ldi', (c) => simple(codeOf({ kind: 'ld_imm' }), immediateOrBare(c) ?? badOperand(c, 'ldi', '#k'))],
  ['ldh', (c) => sizedLoad(c, 'h')],
  ['ldb', (c) => sizedLoad(c, 'b')],
  ['ldx', (c) => ldx(c, 'ldx')],
  ['ldxi', (c) => simple(codeOf({ kind: 'ldx_imm' }), immediateOrBare(c) ?? badOperand(c, 'ldxi', '#k'))],
  ['ldxb', (c) => simple(codeOf({ kind: 'ldx_msh' }), msh(c) ?? badOperand(c, 'ldxb', '4*([k]&0xf)'))],
  ['ldtz', (c) => simple(codeOf({ kind: 'ld_tailzero' }), immediate(c) ?? badOperand(c, 'ldtz', '#k'))],
  ['st', store('st')],
  ['stx', store('stx')],
  ...(Object.keys(ALU_OPS) as AluOp[]).map((op): [string, Handler] => [op, alu(op)]),
  ['neg', bare(() => codeOf({ kind: 'neg' }))],
  ['ja', ja],
  ['jmp', ja],
  ...(Object.keys(JMP_OPS) as JmpOp[]).map((op): [string, Handler] => [op, cond(op, false)]),
  ['jne', cond('jeq', true)],
  ['jneq', cond('jeq', true)],
  ['jlt', cond('jge', true)],
  ['jle', cond('jgt', true)],
  ['ret', ret],
  ['tax', bare(() => codeOf({ kind: 'tax' }))],
  ['txa', bare(() => codeOf({ kind: 'txa' }))],
  ['.insn', raw],
]);

/** Parses a mnemonic and its operands; the cursor must be at the mnemonic. */
export function parseInstruction(c: Cursor, syntax: Syntax): ParsedInsn {
  const t = c.next();
  const mnemonic = t.type === 'ident' ? t.text.toLowerCase() : undefined;
  const handler = mnemonic === undefined ? undefined : HANDLERS.get(mnemonic);
  if (handler === undefined || mnemonic === undefined) {
    throw new FormatError('UNKNOWN_MNEMONIC', `unknown mnemonic ${quote(t.text)}`, at(c.line, t.column));
  }
  const parsed = handler(c, syntax, mnemonic);
  c.end();
  return parsed;
}
