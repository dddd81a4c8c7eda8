/**
 * Compile-time evaluation of ALU operations and jump conditions on known u32 values, for
 * constant propagation and jump threading. Written apart from the interpreter's arithmetic
 * (STYLE point 6) so the differential tests compare two implementations of each rule.
 */
import { type AluOp, assertNever, type JmpOp } from '@ea/bpf';

/** The result of folding an ALU operation: a u32, or `div0` (the program returns 0 there). */
export type Folded = number | 'div0';

/** Evaluates `a op b` as the kernel's 32-bit ALU does (unsigned wrap, X & 31 shifts). */
export function foldAlu(op: AluOp, a: number, b: number): Folded {
  switch (op) {
    case 'add':
      return (a + b) >>> 0;
    case 'sub':
      return (a - b) >>> 0;
    case 'mul':
      return Math.imul(a, b) >>> 0;
    case 'div':
      return b === 0 ? 'div0' : Math.floor(a / b) >>> 0;
    case 'mod':
      return b === 0 ? 'div0' : a % b >>> 0;
    case 'or':
      return (a | b) >>> 0;
    case 'and':
      return (a & b) >>> 0;
    case 'xor':
      return (a ^ b) >>> 0;
    case 'lsh':
      return (a << (b & 31)) >>> 0;
    case 'rsh':
      return a >>> (b & 31);
    default:
      return assertNever(op);
  }
}

/** Evaluates a conditional jump's test on known u32 operands. */
export function foldJump(op: JmpOp, a: number, b: number): boolean {
  switch (op) {
    case 'jeq':
      return a === b;
    case 'jgt':
      return a > b;
    case 'jge':
      return a >= b;
    case 'jset':
      return (a & b) !== 0;
    default:
      return assertNever(op);
  }
}
