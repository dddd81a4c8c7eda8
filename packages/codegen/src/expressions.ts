/**
 * Expression builders. Operators come from fixed unions; member access goes through a builder
 * made for a fixed list of property names (memberBuilder) and computed access through one made
 * for a rule over declared identifiers (indexBuilder), so generated code can only reach the
 * properties and arrays its generator chose.
 */
import type * as ES from 'estree';
import { CodegenError, checkName } from './scope.js';
import { u32 } from './literals.js';

/** The binary operators generated code uses. */
export type BinOp = '+' | '-' | '*' | '/' | '%' | '|' | '&' | '^' | '<<' | '>>' | '>>>' | '===' | '!==' | '<' | '<=' | '>' | '>=';

/** Creates a binary expression (astring adds the parentheses precedence needs). */
export function bin(operator: BinOp, left: ES.Expression, right: ES.Expression): ES.BinaryExpression {
  return { type: 'BinaryExpression', operator, left, right };
}

/** Creates `a || b`, `a && b` or `a ?? b`. */
export function logical(operator: '||' | '&&' | '??', left: ES.Expression, right: ES.Expression): ES.LogicalExpression {
  return { type: 'LogicalExpression', operator, left, right };
}

/** Creates `!e`, `~e` or `-e`. */
export function unary(operator: '!' | '~' | '-', argument: ES.Expression): ES.UnaryExpression {
  return { type: 'UnaryExpression', operator, prefix: true, argument };
}

/** Creates `!e`. */
export function not(argument: ES.Expression): ES.UnaryExpression {
  return unary('!', argument);
}

/** Creates `e >>> 0`: the u32 reading of a 32-bit result. */
export function toU32(e: ES.Expression): ES.Expression {
  return bin('>>>', e, u32(0));
}

/** Creates `e | 0`: the i32 reading of a 32-bit result. */
export function toI32(e: ES.Expression): ES.Expression {
  return bin('|', e, u32(0));
}

/**
 * Creates `imul(a, b) >>> 0`, the u32 product; `imul` names Math.imul as the generated code
 * receives it (a parameter or an import, so no global is looked up at run time).
 */
export function mulU32(imul: ES.Identifier, a: ES.Expression, b: ES.Expression): ES.Expression {
  return toU32(call(imul, [a, b]));
}

/** Creates a call. */
export function call(callee: ES.Expression, args: readonly ES.Expression[]): ES.CallExpression {
  return { type: 'CallExpression', callee, arguments: [...args], optional: false };
}

/** Creates `target = value` as an expression (a loop's update, say). */
export function assignExpr(target: ES.Identifier | ES.MemberExpression, value: ES.Expression): ES.AssignmentExpression {
  return { type: 'AssignmentExpression', operator: '=', left: target, right: value };
}

/** Creates `target++`. */
export function increment(target: ES.Identifier): ES.UpdateExpression {
  return { type: 'UpdateExpression', operator: '++', prefix: false, argument: target };
}

/** Creates `object?.name` from a member access (a null or undefined object gives undefined). */
export function optional(member: ES.MemberExpression): ES.ChainExpression {
  return { type: 'ChainExpression', expression: { ...member, optional: true } };
}

const FORBIDDEN_PROPERTIES = new Set(['constructor', '__proto__', 'prototype']);

/**
 * Returns a builder of `object.name` (never computed) for the given property names only; the
 * names themselves must be plain identifiers, not `constructor`, `__proto__` or `prototype`.
 */
export function memberBuilder(names: Iterable<string>): (object: ES.Expression, name: string) => ES.MemberExpression {
  const allowed = new Set<string>();
  for (const name of names) {
    if (FORBIDDEN_PROPERTIES.has(name)) throw new CodegenError(`property ${JSON.stringify(name)} is never allowed`);
    allowed.add(checkName(name));
  }
  return (object, name) => {
    if (!allowed.has(name)) throw new CodegenError(`property ${JSON.stringify(name)} is not allowed`);
    return { type: 'MemberExpression', object, property: { type: 'Identifier', name }, computed: false, optional: false };
  };
}

/**
 * Returns a builder of `array[index]` for identifiers that `allowed(array, index)` accepts
 * (by name: which arrays exist, and which index proves the access in bounds is the caller's rule).
 */
export function indexBuilder(
  allowed: (array: string, index: string) => boolean,
): (array: ES.Identifier, index: ES.Identifier) => ES.MemberExpression {
  return (array, index) => {
    if (!allowed(array.name, index.name)) throw new CodegenError(`indexing ${array.name}[${index.name}] is not allowed`);
    return { type: 'MemberExpression', object: array, property: index, computed: true, optional: false };
  };
}
