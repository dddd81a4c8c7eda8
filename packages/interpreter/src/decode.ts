/**
 * Pre-decoding: a verified program becomes four typed arrays (dense operation index, absolute
 * true/false targets, k) so the run loop is one switch over small integers with no object
 * access. Profile-specific meaning is settled here, once: seccomp's `ld #len` becomes `ld #64`
 * (as seccomp_check_filter rewrites it), `ld [k]` becomes an image load for seccomp/EA and a
 * packet load (or an ancillary load) for sockets.
 */
import { ancillaryField, assertNever, isNegativeOffset, SECCOMP_DATA_SIZE, type AluOp, type JmpOp, type KnownInsn } from '@ea/bpf';
import { libpcapJaTarget, type Profile, runsOnPackets, type VerifiedProgram } from '@ea/verifier';
import { InterpreterError } from './errors.js';

/** What `ld #len` gives a seccomp or EA filter: sizeof(struct seccomp_data). */
export const SECCOMP_LEN = SECCOMP_DATA_SIZE;

/**
 * Names the dense operation indices. They are not BPF opcodes (those live in @ea/bpf's
 * opcodes.ts) but the interpreter's own numbering, contiguous so that V8 compiles the run loop's
 * switch into a jump table (the loop spells them as literals; test/ops.test.ts checks them).
 */
export const OPS = Object.freeze({
  RET_K: 0,
  RET_A: 1,
  LD_IMM: 2,
  LDX_IMM: 3,
  LD_MEM: 4,
  LDX_MEM: 5,
  ST: 6,
  STX: 7,
  TAX: 8,
  TXA: 9,
  LD_LEN: 10,
  LDX_LEN: 11,
  ADD_K: 12,
  SUB_K: 13,
  MUL_K: 14,
  DIV_K: 15,
  OR_K: 16,
  AND_K: 17,
  LSH_K: 18,
  RSH_K: 19,
  MOD_K: 20,
  XOR_K: 21,
  ADD_X: 22,
  SUB_X: 23,
  MUL_X: 24,
  DIV_X: 25,
  OR_X: 26,
  AND_X: 27,
  LSH_X: 28,
  RSH_X: 29,
  MOD_X: 30,
  XOR_X: 31,
  NEG: 32,
  JA: 33,
  JEQ_K: 34,
  JGT_K: 35,
  JGE_K: 36,
  JSET_K: 37,
  JEQ_X: 38,
  JGT_X: 39,
  JGE_X: 40,
  JSET_X: 41,
  // Packet loads at a constant offset k >= 0 (as a signed int), big-endian.
  PKT_W_ABS: 42,
  PKT_H_ABS: 43,
  PKT_B_ABS: 44,
  // Packet loads at a constant negative offset (SKF_NET_OFF / SKF_LL_OFF regions).
  PKT_W_NEG: 45,
  PKT_H_NEG: 46,
  PKT_B_NEG: 47,
  PKT_W_IND: 48,
  PKT_H_IND: 49,
  PKT_B_IND: 50,
  PKT_MSH: 51,
  // Ancillary loads, SKF_AD_OFF + 4 * (op - ANC_PROTOCOL).
  ANC_PROTOCOL: 52,
  ANC_PKTTYPE: 53,
  ANC_IFINDEX: 54,
  ANC_NLATTR: 55,
  ANC_NLATTR_NEST: 56,
  ANC_MARK: 57,
  ANC_QUEUE: 58,
  ANC_HATYPE: 59,
  ANC_RXHASH: 60,
  ANC_CPU: 61,
  ANC_ALU_XOR_X: 62,
  ANC_VLAN_TAG: 63,
  ANC_VLAN_TAG_PRESENT: 64,
  ANC_PAY_OFFSET: 65,
  ANC_RANDOM: 66,
  ANC_VLAN_TPID: 67,
  // seccomp_data / EA image loads: native-endian words.
  IMG_W_ABS: 68,
  IMG_W_IND: 69,
  IMG_TAILZERO: 70,
  // Superinstructions: never produced by decodeOp, only by fuse.ts, which rewrites the first
  // instruction of a pair and leaves the second in place (a jump may still land on it).
  // A constant-offset packet load followed by a conditional jump on k (jeq, jgt, jge, jset).
  PKT_W_ABS_JMP: 71,
  PKT_H_ABS_JMP: 72,
  PKT_B_ABS_JMP: 73,
  // An indirect packet load followed by a conditional jump on k.
  PKT_W_IND_JMP: 74,
  PKT_H_IND_JMP: 75,
  PKT_B_IND_JMP: 76,
  // `ldxb 4*([k]&0xf)` followed by an indirect load (an IPv4 header length, then a field after it).
  PKT_MSH_W_IND: 77,
  PKT_MSH_H_IND: 78,
  PKT_MSH_B_IND: 79,
  // `ld #len` followed by a conditional jump on k (tcpdump's `greater`, `less`, `len`).
  LD_LEN_JMP: 80,
  // The libpcap profile's own operations (libpcap.ts): a constant offset of 2^31 or more (always
  // past the captured length there, where the kernel reads a negative-offset region), indirect
  // loads at X + k without the 32-bit wrap, and shifts by X >= 32 giving 0.
  PCAP_LOAD_FAIL: 81,
  PCAP_W_IND: 82,
  PCAP_H_IND: 83,
  PCAP_B_IND: 84,
  PCAP_LSH_X: 85,
  PCAP_RSH_X: 86,
});

/** One past the largest operation index. */
export const OP_COUNT = 87;

const ALU_BASE: Readonly<Record<AluOp, number>> = {
  add: OPS.ADD_K, sub: OPS.SUB_K, mul: OPS.MUL_K, div: OPS.DIV_K, or: OPS.OR_K,
  and: OPS.AND_K, lsh: OPS.LSH_K, rsh: OPS.RSH_K, mod: OPS.MOD_K, xor: OPS.XOR_K,
};
const JMP_BASE: Readonly<Record<JmpOp, number>> = { jeq: OPS.JEQ_K, jgt: OPS.JGT_K, jge: OPS.JGE_K, jset: OPS.JSET_K };
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

/**
 * Returns whether a program (its operations, fused or not) may read its PacketContext: negative
 * offsets, ancillary fields, and the indirect loads and `ldx msh` whose out-of-range offsets go
 * through loadPacket. A batch run makes a context only for these (`ld #len` reads the batch).
 */
export function readsContext(op: Uint8Array): boolean {
  for (const o of op) {
    if (o >= OPS.PKT_W_NEG && o <= OPS.ANC_VLAN_TPID) return true;
    if (o >= OPS.PKT_W_IND_JMP && o <= OPS.PKT_MSH_B_IND) return true;
  }
  return false;
}

/** Returns the dense operation for one instruction under a profile. */
export function decodeOp(ins: KnownInsn, profile: Profile): number {
  const packet = runsOnPackets(profile);
  switch (ins.kind) {
    case 'ret_k':
      return OPS.RET_K;
    case 'ret_a':
      return OPS.RET_A;
    case 'ld_imm':
      return OPS.LD_IMM;
    case 'ldx_imm':
      return OPS.LDX_IMM;
    case 'ld_mem':
      return OPS.LD_MEM;
    case 'ldx_mem':
      return OPS.LDX_MEM;
    case 'st':
      return OPS.ST;
    case 'stx':
      return OPS.STX;
    case 'tax':
      return OPS.TAX;
    case 'txa':
      return OPS.TXA;
    case 'ld_len':
      return packet ? OPS.LD_LEN : OPS.LD_IMM;
    case 'ldx_len':
      return packet ? OPS.LDX_LEN : OPS.LDX_IMM;
    case 'alu':
      if (profile === 'libpcap' && ins.src === 'x' && (ins.op === 'lsh' || ins.op === 'rsh')) {
        return ins.op === 'lsh' ? OPS.PCAP_LSH_X : OPS.PCAP_RSH_X;
      }
      return ALU_BASE[ins.op] + (ins.src === 'x' ? OPS.ADD_X - OPS.ADD_K : 0);
    case 'neg':
      return OPS.NEG;
    case 'ja':
      return OPS.JA;
    case 'jmp':
      return JMP_BASE[ins.op] + (ins.src === 'x' ? OPS.JEQ_X - OPS.JEQ_K : 0);
    case 'ld_abs': {
      if (!packet) return ins.size === 'w' ? OPS.IMG_W_ABS : notIn(ins, profile);
      // pcap_filter: every k is a packet offset, compared as a u32 with the captured length.
      if (profile === 'libpcap') return isNegativeOffset(ins.k) ? OPS.PCAP_LOAD_FAIL : OPS.PKT_W_ABS + SIZE_INDEX[ins.size];
      const n = ancillaryField(ins);
      // An unknown ancillary offset cannot pass the verifier; were one to reach us anyway it
      // runs as a plain negative load, which fails and returns 0.
      if (n !== undefined && n % 4 === 0 && n / 4 <= OPS.ANC_VLAN_TPID - OPS.ANC_PROTOCOL) return OPS.ANC_PROTOCOL + n / 4;
      return (isNegativeOffset(ins.k) ? OPS.PKT_W_NEG : OPS.PKT_W_ABS) + SIZE_INDEX[ins.size];
    }
    case 'ld_ind':
      if (profile === 'libpcap') return OPS.PCAP_W_IND + SIZE_INDEX[ins.size];
      if (packet) return OPS.PKT_W_IND + SIZE_INDEX[ins.size];
      return ins.size === 'w' && profile === 'ea' ? OPS.IMG_W_IND : notIn(ins, profile);
    case 'ldx_msh':
      if (profile === 'libpcap' && isNegativeOffset(ins.k)) return OPS.PCAP_LOAD_FAIL;
      return packet ? OPS.PKT_MSH : notIn(ins, profile);
    case 'ld_tailzero':
      return profile === 'ea' ? OPS.IMG_TAILZERO : notIn(ins, profile);
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
  const lenIsConstant = !runsOnPackets(program.profile);
  program.insns.forEach((ins, pc) => {
    op[pc] = decodeOp(ins, program.profile);
    const isLen = ins.kind === 'ld_len' || ins.kind === 'ldx_len';
    k[pc] = isLen && lenIsConstant ? SECCOMP_LEN : ins.k;
    // libpcap's pcap_filter adds ja's k as a signed offset (backward jumps); the kernel's never wraps.
    if (ins.kind === 'ja') jt[pc] = program.profile === 'libpcap' ? libpcapJaTarget(pc, ins.k) : pc + 1 + ins.k;
    if (ins.kind === 'jmp') {
      jt[pc] = pc + 1 + ins.jt;
      jf[pc] = pc + 1 + ins.jf;
    }
  });
  return { profile: program.profile, op, jt, jf, k };
}

/**
 * Lays a decoded program out as the run loop reads it: one array holding, for each
 * instruction, its operation (taken from `op`: decoded.op, or fuse.ts's copy with
 * superinstructions), k as int32, and its true and false targets, each times four so that a
 * jump sets the loop's index straight into the array. One array read at one place per
 * instruction, where four separate arrays cost four bounds checks at four places. A plain
 * array of small integers (V8's packed-Smi elements), not an Int32Array: reading a typed array
 * also checks that its buffer was not detached, and the loop measured 10-20% faster this way.
 * With `foldReturns`, a jump to a `ret #k` holds `~target` instead (negative): the loop ends
 * the run with that k at once, without dispatching the RET. Tracing and budgets run the
 * layout without it, so that their hook still sees every instruction executed.
 */
export function layOut(decoded: DecodedProgram, op: Uint8Array, foldReturns: boolean): number[] {
  const n = op.length;
  const code: number[] = [];
  const target = (pc: number, to: number): number => {
    const jumps = decoded.op[pc]! >= OPS.JA && decoded.op[pc]! <= OPS.JSET_X;
    return foldReturns && jumps && decoded.op[to] === OPS.RET_K ? ~(to * 4) : to * 4;
  };
  for (let pc = 0; pc < n; pc++) code.push(op[pc]!, decoded.k[pc]! | 0, target(pc, decoded.jt[pc]!), target(pc, decoded.jf[pc]!));
  return code;
}
