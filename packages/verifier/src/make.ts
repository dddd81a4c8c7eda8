/**
 * Builds the typed instruction objects of a VerifiedProgram. Object literals with a fixed key
 * order per shape family keep V8's hidden classes few, which makes them several times cheaper to
 * create and to read than objects built by spreading (insn() from @ea/bpf).
 */
import { assertNever, OPCODES, type KnownInsn, type OpcodeInfo } from '@ea/bpf';

/** Returns a fresh typed instruction for a code the opcode table knows. */
export function makeInsn(code: number, jt: number, jf: number, k: number): KnownInsn {
  const shape = (OPCODES.get(code) as OpcodeInfo).shape;
  switch (shape.kind) {
    case 'ld_abs':
    case 'ld_ind':
      return { code, jt, jf, k, kind: shape.kind, size: shape.size };
    case 'alu':
      return { code, jt, jf, k, kind: shape.kind, op: shape.op, src: shape.src };
    case 'jmp':
      return { code, jt, jf, k, kind: shape.kind, op: shape.op, src: shape.src };
    case 'ld_imm':
    case 'ld_mem':
    case 'ld_len':
    case 'ld_tailzero':
    case 'ldx_imm':
    case 'ldx_mem':
    case 'ldx_len':
    case 'ldx_msh':
    case 'st':
    case 'stx':
    case 'neg':
    case 'ja':
    case 'ret_k':
    case 'ret_a':
    case 'tax':
    case 'txa':
      return { code, jt, jf, k, kind: shape.kind };
    default:
      return assertNever(shape);
  }
}
