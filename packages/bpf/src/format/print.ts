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
  if (i.kind === 'unknown') return raw;
  const noJumps = i.jt === 0 && i.jf === 0;
  const noK = i.k === 0;
  switch (i.kind) {
    case 'ld_imm':
      return noJumps ? plain('ld', `#${formatImm(i.k)}`) : raw;
    case 'ld_abs': {
      if (!noJumps) return raw;
      const anc = i.size === 'w' ? ANCILLARY_BY_K.get(i.k) : undefined;
      return plain(LD_MNEMONIC[i.size], anc === undefined ? `[${formatOffset(i.k)}]` : `#${anc}`);
    }
    case 'ld_ind':
      return noJumps ? plain(LD_MNEMONIC[i.size], `[x + ${formatOffset(i.k)}]`) : raw;
    case 'ld_mem':
      return noJumps ? plain('ld', `M[${formatOffset(i.k)}]`) : raw;
    case 'ld_len':
      return noJumps && noK ? plain('ld', '#len') : raw;
    case 'ld_tailzero':
      return noJumps ? plain('ldtz', `#${formatImm(i.k)}`) : raw;
    case 'ldx_imm':
      return noJumps ? plain('ldx', `#${formatImm(i.k)}`) : raw;
    case 'ldx_mem':
      return noJumps ? plain('ldx', `M[${formatOffset(i.k)}]`) : raw;
    case 'ldx_len':
      return noJumps && noK ? plain('ldx', '#len') : raw;
    case 'ldx_msh':
      return noJumps ? plain('ldxb', `4*([${formatOffset(i.k)}]&0xf)`) : raw;
    case 'st':
      return noJumps ? plain('st', `M[${formatOffset(i.k)}]`) : raw;
    case 'stx':
      return noJumps ? plain('stx', `M[${formatOffset(i.k)}]`) : raw;
    case 'alu':
      if (!noJumps) return raw;
      if (i.src === 'x') return noK ? plain(i.op, 'x') : raw;
      return plain(i.op, `#${formatImm(i.k)}`);
    case 'neg':
      return noJumps && noK ? plain('neg') : raw;
    case 'ja':
      return noJumps ? { form: 'ja', mnemonic: 'ja', offset: i.k } : raw;
    case 'jmp':
      if (i.src === 'x' && !noK) return raw;
      return { form: 'cond', mnemonic: i.op, operand: i.src === 'x' ? 'x' : `#${formatImm(i.k)}`, jt: i.jt, jf: i.jf };
    case 'ret_k':
      return noJumps ? plain('ret', `#${formatImm(i.k)}`) : raw;
    case 'ret_a':
      return noJumps && noK ? plain('ret', 'a') : raw;
    case 'tax':
      return noJumps && noK ? plain('tax') : raw;
    case 'txa':
      return noJumps && noK ? plain('txa') : raw;
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
export function formatInsn(ins: SockFilter, pc?: number): string {
  const target =
    pc === undefined ? (off: number) => `+${off}` : (off: number) => `L${pc + 1 + off}`;
  return partsText(insnParts(ins), target);
}
