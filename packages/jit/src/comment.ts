/**
 * The `// <pc>: <disassembly>` comment text of one instruction, exactly what `formatInsn(ins,
 * pc)` from @ea/bpf prints, built directly from the decoded fields. formatInsn decodes the
 * instruction several times over (parts, canonical form, raw check) and was the largest share
 * of compile time on big programs; here the common canonical encodings are spelt in one step
 * and anything else (ancillary loads, `ja`, a non-zero unused field) goes to formatInsn itself.
 * test/comment.test.ts checks the two agree on every known opcode.
 */
import { assertNever, formatInsn, isNegativeOffset, type KnownInsn } from '@ea/bpf';

const imm = (k: number): string => (k < 10 ? String(k) : `0x${k.toString(16)}`);
const off = (k: number): string => (k < 0x10000 ? String(k) : `0x${k.toString(16)}`);
const LD = { w: 'ld', h: 'ldh', b: 'ldb' } as const;
const INVERSE = { jeq: 'jne', jgt: 'jle', jge: 'jlt', jset: undefined } as const;
/** The instructions without an operand, as formatInsn spells them. */
const BARE = { ret_a: 'ret a', ld_len: 'ld #len', ldx_len: 'ldx #len', neg: 'neg', tax: 'tax', txa: 'txa' } as const;

/** Returns formatInsn(ins, pc). */
export function insnText(ins: KnownInsn, pc: number): string {
  const fast = fastText(ins, pc);
  return fast ?? formatInsn(ins, pc);
}

function fastText(ins: KnownInsn, pc: number): string | undefined {
  const k = ins.k;
  if (ins.kind !== 'jmp' && (ins.jt !== 0 || ins.jf !== 0)) return undefined;
  /** An instruction without operand: formatInsn shows a non-zero k, so leave that to it. */
  const bare = (text: string): string | undefined => (k === 0 ? text : undefined);
  switch (ins.kind) {
    case 'jmp': {
      // Labels are absolute pcs; formatInsn keeps `+off` only past 2^32, which we leave to it.
      if (pc > 0xfffffe00) return undefined;
      if (ins.src === 'x' && k !== 0) return undefined;
      const operand = ins.src === 'x' ? 'x' : `#${imm(k)}`;
      if (ins.jf === 0) return `${ins.op} ${operand}, L${pc + 1 + ins.jt}`;
      const inverse = INVERSE[ins.op];
      if (ins.jt === 0 && inverse !== undefined) return `${inverse} ${operand}, L${pc + 1 + ins.jf}`;
      return `${ins.op} ${operand}, L${pc + 1 + ins.jt}, L${pc + 1 + ins.jf}`;
    }
    case 'ret_k':
      return `ret #${imm(k)}`;
    case 'ld_abs':
      // Negative offsets include the ancillary names: formatInsn spells those.
      return isNegativeOffset(k) ? undefined : `${LD[ins.size]} [${off(k)}]`;
    case 'ld_ind':
      return `${LD[ins.size]} [x + ${off(k)}]`;
    case 'ld_imm':
      return `ld #${imm(k)}`;
    case 'ldx_imm':
      return `ldx #${imm(k)}`;
    case 'ld_mem':
      return `ld M[${off(k)}]`;
    case 'ldx_mem':
      return `ldx M[${off(k)}]`;
    case 'st':
      return `st M[${off(k)}]`;
    case 'stx':
      return `stx M[${off(k)}]`;
    case 'ldx_msh':
      return `ldxb 4*([${off(k)}]&0xf)`;
    case 'ld_tailzero':
      return `ldtz #${imm(k)}`;
    case 'alu':
      return ins.src === 'k' ? `${ins.op} #${imm(k)}` : bare(`${ins.op} x`);
    case 'ret_a':
    case 'ld_len':
    case 'ldx_len':
    case 'neg':
    case 'tax':
    case 'txa':
      return bare(BARE[ins.kind]);
    case 'ja':
      // formatInsn spells ja's target.
      return undefined;
    default:
      return assertNever(ins);
  }
}
