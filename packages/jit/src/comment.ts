/**
 * The `// <pc>: <disassembly>` comment text of one instruction, exactly what `formatInsn(ins,
 * pc)` from @ea/bpf prints, built directly from the decoded fields. formatInsn decodes the
 * instruction several times over (parts, canonical form, raw check) and was the largest share
 * of compile time on big programs; here the common canonical encodings are spelt in one step
 * and anything else (ancillary loads, `ja`, a non-zero unused field) goes to formatInsn itself.
 * test/comment.test.ts checks the two agree on every known opcode.
 */
import { formatInsn, type KnownInsn } from '@ea/bpf';

const imm = (k: number): string => (k < 10 ? String(k) : `0x${k.toString(16)}`);
const off = (k: number): string => (k < 0x10000 ? String(k) : `0x${k.toString(16)}`);
const LD = { w: 'ld', h: 'ldh', b: 'ldb' } as const;
const INVERSE = { jeq: 'jne', jgt: 'jle', jge: 'jlt', jset: undefined } as const;

/** Returns formatInsn(ins, pc). */
export function insnText(ins: KnownInsn, pc: number): string {
  const fast = fastText(ins, pc);
  return fast ?? formatInsn(ins, pc);
}

function fastText(ins: KnownInsn, pc: number): string | undefined {
  const k = ins.k;
  if (ins.kind === 'jmp') {
    // Labels are absolute pcs; formatInsn keeps `+off` only past 2^32, which we leave to it.
    if (pc > 0xfffffe00) return undefined;
    let operand: string;
    if (ins.src === 'x') {
      if (k !== 0) return undefined;
      operand = 'x';
    } else {
      operand = `#${imm(k)}`;
    }
    if (ins.jf === 0) return `${ins.op} ${operand}, L${pc + 1 + ins.jt}`;
    const inverse = INVERSE[ins.op];
    if (ins.jt === 0 && inverse !== undefined) return `${inverse} ${operand}, L${pc + 1 + ins.jf}`;
    return `${ins.op} ${operand}, L${pc + 1 + ins.jt}, L${pc + 1 + ins.jf}`;
  }
  if (ins.jt !== 0 || ins.jf !== 0) return undefined;
  switch (ins.kind) {
    case 'ret_k':
      return `ret #${imm(k)}`;
    case 'ld_abs':
      // Offsets from 2^31 up include the ancillary names: formatInsn spells those.
      return k < 0x80000000 ? `${LD[ins.size]} [${off(k)}]` : undefined;
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
      if (ins.src === 'k') return `${ins.op} #${imm(k)}`;
      return k === 0 ? `${ins.op} x` : undefined;
    default:
      break;
  }
  if (k !== 0) return undefined;
  switch (ins.kind) {
    case 'ret_a':
      return 'ret a';
    case 'ld_len':
      return 'ld #len';
    case 'ldx_len':
      return 'ldx #len';
    case 'neg':
      return 'neg';
    case 'tax':
      return 'tax';
    case 'txa':
      return 'txa';
    default:
      return undefined;
  }
}
