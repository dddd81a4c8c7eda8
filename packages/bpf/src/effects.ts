/**
 * What each instruction reads, writes and where control goes next: the facts every pass over a
 * program needs (the verifier, the JIT's analysis, its if-conversion), written once, each as an
 * exhaustive switch so a new instruction kind breaks compilation until it is described here.
 */
import { assertNever, type KnownInsn } from './insn.js';
import { SKF_AD_ALU_XOR_X, SKF_AD_HATYPE, SKF_AD_IFINDEX, SKF_AD_NLATTR, SKF_AD_NLATTR_NEST, SKF_AD_OFF } from './opcodes.js';
import { LOAD_SIZES } from './table.js';

/**
 * Returns whether the offset k of `ld [k]`, `ldx 4*([k]&0xf)` or `ld [x + k]` (X + k wrapped to
 * 32 bits) is negative: the kernel reads it as a signed `int`, so from 2^31 up it is not a packet
 * byte but the ancillary area (SKF_AD_OFF, convert_bpf_extensions) or a header-relative load
 * (SKF_NET_OFF, SKF_LL_OFF: bpf_internal_load_pointer_neg_helper).
 */
export function isNegativeOffset(k: number): boolean {
  return k >>> 0 >= 0x80000000;
}

/** Returns the ancillary field an `ld [k]` reads (k - SKF_AD_OFF), or undefined when it reads data. */
export function ancillaryField(ins: KnownInsn): number | undefined {
  return ins.kind === 'ld_abs' && ins.k >= SKF_AD_OFF ? ins.k - SKF_AD_OFF : undefined;
}

/**
 * Returns how many bytes an instruction reads from the packet or data at its offset: the load
 * size for `ld [k]` and `ld [x + k]`, 1 for `ldx 4*([k]&0xf)`, 0 for everything else (`ldtz`
 * reads the EA caller's bytes, not the image at k).
 */
export function loadWidth(ins: KnownInsn): number {
  switch (ins.kind) {
    case 'ld_abs':
    case 'ld_ind':
      return LOAD_SIZES[ins.size].bytes;
    case 'ldx_msh':
      return 1;
    case 'ld_imm':
    case 'ld_mem':
    case 'ld_len':
    case 'ld_tailzero':
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
      return 0;
    default:
      return assertNever(ins);
  }
}

/**
 * Returns the pcs control may go to after the instruction at `pc`: none after a return, the
 * target of `ja`, [true, false] targets of a conditional jump (possibly equal), else pc + 1.
 */
export function successors(ins: KnownInsn, pc: number): number[] {
  switch (ins.kind) {
    case 'ret_k':
    case 'ret_a':
      return [];
    case 'ja':
      return [pc + 1 + ins.k];
    case 'jmp':
      return [pc + 1 + ins.jt, pc + 1 + ins.jf];
    case 'ld_imm':
    case 'ld_abs':
    case 'ld_ind':
    case 'ld_mem':
    case 'ld_len':
    case 'ld_tailzero':
    case 'ldx_imm':
    case 'ldx_mem':
    case 'ldx_len':
    case 'ldx_msh':
    case 'st':
    case 'stx':
    case 'alu':
    case 'neg':
    case 'tax':
    case 'txa':
      return [pc + 1];
    default:
      return assertNever(ins);
  }
}

/** The bit of A in a register set (regsRead, regsWritten). */
export const REG_A = 1;
/** The bit of X in a register set. */
export const REG_X = 2;

/** Returns the register-set bit of scratch cell M[k] (k below BPF_MEMWORDS, as the verifier proves). */
export function regM(k: number): number {
  return 4 << (k & 15);
}

/**
 * Returns the registers (REG_A, REG_X, regM(k)) an instruction reads. Ancillary loads read what
 * convert_bpf_extensions reads: nlattr searches from offset A for type X, xor_x is A ^ X, and
 * ifindex/hatype exit returning A when the packet has no device.
 */
export function regsRead(ins: KnownInsn): number {
  switch (ins.kind) {
    case 'ld_imm':
    case 'ld_len':
    case 'ld_tailzero':
    case 'ldx_imm':
    case 'ldx_len':
    case 'ldx_msh':
    case 'ja':
    case 'ret_k':
      return 0;
    case 'ld_abs': {
      const field = ancillaryField(ins);
      if (field === SKF_AD_NLATTR || field === SKF_AD_NLATTR_NEST || field === SKF_AD_ALU_XOR_X) return REG_A | REG_X;
      return field === SKF_AD_IFINDEX || field === SKF_AD_HATYPE ? REG_A : 0;
    }
    case 'ld_ind':
    case 'txa':
      return REG_X;
    case 'ld_mem':
    case 'ldx_mem':
      return regM(ins.k);
    case 'st':
    case 'tax':
    case 'neg':
    case 'ret_a':
      return REG_A;
    case 'stx':
      return REG_X;
    case 'alu':
    case 'jmp':
      return ins.src === 'x' ? REG_A | REG_X : REG_A;
    default:
      return assertNever(ins);
  }
}

/** Returns the registers (REG_A, REG_X, regM(k)) an instruction writes. */
export function regsWritten(ins: KnownInsn): number {
  switch (ins.kind) {
    case 'ld_imm':
    case 'ld_abs':
    case 'ld_ind':
    case 'ld_mem':
    case 'ld_len':
    case 'ld_tailzero':
    case 'alu':
    case 'neg':
    case 'txa':
      return REG_A;
    case 'ldx_imm':
    case 'ldx_mem':
    case 'ldx_len':
    case 'ldx_msh':
    case 'tax':
      return REG_X;
    case 'st':
    case 'stx':
      return regM(ins.k);
    case 'ja':
    case 'jmp':
    case 'ret_k':
    case 'ret_a':
      return 0;
    default:
      return assertNever(ins);
  }
}
