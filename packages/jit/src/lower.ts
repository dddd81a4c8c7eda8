/**
 * The ESTree of what both code generators (emit.ts, the ordinary code, and ifconvert.ts, the
 * branch-free form) make of an operation: an ALU result, a jump's test, a packet read, the
 * `ldx 4*([k]&0xf)` nibble, the kernel's indirect offset. Written once so the two cannot drift.
 */
import type * as ES from 'estree';
import { type AluOp, type JmpOp, type KnownInsn, isNegativeOffset, type LoadSize, loadWidth } from '@ea/bpf';
import { type BinOp, bin, call, mulU32, toI32, toU32, u32 } from '@ea/codegen';
import { member } from './access.js';

/** The DataView getter of each load size (packets are big-endian: the getters' default). */
const GETTER: Readonly<Record<LoadSize, 'getUint32' | 'getUint16' | 'getUint8'>> = { w: 'getUint32', h: 'getUint16', b: 'getUint8' };

/** Creates `view.getUintN(base + offset)`: a packet read of `size` at a packet offset. */
export function packetRead(view: ES.Expression, base: ES.Expression, size: LoadSize, offset: ES.Expression): ES.Expression {
  return call(member(view, GETTER[size]), [bin('+', base, offset)]);
}

/** Creates `(byte & 0xf) << 2`: X of `ldx 4*([k]&0xf)`. */
export function nibble(byte: ES.Expression): ES.Expression {
  return bin('<<', bin('&', byte, u32(0xf, 'hex')), u32(2));
}

/** Creates `(x + k) | 0`: the kernel's indirect offset, X + k wrapped to 32 bits and read as signed. */
export function indirectOffset(x: ES.Expression, k: number): ES.Expression {
  return toI32(bin('+', x, u32(k, 'offset')));
}

/** Returns whether a socket `ld [k]` or `ldx 4*([k]&0xf)` reads the packet at k >= 0 (not negative, not ancillary). */
export function isPlainPacketLoad(ins: KnownInsn): boolean {
  return (ins.kind === 'ld_abs' || ins.kind === 'ldx_msh') && !isNegativeOffset(ins.k);
}

/** Returns one past the last byte a plain packet load reads, else 0. */
export function plainLoadEnd(ins: KnownInsn): number {
  return isPlainPacketLoad(ins) ? ins.k + loadWidth(ins) : 0;
}

/** The JavaScript operator of each ALU operation but mul (which is imul). */
const ALU_OPERATOR: Readonly<Record<Exclude<AluOp, 'mul'>, BinOp>> = {
  add: '+', sub: '-', div: '/', mod: '%', or: '|', and: '&', xor: '^', lsh: '<<', rsh: '>>>',
};

/**
 * Creates the u32 result of `a op b` for u32 operands. `>>> 0` reads each result as u32:
 * `u32 / u32` is never within double rounding of the next integer, so it also floors exactly;
 * JavaScript masks shift counts to 5 bits, the kernel's X & 31 (constant counts are < 32).
 * `rsh` needs no `>>> 0`, nor does `mod` unless the divisor may be 0 (`NaN >>> 0` is 0, what
 * the branch-free form needs; the ordinary code tests X first, bpf_convert_filter's guard).
 */
export function aluValue(op: AluOp, a: ES.Expression, b: ES.Expression, imul: () => ES.Identifier, divisorMayBeZero: boolean): ES.Expression {
  if (op === 'mul') return mulU32(imul(), a, b);
  const value = bin(ALU_OPERATOR[op], a, b);
  return op === 'rsh' || (op === 'mod' && !divisorMayBeZero) ? value : toU32(value);
}

/** The JavaScript comparison of each conditional jump but jset. */
const JUMP_OPERATOR: Readonly<Record<Exclude<JmpOp, 'jset'>, BinOp>> = { jeq: '===', jgt: '>', jge: '>=' };

/** Creates the test of a conditional jump on u32 operands (A and X always hold u32 values). */
export function jumpTest(op: JmpOp, a: ES.Expression, b: ES.Expression): ES.Expression {
  return op === 'jset' ? bin('!==', bin('&', a, b), u32(0)) : bin(JUMP_OPERATOR[op], a, b);
}
