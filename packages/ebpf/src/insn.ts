/**
 * The decoded eBPF instruction: a discriminated union with one member per instruction form, and
 * the per-operation name tables (kernel names -> opcode bits) that decode, encode, assemble and
 * disassemble share. Engines switch over `kind` and end in assertNever.
 */
import {
  BPF_ADD, BPF_AND, BPF_ARSH, BPF_B, BPF_CMPXCHG, BPF_DIV, BPF_DW, BPF_H, BPF_JEQ, BPF_JGE, BPF_JGT,
  BPF_JLE, BPF_JLT, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_LSH, BPF_MOD,
  BPF_MOV, BPF_MUL, BPF_OR, BPF_RSH, BPF_SUB, BPF_W, BPF_XCHG, BPF_XOR,
} from './opcodes.js';

/** Names a two-operand ALU operation (neg, movsx and byte swaps are their own kinds). */
export type AluOp = 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'or' | 'and' | 'lsh' | 'rsh' | 'mod' | 'smod' | 'xor' | 'mov' | 'arsh';
/** Names a conditional jump's comparison. */
export type JmpOp = 'jeq' | 'jgt' | 'jge' | 'jset' | 'jne' | 'jsgt' | 'jsge' | 'jlt' | 'jle' | 'jslt' | 'jsle';
/** Names an atomic read-modify-write. */
export type AtomicOp = 'add' | 'or' | 'and' | 'xor' | 'xchg' | 'cmpxchg';
/** Names an access size: 1, 2, 4 or 8 bytes. */
export type Size = 'b' | 'h' | 'w' | 'dw';
/** Names an ALU width in bits. */
export type Width = 32 | 64;

/** Is the second operand: a register or the sign-extended 32-bit immediate. */
export type Operand = { readonly reg: number } | { readonly imm: number };

/** Is one decoded eBPF instruction (lddw stands for its two slots). */
export type Insn =
  | { readonly kind: 'alu'; readonly width: Width; readonly op: AluOp; readonly dst: number; readonly src: Operand }
  | { readonly kind: 'neg'; readonly width: Width; readonly dst: number }
  /** Sign-extending move of the low `bits` of src (cpu v4; ALU32 allows 8 and 16 only). */
  | { readonly kind: 'movsx'; readonly width: Width; readonly bits: 8 | 16 | 32; readonly dst: number; readonly src: number }
  /** Byte order: `le`/`be` convert from host (little-endian here) order; `swap` always swaps (bswap, cpu v4). */
  | { readonly kind: 'end'; readonly order: 'le' | 'be' | 'swap'; readonly bits: 16 | 32 | 64; readonly dst: number }
  | { readonly kind: 'ldx'; readonly size: Size; readonly signed: boolean; readonly dst: number; readonly src: number; readonly off: number }
  | { readonly kind: 'st'; readonly size: Size; readonly dst: number; readonly off: number; readonly imm: number }
  | { readonly kind: 'stx'; readonly size: Size; readonly dst: number; readonly src: number; readonly off: number }
  | {
      readonly kind: 'atomic'; readonly size: 'w' | 'dw'; readonly op: AtomicOp; readonly fetch: boolean;
      readonly dst: number; readonly src: number; readonly off: number;
    }
  /** 64-bit immediate load; `pseudo` is src_reg (0: the value itself, 1-6: loader pseudo forms). */
  | { readonly kind: 'lddw'; readonly dst: number; readonly pseudo: number; readonly lo: number; readonly hi: number }
  /** Legacy packet load r0 = ntoh(packet[imm]) (socket programs). */
  | { readonly kind: 'ldabs'; readonly size: 'b' | 'h' | 'w'; readonly imm: number }
  /** Legacy packet load r0 = ntoh(packet[src + imm]). */
  | { readonly kind: 'ldind'; readonly size: 'b' | 'h' | 'w'; readonly src: number; readonly imm: number }
  /** Unconditional jump; `long` is ja32 (offset from imm, cpu v4). */
  | { readonly kind: 'ja'; readonly off: number; readonly long: boolean }
  | { readonly kind: 'jmp'; readonly width: Width; readonly op: JmpOp; readonly dst: number; readonly src: Operand; readonly off: number }
  /** Helper call by id. */
  | { readonly kind: 'call'; readonly helper: number }
  /** Local (bpf-to-bpf) call; the callee starts at pc + 1 + off. */
  | { readonly kind: 'call_local'; readonly off: number }
  /** Helper call through a register holding the helper id (callx). */
  | { readonly kind: 'callx'; readonly reg: number }
  | { readonly kind: 'exit' };

/** Lists every instruction kind (for exhaustiveness tests). */
export type InsnKind = Insn['kind'];

/** Maps each ALU operation to its opcode bits; sdiv/smod share div/mod's bits with offset 1. */
export const ALU_OPS: Record<AluOp, number> = {
  add: BPF_ADD, sub: BPF_SUB, mul: BPF_MUL, div: BPF_DIV, sdiv: BPF_DIV, or: BPF_OR, and: BPF_AND,
  lsh: BPF_LSH, rsh: BPF_RSH, mod: BPF_MOD, smod: BPF_MOD, xor: BPF_XOR, mov: BPF_MOV, arsh: BPF_ARSH,
};
/** Maps each conditional jump to its opcode bits. */
export const JMP_OPS: Record<JmpOp, number> = {
  jeq: BPF_JEQ, jgt: BPF_JGT, jge: BPF_JGE, jset: BPF_JSET, jne: BPF_JNE, jsgt: BPF_JSGT,
  jsge: BPF_JSGE, jlt: BPF_JLT, jle: BPF_JLE, jslt: BPF_JSLT, jsle: BPF_JSLE,
};
/** Maps each atomic operation to its imm, without BPF_FETCH. */
export const ATOMIC_OPS: Record<AtomicOp, number> = {
  add: BPF_ADD, or: BPF_OR, and: BPF_AND, xor: BPF_XOR, xchg: BPF_XCHG, cmpxchg: BPF_CMPXCHG,
};
/** Maps each access size to its opcode bits. */
export const SIZES: Record<Size, number> = { b: BPF_B, h: BPF_H, w: BPF_W, dw: BPF_DW };
/** Gives each access size in bytes. */
export const SIZE_BYTES: Record<Size, 1 | 2 | 4 | 8> = { b: 1, h: 2, w: 4, dw: 8 };

/** Returns the key whose value is `bits`, or undefined (a reverse lookup in a name table). */
export function lookup<K extends string>(table: Record<K, number>, bits: number, skip: readonly K[] = []): K | undefined {
  for (const key of Object.keys(table) as K[]) if (table[key] === bits && !skip.includes(key)) return key;
  return undefined;
}

/** Returns lddw's 64-bit value as an unsigned bigint. */
export function lddwValue(insn: { readonly lo: number; readonly hi: number }): bigint {
  return (BigInt(insn.hi >>> 0) << 32n) | BigInt(insn.lo >>> 0);
}

/** Reports an impossible case (a switch that should have been exhaustive). */
export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}

/** Returns how many 8-byte slots an instruction takes (2 for lddw). */
export function slots(insn: Insn): 1 | 2 {
  return insn.kind === 'lddw' ? 2 : 1;
}
