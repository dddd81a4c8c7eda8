/**
 * Pre-decoding: a verified program becomes four typed arrays (dense operation index, absolute
 * true/false targets, k) so the run loop is one switch over small integers with no object
 * access. Profile-specific meaning is settled here, once: seccomp's `ld #len` becomes `ld #64`
 * (as seccomp_check_filter rewrites it), `ld [k]` becomes an image load for seccomp/EA and a
 * packet load (or an ancillary load) for sockets.
 */
import { assertNever, SKF_AD_OFF, SECCOMP_DATA_SIZE, type AluOp, type JmpOp, type KnownInsn } from '@ea/bpf';
import type { Profile, VerifiedProgram } from '@ea/verifier';
import { InterpreterError } from './errors.js';

/** What `ld #len` gives a seccomp or EA filter: sizeof(struct seccomp_data). */
export const SECCOMP_LEN = SECCOMP_DATA_SIZE;

/*
 * The dense operation indices. These are not BPF opcodes (those live in @ea/bpf's opcodes.ts);
 * they are the interpreter's own numbering, chosen contiguous so V8 compiles the run loop's
 * switch into a jump table.
 */
export const RET_K = 0;
export const RET_A = 1;
export const LD_IMM = 2;
export const LDX_IMM = 3;
export const LD_MEM = 4;
export const LDX_MEM = 5;
export const ST = 6;
export const STX = 7;
export const TAX = 8;
export const TXA = 9;
export const LD_LEN = 10;
export const LDX_LEN = 11;
export const ADD_K = 12;
export const SUB_K = 13;
export const MUL_K = 14;
export const DIV_K = 15;
export const OR_K = 16;
export const AND_K = 17;
export const LSH_K = 18;
export const RSH_K = 19;
export const MOD_K = 20;
export const XOR_K = 21;
export const ADD_X = 22;
export const SUB_X = 23;
export const MUL_X = 24;
export const DIV_X = 25;
export const OR_X = 26;
export const AND_X = 27;
export const LSH_X = 28;
export const RSH_X = 29;
export const MOD_X = 30;
export const XOR_X = 31;
export const NEG = 32;
export const JA = 33;
export const JEQ_K = 34;
export const JGT_K = 35;
export const JGE_K = 36;
export const JSET_K = 37;
export const JEQ_X = 38;
export const JGT_X = 39;
export const JGE_X = 40;
export const JSET_X = 41;
/** Packet loads at a constant offset k >= 0 (as a signed int), big-endian. */
export const PKT_W_ABS = 42;
export const PKT_H_ABS = 43;
export const PKT_B_ABS = 44;
/** Packet loads at a constant negative offset (SKF_NET_OFF / SKF_LL_OFF regions). */
export const PKT_W_NEG = 45;
export const PKT_H_NEG = 46;
export const PKT_B_NEG = 47;
export const PKT_W_IND = 48;
export const PKT_H_IND = 49;
export const PKT_B_IND = 50;
export const PKT_MSH = 51;
/** Ancillary loads, SKF_AD_OFF + 4 * (op - ANC_PROTOCOL). */
export const ANC_PROTOCOL = 52;
export const ANC_PKTTYPE = 53;
export const ANC_IFINDEX = 54;
export const ANC_NLATTR = 55;
export const ANC_NLATTR_NEST = 56;
export const ANC_MARK = 57;
export const ANC_QUEUE = 58;
export const ANC_HATYPE = 59;
export const ANC_RXHASH = 60;
export const ANC_CPU = 61;
export const ANC_ALU_XOR_X = 62;
export const ANC_VLAN_TAG = 63;
export const ANC_VLAN_TAG_PRESENT = 64;
export const ANC_PAY_OFFSET = 65;
export const ANC_RANDOM = 66;
export const ANC_VLAN_TPID = 67;
/** seccomp_data / EA image loads: native-endian words. */
export const IMG_W_ABS = 68;
export const IMG_W_IND = 69;
export const IMG_TAILZERO = 70;
/** One past the largest operation index. */
export const OP_COUNT = 71;

const ALU_BASE: Readonly<Record<AluOp, number>> = {
  add: ADD_K, sub: SUB_K, mul: MUL_K, div: DIV_K, or: OR_K,
  and: AND_K, lsh: LSH_K, rsh: RSH_K, mod: MOD_K, xor: XOR_K,
};
const JMP_BASE: Readonly<Record<JmpOp, number>> = { jeq: JEQ_K, jgt: JGT_K, jge: JGE_K, jset: JSET_K };
const SIZE_INDEX = { w: 0, h: 1, b: 2 } as const;

/** A program in the interpreter's pre-decoded form. */
export interface DecodedProgram {
  readonly profile: Profile;
  /** Dense operation index per instruction. */
  readonly op: Uint8Array;
  /** Absolute pc of the true branch (conditional jumps) or of the JA target. */
  readonly jt: Uint16Array;
  /** Absolute pc of the false branch. */
  readonly jf: Uint16Array;
  /** The immediate, as u32. */
  readonly k: Uint32Array;
}

/** Returns the dense operation for one instruction under a profile. */
export function decodeOp(ins: KnownInsn, profile: Profile): number {
  const packet = profile === 'socket';
  switch (ins.kind) {
    case 'ret_k':
      return RET_K;
    case 'ret_a':
      return RET_A;
    case 'ld_imm':
      return LD_IMM;
    case 'ldx_imm':
      return LDX_IMM;
    case 'ld_mem':
      return LD_MEM;
    case 'ldx_mem':
      return LDX_MEM;
    case 'st':
      return ST;
    case 'stx':
      return STX;
    case 'tax':
      return TAX;
    case 'txa':
      return TXA;
    case 'ld_len':
      return packet ? LD_LEN : LD_IMM;
    case 'ldx_len':
      return packet ? LDX_LEN : LDX_IMM;
    case 'alu':
      return ALU_BASE[ins.op] + (ins.src === 'x' ? ADD_X - ADD_K : 0);
    case 'neg':
      return NEG;
    case 'ja':
      return JA;
    case 'jmp':
      return JMP_BASE[ins.op] + (ins.src === 'x' ? JEQ_X - JEQ_K : 0);
    case 'ld_abs':
      if (!packet) return ins.size === 'w' ? IMG_W_ABS : notIn(ins, profile);
      if (ins.k >= SKF_AD_OFF) {
        const n = ins.k - SKF_AD_OFF;
        // An unknown ancillary offset cannot pass the verifier; were one to reach us anyway it
        // runs as a plain negative load, which fails and returns 0.
        if (n % 4 === 0 && n / 4 <= ANC_VLAN_TPID - ANC_PROTOCOL) return ANC_PROTOCOL + n / 4;
        return PKT_W_NEG + SIZE_INDEX[ins.size];
      }
      return (ins.k | 0) >= 0 ? PKT_W_ABS + SIZE_INDEX[ins.size] : PKT_W_NEG + SIZE_INDEX[ins.size];
    case 'ld_ind':
      if (packet) return PKT_W_IND + SIZE_INDEX[ins.size];
      return ins.size === 'w' && profile === 'ea' ? IMG_W_IND : notIn(ins, profile);
    case 'ldx_msh':
      return packet ? PKT_MSH : notIn(ins, profile);
    case 'ld_tailzero':
      return profile === 'ea' ? IMG_TAILZERO : notIn(ins, profile);
    default:
      return assertNever(ins);
  }
}

/**
 * Refuses an instruction the profile cannot run. The verifier never lets one through; this keeps
 * a hand-made VerifiedProgram from reaching a load with no input behind it.
 */
function notIn(ins: KnownInsn, profile: Profile): never {
  throw new InterpreterError('WRONG_PROFILE', `${ins.kind} (code 0x${ins.code.toString(16)}) cannot run in the ${profile} profile`);
}

/** Pre-decodes a verified program into typed arrays. */
export function decode(program: VerifiedProgram): DecodedProgram {
  const n = program.insns.length;
  const op = new Uint8Array(n);
  const jt = new Uint16Array(n);
  const jf = new Uint16Array(n);
  const k = new Uint32Array(n);
  const lenIsConstant = program.profile !== 'socket';
  program.insns.forEach((ins, pc) => {
    op[pc] = decodeOp(ins, program.profile);
    const isLen = ins.kind === 'ld_len' || ins.kind === 'ldx_len';
    k[pc] = isLen && lenIsConstant ? SECCOMP_LEN : ins.k;
    if (ins.kind === 'ja') jt[pc] = pc + 1 + ins.k;
    if (ins.kind === 'jmp') {
      jt[pc] = pc + 1 + ins.jt;
      jf[pc] = pc + 1 + ins.jf;
    }
  });
  return { profile: program.profile, op, jt, jf, k };
}
