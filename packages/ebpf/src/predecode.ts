/**
 * The fast interpreter's program form: each slot pre-decoded once into four int32 words of one
 * Int32Array, so the run loop reads numbers instead of walking `Insn` objects (the layout of the
 * kernel's ___bpf_prog_run jump table, with operand forms resolved ahead of time, as uBPF's and
 * DPDK's interpreters do not):
 *
 *   word 0: op (bits 0-7, OP below) | dst (8-11) | src (12-15) | aux (16-23: atomic op, fetch)
 *   word 1: the memory offset, or a jump's or local call's absolute target pc
 *   word 2: imm (the operand's low half; lddw's low word; a helper id)
 *   word 3: the operand's high half: imm sign-extended, or lddw's high word
 *
 * OP numbers are this file's own dense numbering, not eBPF opcodes: the run loop switches over
 * them with literal case labels, which V8 compiles to a jump table only when the labels are
 * literal small integers. Each case there names its OP in a comment.
 */
import type { CheckedProgram } from './check.js';
import { type AluOp, assertNever, type AtomicOp, type Insn, type JmpOp, type Operand, type Size } from './insn.js';

const ALU_ORDER: readonly AluOp[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'mod', 'smod', 'xor', 'mov', 'arsh'];
const JMP_ORDER: readonly JmpOp[] = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jset', 'jsgt', 'jsge', 'jslt', 'jsle'];

/** Returns an ALU op's number: 0-55, four per operation (32/64-bit x imm/register). */
export const aluOp = (op: AluOp, width: 32 | 64, reg: boolean): number => ALU_ORDER.indexOf(op) * 4 + (width === 64 ? 2 : 0) + (reg ? 1 : 0);
/** Returns a conditional jump's number: 56-99, four per comparison (32/64-bit x imm/register). */
export const jmpOp = (op: JmpOp, width: 32 | 64, reg: boolean): number => 56 + JMP_ORDER.indexOf(op) * 4 + (width === 64 ? 2 : 0) + (reg ? 1 : 0);

/** Numbers the remaining forms (after the 100 ALU and jump numbers). */
export const OP = {
  NEG32: 100, NEG64: 101,
  MOVSX32_8: 102, MOVSX32_16: 103, MOVSX64_8: 104, MOVSX64_16: 105, MOVSX64_32: 106,
  LE16: 107, LE32: 108, LE64: 109, SWAP16: 110, SWAP32: 111, SWAP64: 112,
  LDXB: 113, LDXH: 114, LDXW: 115, LDXDW: 116, LDXSB: 117, LDXSH: 118, LDXSW: 119,
  STB: 120, STH: 121, STW: 122, STDW: 123, STXB: 124, STXH: 125, STXW: 126, STXDW: 127,
  ATOMIC32: 128, ATOMIC64: 129,
  LDDW: 130, LDDW_REGION: 131,
  LDABS_B: 132, LDABS_H: 133, LDABS_W: 134, LDIND_B: 135, LDIND_H: 136, LDIND_W: 137,
  JA: 138, CALL: 139, CALL_LOCAL: 140, CALLX: 141, EXIT: 142,
} as const;

/** Numbers an atomic operation in word 0's aux field (bit 3 of aux: fetch). */
export const ATOMIC_AUX: Record<AtomicOp, number> = { add: 0, or: 1, and: 2, xor: 3, xchg: 4, cmpxchg: 5 };
/** Marks an atomic that fetches the old value into src (aux bit 3). */
export const ATOMIC_FETCH = 8;

const SIZE_INDEX: Record<Size, number> = { b: 0, h: 1, w: 2, dw: 3 };

const pack = (op: number, dst: number, src: number, aux = 0): number => op | (dst << 8) | (src << 12) | (aux << 16);

const caches = new WeakMap<CheckedProgram, Int32Array>();

/** Returns the pre-decoded form of a checked program (memoized per program). */
export function predecode(program: CheckedProgram): Int32Array {
  let code = caches.get(program);
  if (code === undefined) {
    code = new Int32Array(program.insns.length * 4);
    program.insns.forEach((insn, pc) => {
      if (insn !== undefined) encodeSlot(code!, pc, insn);
    });
    caches.set(program, code);
  }
  return code;
}

/** Writes one instruction's four words. */
function encodeSlot(code: Int32Array, pc: number, insn: Insn): void {
  const i = pc * 4;
  const operand = (src: Operand): void => {
    if ('imm' in src) {
      code[i + 2] = src.imm;
      code[i + 3] = src.imm >> 31;
    }
  };
  const srcReg = (src: Operand): number => ('reg' in src ? src.reg : 0);
  switch (insn.kind) {
    case 'alu':
      code[i] = pack(aluOp(insn.op, insn.width, 'reg' in insn.src), insn.dst, srcReg(insn.src));
      operand(insn.src);
      return;
    case 'neg':
      code[i] = pack(insn.width === 64 ? OP.NEG64 : OP.NEG32, insn.dst, 0);
      return;
    case 'movsx': {
      const op = insn.width === 32 ? (insn.bits === 8 ? OP.MOVSX32_8 : OP.MOVSX32_16) : insn.bits === 8 ? OP.MOVSX64_8 : insn.bits === 16 ? OP.MOVSX64_16 : OP.MOVSX64_32;
      code[i] = pack(op, insn.dst, insn.src);
      return;
    }
    case 'end': {
      // On a little-endian host `le` only truncates; `be` and `swap` both swap.
      const k = insn.bits === 16 ? 0 : insn.bits === 32 ? 1 : 2;
      code[i] = pack((insn.order === 'le' ? OP.LE16 : OP.SWAP16) + k, insn.dst, 0);
      return;
    }
    case 'ldx':
      code[i] = pack((insn.signed ? OP.LDXSB : OP.LDXB) + SIZE_INDEX[insn.size], insn.dst, insn.src);
      code[i + 1] = insn.off;
      return;
    case 'st':
      code[i] = pack(OP.STB + SIZE_INDEX[insn.size], insn.dst, 0);
      code[i + 1] = insn.off;
      operand({ imm: insn.imm });
      return;
    case 'stx':
      code[i] = pack(OP.STXB + SIZE_INDEX[insn.size], insn.dst, insn.src);
      code[i + 1] = insn.off;
      return;
    case 'atomic':
      code[i] = pack(insn.size === 'dw' ? OP.ATOMIC64 : OP.ATOMIC32, insn.dst, insn.src, ATOMIC_AUX[insn.op] | (insn.fetch ? ATOMIC_FETCH : 0));
      code[i + 1] = insn.off;
      return;
    case 'lddw':
      // pseudo 0: the value itself; 2/6 (the only others check() accepts): region `lo`, offset `hi`.
      code[i] = pack(insn.pseudo === 0 ? OP.LDDW : OP.LDDW_REGION, insn.dst, 0);
      code[i + 2] = insn.lo;
      code[i + 3] = insn.hi;
      return;
    case 'ldabs':
    case 'ldind':
      code[i] = pack((insn.kind === 'ldabs' ? OP.LDABS_B : OP.LDIND_B) + SIZE_INDEX[insn.size], 0, insn.kind === 'ldind' ? insn.src : 0);
      code[i + 2] = insn.imm;
      return;
    case 'ja':
      code[i] = pack(OP.JA, 0, 0);
      code[i + 1] = pc + 1 + insn.off;
      return;
    case 'jmp':
      code[i] = pack(jmpOp(insn.op, insn.width, 'reg' in insn.src), insn.dst, srcReg(insn.src));
      code[i + 1] = pc + 1 + insn.off;
      operand(insn.src);
      return;
    case 'call':
      code[i] = pack(OP.CALL, 0, 0);
      code[i + 2] = insn.helper;
      return;
    case 'call_local':
      code[i] = pack(OP.CALL_LOCAL, 0, 0);
      code[i + 1] = pc + 1 + insn.off;
      return;
    case 'callx':
      code[i] = pack(OP.CALLX, insn.reg, 0);
      return;
    case 'exit':
      code[i] = pack(OP.EXIT, 0, 0);
      return;
    default:
      assertNever(insn);
  }
}
