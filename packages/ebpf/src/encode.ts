/**
 * Encodes typed instructions back into raw slots and bytes: the inverse of decode.ts, so that
 * encode(decode(x)) reproduces every valid program bit for bit.
 */
import { type RawInsn, writeSlots } from './binary.js';
import { ALU_OPS, ATOMIC_OPS, assertNever, type Insn, JMP_OPS, type Operand, SIZES } from './insn.js';
import {
  BPF_ABS, BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH, BPF_IMM, BPF_IND, BPF_JA,
  BPF_JMP, BPF_JMP32, BPF_K, BPF_LD, BPF_LDX, BPF_MEM, BPF_MEMSX, BPF_MOV, BPF_NEG, BPF_PSEUDO_CALL, BPF_ST, BPF_STX,
  BPF_TO_BE, BPF_TO_LE, BPF_X,
} from './opcodes.js';

const slot = (code: number, dst = 0, src = 0, off = 0, imm = 0): RawInsn => ({ code, dst, src, off, imm });

function operand(o: Operand): { s: number; src: number; imm: number } {
  return 'reg' in o ? { s: BPF_X, src: o.reg, imm: 0 } : { s: BPF_K, src: 0, imm: o.imm };
}

/** Encodes one instruction into its slot(s). */
export function encodeInsn(insn: Insn): RawInsn[] {
  switch (insn.kind) {
    case 'alu': {
      const cls = insn.width === 64 ? BPF_ALU64 : BPF_ALU;
      const o = operand(insn.src);
      const off = insn.op === 'sdiv' || insn.op === 'smod' ? 1 : 0;
      return [slot(cls | ALU_OPS[insn.op] | o.s, insn.dst, o.src, off, o.imm)];
    }
    case 'neg':
      return [slot((insn.width === 64 ? BPF_ALU64 : BPF_ALU) | BPF_NEG | BPF_K, insn.dst)];
    case 'movsx':
      return [slot((insn.width === 64 ? BPF_ALU64 : BPF_ALU) | BPF_MOV | BPF_X, insn.dst, insn.src, insn.bits)];
    case 'end': {
      const code = insn.order === 'swap' ? BPF_ALU64 | BPF_END | BPF_TO_LE : BPF_ALU | BPF_END | (insn.order === 'be' ? BPF_TO_BE : BPF_TO_LE);
      return [slot(code, insn.dst, 0, 0, insn.bits)];
    }
    case 'ldx':
      return [slot(BPF_LDX | (insn.signed ? BPF_MEMSX : BPF_MEM) | SIZES[insn.size], insn.dst, insn.src, insn.off)];
    case 'st':
      return [slot(BPF_ST | BPF_MEM | SIZES[insn.size], insn.dst, 0, insn.off, insn.imm)];
    case 'stx':
      return [slot(BPF_STX | BPF_MEM | SIZES[insn.size], insn.dst, insn.src, insn.off)];
    case 'atomic':
      return [slot(BPF_STX | BPF_ATOMIC | SIZES[insn.size], insn.dst, insn.src, insn.off, ATOMIC_OPS[insn.op] | (insn.fetch ? BPF_FETCH : 0))];
    case 'lddw':
      return [slot(BPF_LD | BPF_IMM | BPF_DW, insn.dst, insn.pseudo, 0, insn.lo), slot(0, 0, 0, 0, insn.hi)];
    case 'ldabs':
      return [slot(BPF_LD | BPF_ABS | SIZES[insn.size], 0, 0, 0, insn.imm)];
    case 'ldind':
      return [slot(BPF_LD | BPF_IND | SIZES[insn.size], 0, insn.src, 0, insn.imm)];
    case 'ja':
      return [insn.long ? slot(BPF_JMP32 | BPF_JA, 0, 0, 0, insn.off) : slot(BPF_JMP | BPF_JA, 0, 0, insn.off)];
    case 'jmp': {
      const o = operand(insn.src);
      return [slot((insn.width === 64 ? BPF_JMP : BPF_JMP32) | JMP_OPS[insn.op] | o.s, insn.dst, o.src, insn.off, o.imm)];
    }
    case 'call':
      return [slot(BPF_JMP | BPF_CALL, 0, 0, 0, insn.helper)];
    case 'call_local':
      return [slot(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, insn.off)];
    case 'callx':
      return [slot(BPF_JMP | BPF_CALL | BPF_X, insn.reg)];
    case 'exit':
      return [slot(BPF_JMP | BPF_EXIT)];
    default:
      return assertNever(insn);
  }
}

/** Encodes instructions into program bytes. */
export function encode(insns: readonly Insn[]): Uint8Array {
  return writeSlots(insns.flatMap(encodeInsn));
}
