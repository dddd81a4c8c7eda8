/**
 * The numeric rules of RFC 9669 on unsigned 64-bit bigints, written once for the interpreter:
 * ALU32 works on the low 32 bits and zero-extends; immediates are sign-extended; shift counts are
 * masked (& 63, & 31); division by zero gives 0 and modulo by zero leaves dst (the kernel's
 * fixup_bpf_calls patch does the same); signed division truncates toward zero, so INT_MIN / -1 is
 * INT_MIN and INT_MIN % -1 is 0; byte order is relative to a little-endian host.
 */
import { type AluOp, assertNever, type JmpOp, type Width } from './insn.js';

const M64 = 0xffffffffffffffffn;
const M32 = 0xffffffffn;

/** Returns a 64-bit value truncated to the operation width (unsigned). */
export const trunc = (v: bigint, width: Width): bigint => (width === 64 ? v & M64 : v & M32);
/** Returns a value of `width` bits read as signed. */
export const signed = (v: bigint, width: Width): bigint => BigInt.asIntN(width, v);

/** Returns the 64-bit (unsigned) value of a sign-extended 32-bit immediate. */
export const imm64 = (imm: number): bigint => BigInt(imm) & M64;

/** Applies an ALU operation of `width` bits; the result is zero-extended to 64 bits. */
export function alu(op: AluOp, width: Width, dst: bigint, src: bigint): bigint {
  // Registers always hold values in [0, 2^64): only a 32-bit operation needs to cut its operands.
  const a = width === 64 ? dst : dst & M32;
  const b = width === 64 ? src : src & M32;
  const bits = BigInt(width);
  switch (op) {
    case 'add': return trunc(a + b, width);
    case 'sub': return trunc(a - b, width);
    case 'mul': return trunc(a * b, width);
    case 'div': return b === 0n ? 0n : a / b;
    case 'mod': return b === 0n ? a : a % b;
    case 'sdiv': return b === 0n ? 0n : trunc(signed(a, width) / signed(b, width), width);
    case 'smod': return b === 0n ? a : trunc(signed(a, width) % signed(b, width), width);
    case 'or': return a | b;
    case 'and': return a & b;
    case 'xor': return a ^ b;
    case 'lsh': return trunc(a << (b & (bits - 1n)), width);
    case 'rsh': return a >> (b & (bits - 1n));
    case 'arsh': return trunc(signed(a, width) >> (b & (bits - 1n)), width);
    case 'mov': return b;
    default: return assertNever(op);
  }
}

/** Reverses the byte order of the low `bits` bits (the result has only those bits). */
export function swapBytes(v: bigint, bits: 16 | 32 | 64): bigint {
  let out = 0n;
  for (let i = 0n; i < BigInt(bits); i += 8n) out = (out << 8n) | ((v >> i) & 0xffn);
  return out;
}

/** Applies be/le/bswap on a little-endian host: le truncates, be and swap swap (RFC 9669 4.2). */
export function byteOrder(order: 'le' | 'be' | 'swap', bits: 16 | 32 | 64, v: bigint): bigint {
  return order === 'le' ? v & ((1n << BigInt(bits)) - 1n) : swapBytes(v, bits);
}

/** Returns the low `bits` of v sign-extended to `width`, zero-extended to 64 (movsx). */
export function signExtend(v: bigint, bits: 8 | 16 | 32, width: Width): bigint {
  return trunc(BigInt.asIntN(bits, v), width);
}

/** Evaluates a conditional jump's comparison on `width` bits. */
export function compare(op: JmpOp, width: Width, dst: bigint, src: bigint): boolean {
  const a = width === 64 ? dst : dst & M32;
  const b = width === 64 ? src : src & M32;
  switch (op) {
    case 'jeq': return a === b;
    case 'jne': return a !== b;
    case 'jgt': return a > b;
    case 'jge': return a >= b;
    case 'jlt': return a < b;
    case 'jle': return a <= b;
    case 'jset': return (a & b) !== 0n;
    case 'jsgt': return signed(a, width) > signed(b, width);
    case 'jsge': return signed(a, width) >= signed(b, width);
    case 'jslt': return signed(a, width) < signed(b, width);
    case 'jsle': return signed(a, width) <= signed(b, width);
    default: return assertNever(op);
  }
}
