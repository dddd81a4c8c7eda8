/** Statement builders: declarations, assignments, blocks, branches, loops, labels and functions. */
import type * as ES from 'estree';
import { assignExpr, bin, increment } from './expressions.js';
import { u32 } from './literals.js';

/** Creates `e;`. */
export function exprStmt(expression: ES.Expression): ES.ExpressionStatement {
  return { type: 'ExpressionStatement', expression };
}

/** Creates `target = value;` (a member target comes from memberBuilder or indexBuilder). */
export function assign(target: ES.Identifier | ES.MemberExpression, value: ES.Expression): ES.ExpressionStatement {
  return exprStmt(assignExpr(target, value));
}

/** Creates `let a = e1, b = e2;` or the `const` or `var` form. */
export function declare(kind: 'let' | 'const' | 'var', pairs: readonly (readonly [ES.Identifier, ES.Expression])[]): ES.VariableDeclaration {
  return {
    type: 'VariableDeclaration',
    kind,
    declarations: pairs.map(([id, init]) => ({ type: 'VariableDeclarator', id, init })),
  };
}

/** Creates `{ ... }`. */
export function block(body: ES.Statement[]): ES.BlockStatement {
  return { type: 'BlockStatement', body };
}

/** Creates `if (test) { cons } else { alt }` (no else when `alt` is undefined). */
export function ifElse(test: ES.Expression, cons: ES.Statement[], alt?: ES.Statement[]): ES.IfStatement {
  return { type: 'IfStatement', test, consequent: block(cons), alternate: alt === undefined ? null : block(alt) };
}

/** Creates `switch (discriminant) { case k: body ... }` over u32 keys (each body ends its case itself). */
export function switchOn(discriminant: ES.Expression, cases: readonly (readonly [number, ES.Statement[]])[]): ES.SwitchStatement {
  return {
    type: 'SwitchStatement',
    discriminant,
    cases: cases.map(([k, body]) => ({ type: 'SwitchCase', test: u32(k), consequent: body })),
  };
}

/** Creates `label: { body }`, or `label: loop` when given a loop (for `continue label`). */
export function labelled(label: ES.Identifier, body: ES.Statement[] | ES.ForStatement | ES.WhileStatement): ES.LabeledStatement {
  return { type: 'LabeledStatement', label, body: Array.isArray(body) ? block(body) : body };
}

/** Creates `break label;` (or a plain `break;`). */
export function brk(label?: ES.Identifier): ES.BreakStatement {
  return { type: 'BreakStatement', label: label ?? null };
}

/** Creates `continue label;` (or a plain `continue;`). */
export function cont(label?: ES.Identifier): ES.ContinueStatement {
  return { type: 'ContinueStatement', label: label ?? null };
}

/** Creates `return value;`. */
export function ret(value: ES.Expression): ES.ReturnStatement {
  return { type: 'ReturnStatement', argument: value };
}

/** Creates `throw value;`. */
export function throwStmt(value: ES.Expression): ES.ThrowStatement {
  return { type: 'ThrowStatement', argument: value };
}

/** Creates `try { body } catch { handler }`: the exception is never bound. */
export function tryCatch(body: ES.Statement[], handler: ES.Statement[]): ES.TryStatement {
  return { type: 'TryStatement', block: block(body), handler: { type: 'CatchClause', param: null, body: block(handler) }, finalizer: null };
}

/** Creates `for (init; test; update) { body }` (null parts are left empty). */
export function forLoop(
  init: ES.VariableDeclaration | null,
  test: ES.Expression | null,
  update: ES.Expression | null,
  body: ES.Statement[],
): ES.ForStatement {
  return { type: 'ForStatement', init, test, update, body: block(body) };
}

/** Creates `for (let i = 0; i < count; i++) { body }`. */
export function countedLoop(i: ES.Identifier, count: ES.Expression, body: ES.Statement[]): ES.ForStatement {
  return forLoop(declare('let', [[i, u32(0)]]), bin('<', i, count), increment(i), body);
}

/** Creates `while (test) { body }`. */
export function whileLoop(test: ES.Expression, body: ES.Statement[]): ES.WhileStatement {
  return { type: 'WhileStatement', test, body: block(body) };
}

/** Creates `function name(params) { body }` as a declaration. */
export function fnDecl(name: ES.Identifier, params: readonly ES.Identifier[], body: ES.Statement[]): ES.FunctionDeclaration {
  return { type: 'FunctionDeclaration', id: name, params: [...params], body: block(body), generator: false, async: false };
}
