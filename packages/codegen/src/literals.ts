/**
 * The only builders that make `Literal` nodes. astring prints a literal's `raw` text verbatim,
 * so each number is range-checked and spelt here, by us, in a fixed radix; a negative number
 * is a unary minus over a positive literal (a negative `raw` could print as `-2 ** 2`).
 */
import type * as ES from 'estree';
import { checkInt, CodegenError } from './scope.js';

/**
 * How a number is spelt: `dec`, `hex`, or a disassembler's rules: `imm` is hex from 10,
 * `offset` hex from 65536 (classic BPF's formatImm and formatOffset), so that generated code
 * and its `// <pc>: <disassembly>` comments read alike.
 */
export type Radix = 'dec' | 'hex' | 'imm' | 'offset';

function spell(n: number | bigint, radix: Radix): string {
  const hex = radix === 'hex' || (radix === 'imm' && n >= 10) || (radix === 'offset' && n >= 0x10000);
  return hex ? `0x${n.toString(16)}` : n.toString();
}

/** Creates a u32 literal (an integer in [0, 2^32)), spelt in `radix`. */
export function u32(n: number, radix: Radix = 'dec'): ES.Literal {
  checkInt(n, 0, 0xffffffff);
  return { type: 'Literal', value: n, raw: spell(n, radix) };
}

/** Creates an i32 value (an integer in [-2^31, 2^31)): a literal, or `-literal` below 0. */
export function i32(n: number, radix: Radix = 'dec'): ES.Expression {
  checkInt(n, -0x80000000, 0x7fffffff);
  if (n >= 0) return u32(n, radix);
  const abs = -n;
  return { type: 'UnaryExpression', operator: '-', prefix: true, argument: { type: 'Literal', value: abs, raw: spell(abs, radix) } };
}

/** Creates a u64 BigInt literal (`0x...n`), for 64-bit registers kept as BigInt. */
export function u64(n: bigint, radix: Radix = 'dec'): ES.Literal {
  if (typeof n !== 'bigint' || n < 0n || n > 0xffffffffffffffffn) throw new CodegenError(`bigint ${String(n)} outside [0, 2^64)`);
  const raw = spell(n, radix);
  return { type: 'Literal', value: n, raw: `${raw}n`, bigint: n.toString() };
}

/** Creates `true` or `false`. */
export function bool(b: boolean): ES.Literal {
  return { type: 'Literal', value: b, raw: b ? 'true' : 'false' };
}

/** Creates `null`. */
export function nullLiteral(): ES.Literal {
  return { type: 'Literal', value: null, raw: 'null' };
}

/** Creates `void 0`: undefined as an expression (the name `undefined` can be shadowed). */
export function undefinedValue(): ES.UnaryExpression {
  return { type: 'UnaryExpression', operator: 'void', prefix: true, argument: u32(0) };
}

/** Creates `[e0, e1, ...]`. */
export function array(elements: readonly ES.Expression[]): ES.ArrayExpression {
  return { type: 'ArrayExpression', elements: [...elements] };
}
