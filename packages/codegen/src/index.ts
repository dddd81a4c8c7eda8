/**
 * @ea/codegen: checked ESTree builders for generating JavaScript. Every identifier comes from a
 * Scope, every number is range-checked and spelt by us, comments cannot end early, member and
 * computed access are limited to what the generator allows: nothing reaches the printed source
 * except names we declared and numbers we formatted.
 *
 * @module @ea/codegen
 */
export { CodegenError, Scope, checkName, checkInt } from './scope.js';
export { type Radix, u32, i32, u64, bool, nullLiteral, undefinedValue, array } from './literals.js';
export { lineComment, withComments } from './comments.js';
export {
  type BinOp, bin, logical, unary, not, toU32, toI32, mulU32, call, assignExpr, increment, memberBuilder, indexBuilder, optional,
} from './expressions.js';
export {
  exprStmt, assign, declare, block, ifElse, switchOn, labelled, brk, cont, ret, throwStmt, tryCatch, forLoop, countedLoop,
  whileLoop, fnDecl,
} from './statements.js';
export { importFrom, exportNamed, program, print } from './modules.js';
