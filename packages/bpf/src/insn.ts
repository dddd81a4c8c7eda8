/**
 * A typed classic BPF instruction: the kernel's `struct sock_filter` fields kept
 * verbatim (so encoding is exact, unused fields included) plus the decoded shape.
 */
import { OPCODES, type OpShape } from './table.js';

/** The raw fields of `struct sock_filter`: u16 code, u8 jt, u8 jf, u32 k. */
export interface SockFilter {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** A code the kernel's table does not know; kept so the verifier can name it. */
export interface UnknownShape {
  readonly kind: 'unknown';
}

/** Describes an instruction: the raw fields plus its decoded shape (`kind`), or `unknown` for codes outside the table. */
export type Insn = SockFilter & (OpShape | UnknownShape);
/** Describes an instruction whose code is in the opcode table. */
export type KnownInsn = SockFilter & OpShape;
/** Names the shape of an instruction (`ld_abs`, `jmp`, `ret_k`, ...). */
export type InsnKind = Insn['kind'];

/** Decodes the four raw fields into a typed instruction; never throws for in-range fields. */
export function insn(code: number, jt: number, jf: number, k: number): Insn {
  const info = OPCODES.get(code);
  const fields = { code, jt, jf, k: k >>> 0 };
  // Object.assign, not spread: spread copies end up with a different hidden class almost every
  // time, which makes every later read of .code/.k megamorphic (about 25x slower in V8).
  return Object.assign(fields, info === undefined ? { kind: 'unknown' as const } : info.shape);
}

/** Builds BPF_STMT(code, k), as in linux/filter.h. */
export function stmt(code: number, k: number): Insn {
  return insn(code, 0, 0, k);
}

/** Builds BPF_JUMP(code, k, jt, jf), as in linux/filter.h. */
export function jump(code: number, k: number, jt: number, jf: number): Insn {
  return insn(code, jt, jf, k);
}

/** Marks a switch over instruction kinds as exhaustive. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
