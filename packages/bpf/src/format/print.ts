/**
 * One instruction to bpf_asm text (tools/bpf/bpf_asm, Documentation/networking/filter.rst).
 * The same operand rules serve the single-instruction formatter used in diagnostics and JIT
 * comments, the whole-program disassembler (labels) and the tcpdump `-d` writer.
 *
 * Radix, chosen once: immediates `#k` are decimal below 10 and hex (`0x…`) above, packet and
 * scratch offsets (`[k]`, `M[k]`) are decimal below 65536 and hex above (SKF_AD_OFF & co.).
 * Anything that would not reassemble to the same 8 bytes (unknown code, a non-zero unused field)
 * prints as the raw directive `.insn code, jt, jf, k`.
 */
import { insn, assertNever, type Insn, type SockFilter } from '../insn.js';
import { ANCILLARY, SKF_AD_OFF } from '../opcodes.js';
import { seccompComment } from './seccomp.js';

/** Formats an immediate: decimal below 10, otherwise lower-case hex. */
export function formatImm(k: number): string {
  return k < 10 ? String(k) : `0x${k.toString(16)}`;
}

/** Formats a packet or scratch-memory offset: decimal below 65536, otherwise hex. */
export function formatOffset(k: number): string {
  return k < 0x10000 ? String(k) : `0x${k.toString(16)}`;
}

const ANCILLARY_BY_K: ReadonlyMap<number, string> = new Map(
  ANCILLARY.map((a) => [(SKF_AD_OFF + a.offset) >>> 0, a.name]),
);

/** The mnemonic for each load size, as bpf_asm spells it. */
const LD_MNEMONIC = { w: 'ld', h: 'ldh', b: 'ldb' } as const;

/**
 * An instruction split into printable parts. `jump` carries the raw offsets; the caller decides
 * whether they become labels, absolute pcs or `+off`.
 */
export type InsnParts =
  | { readonly form: 'plain'; readonly mnemonic: string; readonly operand: string }
  | { readonly form: 'ja'; readonly mnemonic: 'ja'; readonly offset: number }
  | {
      readonly form: 'cond';
      readonly mnemonic: 'jeq' | 'jgt' | 'jge' | 'jset';
      readonly operand: string;
      readonly jt: number;
      readonly jf: number;
    }
  | { readonly form: 'raw'; readonly mnemonic: '.insn'; readonly operand: string };

function plain(mnemonic: string, operand = ''): InsnParts {
  return { form: 'plain', mnemonic, operand };
}

/** Formats the raw directive operand `0xCODE, jt, jf, k`. */
export function rawOperand(f: SockFilter): string {
  return `0x${f.code.toString(16)}, ${f.jt}, ${f.jf}, ${formatImm(f.k)}`;
}

/** Splits an instruction into mnemonic and operand; non-canonical encodings become `.insn`. */
export function insnParts(input: SockFilter): InsnParts {
  const i: Insn = insn(input.code, input.jt, input.jf, input.k);
  const raw: InsnParts = { form: 'raw', mnemonic: '.insn', operand: rawOperand(i) };
  return partsOf(i, raw);
}

/**
 * Returns the instruction with the fields its kind ignores set to 0 (what the kernel executes;
 * libpcap, for one, leaves junk in the k of `tax`). Unknown codes come back unchanged.
 */
export function canonicalInsn(input: SockFilter): Insn {
  const i = insn(input.code, input.jt, input.jf, input.k);
  if (i.kind === 'unknown') return i;
  const uses = usedFields(i);
  return insn(i.code, uses.jumps ? i.jt : 0, uses.jumps ? i.jf : 0, uses.k ? i.k : 0);
}

function usedFields(i: Exclude<Insn, { kind: 'unknown' }>): { k: boolean; jumps: boolean } {
  const none = i.kind === 'ld_len' || i.kind === 'ldx_len' || i.kind === 'neg' || i.kind === 'ret_a';
  const noK = none || i.kind === 'tax' || i.kind === 'txa' || ((i.kind === 'alu' || i.kind === 'jmp') && i.src === 'x');
  return { k: !noK, jumps: i.kind === 'jmp' };
}

function partsOf(i: Insn, raw: InsnParts): InsnParts {
  if (i.kind === 'unknown') return raw;
  const c = canonicalInsn(i);
  if (c.jt !== i.jt || c.jf !== i.jf || c.k !== i.k) return raw;
  switch (i.kind) {
    case 'ld_imm':
      return plain('ld', `#${formatImm(i.k)}`);
    case 'ld_abs': {
      // bpf_asm accepts the extensions with ld, ldh and ldb alike.
      const anc = ANCILLARY_BY_K.get(i.k);
      return plain(LD_MNEMONIC[i.size], anc === undefined ? `[${formatOffset(i.k)}]` : `#${anc}`);
    }
    case 'ld_ind':
      return plain(LD_MNEMONIC[i.size], `[x + ${formatOffset(i.k)}]`);
    case 'ld_mem':
      return plain('ld', `M[${formatOffset(i.k)}]`);
    case 'ld_len':
      return plain('ld', '#len');
    case 'ld_tailzero':
      return plain('ldtz', `#${formatImm(i.k)}`);
    case 'ldx_imm':
      return plain('ldx', `#${formatImm(i.k)}`);
    case 'ldx_mem':
      return plain('ldx', `M[${formatOffset(i.k)}]`);
    case 'ldx_len':
      return plain('ldx', '#len');
    case 'ldx_msh':
      return plain('ldxb', `4*([${formatOffset(i.k)}]&0xf)`);
    case 'st':
      return plain('st', `M[${formatOffset(i.k)}]`);
    case 'stx':
      return plain('stx', `M[${formatOffset(i.k)}]`);
    case 'alu':
      if (i.src === 'x') return plain(i.op, 'x');
      return plain(i.op, `#${formatImm(i.k)}`);
    case 'neg':
      return plain('neg');
    case 'ja':
      return { form: 'ja', mnemonic: 'ja', offset: i.k };
    case 'jmp':
      return { form: 'cond', mnemonic: i.op, operand: i.src === 'x' ? 'x' : `#${formatImm(i.k)}`, jt: i.jt, jf: i.jf };
    case 'ret_k':
      return plain('ret', `#${formatImm(i.k)}`);
    case 'ret_a':
      return plain('ret', 'a');
    case 'tax':
      return plain('tax');
    case 'txa':
      return plain('txa');
    default:
      return assertNever(i);
  }
}

/** The inverse mnemonic bpf_asm offers when only the false branch jumps (jt == 0). */
const INVERSE = { jeq: 'jne', jgt: 'jle', jge: 'jlt', jset: undefined } as const;

/**
 * Formats a conditional jump's operands in bpf_asm's one- or two-target form; `target(off)`
 * names the instruction `off` past the next one.
 */
export function condText(
  p: Extract<InsnParts, { form: 'cond' }>,
  target: (offset: number) => string,
): string {
  if (p.jf === 0) return `${p.mnemonic} ${p.operand}, ${target(p.jt)}`;
  const inverse = INVERSE[p.mnemonic];
  if (p.jt === 0 && inverse !== undefined) return `${inverse} ${p.operand}, ${target(p.jf)}`;
  return `${p.mnemonic} ${p.operand}, ${target(p.jt)}, ${target(p.jf)}`;
}

/** Joins mnemonic and operand with bpf_asm's spacing. */
export function partsText(p: InsnParts, target: (offset: number) => string): string {
  switch (p.form) {
    case 'plain':
    case 'raw':
      return p.operand === '' ? p.mnemonic : `${p.mnemonic} ${p.operand}`;
    case 'ja':
      return `ja ${target(p.offset)}`;
    case 'cond':
      return condText(p, target);
    default:
      return assertNever(p);
  }
}

/**
 * Formats one instruction without labels, for diagnostics and JIT comments. With `pc`, jump
 * targets are absolute (`L<pc>`, the names `disassemble` gives its labels); without it they are
 * relative (`+off`, the offset past the next instruction, as encoded).
 */
export function formatInsn(ins: SockFilter, pc?: number, options: FormatOptions = {}): string {
  // A ja whose target wraps past 2^32 (libpcap's backward jumps) keeps its raw offset.
  const target = (off: number): string =>
    pc === undefined || pc + 1 + off > 0xffffffff ? `+${off}` : `L${pc + 1 + off}`;
  return partsText(insnParts(ins), target) + rawComment(ins, target) + extraComment(ins, options);
}

/** Options for formatInsn and disassemble. */
export interface FormatOptions {
  /** Adds `; ALLOW`, `; ERRNO(1)`, `; arch`, `; args[0]` … comments for seccomp filters. */
  readonly seccomp?: boolean;
}

/** Returns the optional symbolic comment (` ; …`) the options ask for, or ''. */
export function extraComment(ins: SockFilter, options: FormatOptions): string {
  const note = options.seccomp ? seccompComment(ins) : undefined;
  return note === undefined ? '' : ` ; ${note}`;
}

/**
 * Returns, for a known code printed raw because an unused field is non-zero, ` ; <meaning>`
 * (the canonical form, which is what the kernel runs), else ''.
 */
export function rawComment(ins: SockFilter, target: (offset: number) => string): string {
  const p = insnParts(ins);
  const canonical = canonicalInsn(ins);
  if (p.form !== 'raw' || canonical.kind === 'unknown') return '';
  return ` ; ${partsText(insnParts(canonical), target)}`;
}
