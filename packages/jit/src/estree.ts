/**
 * The checked ESTree builders: the only code in the JIT that creates `Literal`, `Identifier`
 * and comment nodes. astring prints what it is given verbatim (a literal's `raw`, a comment's
 * text, an identifier's name), so every leaf is validated here: numbers are integers in range
 * and printed by us in a fixed radix, names must be declared in a `Scope`, comments may not
 * contain a line break or `*` `/`. Nothing from the input program reaches the source except
 * numbers that passed these checks.
 */
import type * as ES from 'estree';

/** Thrown when codegen asks for a leaf the builders refuse: a bug in the JIT, never user input. */
export class CodegenError extends Error {
  override readonly name = 'CodegenError';
}

const NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const RESERVED = new Set([
  'arguments', 'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default',
  'delete', 'do', 'else', 'enum', 'eval', 'export', 'extends', 'false', 'finally', 'for', 'function',
  'if', 'implements', 'import', 'in', 'instanceof', 'interface', 'let', 'new', 'null', 'package',
  'private', 'protected', 'public', 'return', 'static', 'super', 'switch', 'this', 'throw', 'true',
  'try', 'typeof', 'undefined', 'var', 'void', 'while', 'with', 'yield',
]);

/** Property names generated code may read: the DataView accessors and the context's fields. */
export const PROPERTIES = new Set(['getUint8', 'getUint16', 'getUint32', 'byteLength', 'data', 'wireLength', 'offset', 'length']);

/**
 * The names one generated function may use. Names are declared once (parameters, locals,
 * labels) and `id()` refuses anything else, so a typo or an unexpected name is a codegen bug
 * caught at build time, not a free variable at run time.
 */
export class Scope {
  readonly #names = new Set<string>();
  /** One frozen Identifier per name: nodes are never mutated, and big programs use A thousands of times. */
  readonly #ids = new Map<string, ES.Identifier>();

  /** Declares a fixed name (a parameter, a local, a helper). */
  declare(name: string): string {
    if (!NAME.test(name) || RESERVED.has(name)) throw new CodegenError(`bad name ${JSON.stringify(name)}`);
    this.#names.add(name);
    return name;
  }

  /** Declares the label of the block a jump to `pc` breaks out of. */
  label(pc: number): string {
    return this.declare(`L${checkInt(pc, 0, 0xffff)}`);
  }

  /** Returns whether `name` was declared. */
  has(name: string): boolean {
    return this.#names.has(name);
  }

  /** Returns the names declared so far. */
  names(): readonly string[] {
    return [...this.#names];
  }

  /** Returns an Identifier for a declared name. */
  id(name: string): ES.Identifier {
    const known = this.#ids.get(name);
    if (known !== undefined) return known;
    if (!this.#names.has(name)) throw new CodegenError(`undeclared name ${JSON.stringify(name)}`);
    const node: ES.Identifier = Object.freeze({ type: 'Identifier', name });
    this.#ids.set(name, node);
    return node;
  }
}

function checkInt(n: number, lo: number, hi: number): number {
  if (!Number.isInteger(n) || n < lo || n > hi) throw new CodegenError(`number ${String(n)} outside [${lo}, ${hi}]`);
  return n;
}

/** How a number is spelt: hex for immediates the disassembly prints in hex, else decimal. */
export type Radix = 'dec' | 'hex' | 'imm' | 'offset';

/**
 * Creates a u32 literal, spelt in `radix`: `imm` and `offset` follow the formatter's rules
 * (formatImm: hex from 10, formatOffset: hex from 65536) so code and comments read alike.
 */
export function u32(n: number, radix: Radix = 'dec'): ES.Literal {
  checkInt(n, 0, 0xffffffff);
  const hex = radix === 'hex' || (radix === 'imm' && n >= 10) || (radix === 'offset' && n >= 0x10000);
  return { type: 'Literal', value: n, raw: hex ? `0x${n.toString(16)}` : String(n) };
}

/** Creates `true` or `false`. */
export function bool(b: boolean): ES.Literal {
  return { type: 'Literal', value: b, raw: b ? 'true' : 'false' };
}

/** Creates a comment node's payload, refusing text that could end the comment early. */
export function lineComment(text: string): ES.Comment {
  if (/[\n\r\u2028\u2029]/.test(text) || text.includes('*/')) {
    throw new CodegenError(`comment text would escape the comment: ${JSON.stringify(text)}`);
  }
  return { type: 'Line', value: text };
}

/** Attaches leading line comments to a statement (astring prints `node.comments`). */
export function withComments<T extends ES.Statement>(node: T, comments: readonly ES.Comment[]): T {
  if (comments.length === 0) return node;
  const own = (node as { comments?: ES.Comment[] }).comments;
  return Object.assign(node, { comments: own === undefined ? comments.slice() : [...comments, ...own] });
}

type BinOp = '+' | '-' | '*' | '/' | '%' | '|' | '&' | '^' | '<<' | '>>>' | '===' | '!==' | '<' | '<=' | '>' | '>=';

/** Creates a binary expression. */
export function bin(operator: BinOp, left: ES.Expression, right: ES.Expression): ES.BinaryExpression {
  return { type: 'BinaryExpression', operator, left, right };
}

/** Creates `a || b`, `a && b` or `a ?? b`. */
export function logical(operator: '||' | '&&' | '??', left: ES.Expression, right: ES.Expression): ES.LogicalExpression {
  return { type: 'LogicalExpression', operator, left, right };
}

/** Creates `x >>> 0`, the u32 normalisation. */
export function toU32(e: ES.Expression): ES.Expression {
  return bin('>>>', e, u32(0));
}

/** Creates `c ? a : b`. */
export function cond(test: ES.Expression, consequent: ES.Expression, alternate: ES.Expression): ES.Expression {
  return { type: 'ConditionalExpression', test, consequent, alternate };
}

/** Creates a call of a declared function. */
export function call(callee: ES.Expression, args: ES.Expression[]): ES.CallExpression {
  return { type: 'CallExpression', callee, arguments: args, optional: false };
}

/** Creates `object.name` for one of the allowed property names (never computed). */
export function member(object: ES.Expression, name: string): ES.MemberExpression {
  if (!PROPERTIES.has(name)) throw new CodegenError(`property ${JSON.stringify(name)} is not allowed`);
  return { type: 'MemberExpression', object, property: { type: 'Identifier', name }, computed: false, optional: false };
}

/** Typed arrays runBatch may index (by its loop counter only): checked by its caller to be typed. */
const INDEXED = new Set(['offsets', 'lengths', 'wires', 'out']);
/** Dispatch tables (Uint8Arrays we made), indexed by A below their length. */
const TABLE = /^[tuw][0-9]+$/;

/** Creates `array[index]`: one of runBatch's typed arrays by `i`, or a dispatch table by `A`. */
export function computed(array: ES.Identifier, index: ES.Identifier): ES.MemberExpression {
  const ok = (INDEXED.has(array.name) && index.name === 'i') || (TABLE.test(array.name) && index.name === 'A');
  if (!ok) throw new CodegenError(`indexing ${array.name}[${index.name}] is not allowed`);
  return { type: 'MemberExpression', object: array, property: index, computed: true, optional: false };
}

/** Creates `switch (discriminant) { case k: body ... }` (each body must end the case itself). */
export function switchOn(discriminant: ES.Expression, cases: readonly (readonly [number, ES.Statement[]])[]): ES.SwitchStatement {
  return {
    type: 'SwitchStatement',
    discriminant,
    cases: cases.map(([k, body]) => ({ type: 'SwitchCase', test: u32(k), consequent: body })),
  };
}

/** Creates `array[index] = value;` (see computed()). */
export function store(target: ES.MemberExpression, value: ES.Expression): ES.ExpressionStatement {
  return { type: 'ExpressionStatement', expression: { type: 'AssignmentExpression', operator: '=', left: target, right: value } };
}

/** Creates `null`. */
export function nullLiteral(): ES.Literal {
  return { type: 'Literal', value: null, raw: 'null' };
}

/** Creates `for (let i = 0; i < count; i++) { body }`. */
export function countedLoop(i: ES.Identifier, count: ES.Identifier, body: ES.Statement[]): ES.ForStatement {
  return {
    type: 'ForStatement',
    init: declare('let', [[i, u32(0)]]),
    test: bin('<', i, count),
    update: { type: 'UpdateExpression', operator: '++', prefix: false, argument: i },
    body: block(body),
  };
}

/** Creates `target = value;`. */
export function assign(target: ES.Identifier, value: ES.Expression): ES.ExpressionStatement {
  return { type: 'ExpressionStatement', expression: { type: 'AssignmentExpression', operator: '=', left: target, right: value } };
}

/** Creates `let a = 0, b = 0;` (or `const` with given initialisers). */
export function declare(kind: 'let' | 'const', pairs: readonly [ES.Identifier, ES.Expression][]): ES.VariableDeclaration {
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

/** Creates `label: { body }`. */
export function labelled(label: ES.Identifier, body: ES.Statement[]): ES.LabeledStatement {
  return { type: 'LabeledStatement', label, body: block(body) };
}

/** Creates `break label;`. */
export function brk(label: ES.Identifier): ES.BreakStatement {
  return { type: 'BreakStatement', label };
}

/** Creates `return value;`. */
export function ret(value: ES.Expression): ES.ReturnStatement {
  return { type: 'ReturnStatement', argument: value };
}

/** Creates `throw value;`. */
export function throwStmt(value: ES.Expression): ES.ThrowStatement {
  return { type: 'ThrowStatement', argument: value };
}

/** Creates `new callee(args)`. */
export function newExpr(callee: ES.Identifier, args: ES.Expression[]): ES.NewExpression {
  return { type: 'NewExpression', callee, arguments: args };
}

/** Creates `function name(params) { body }` as a declaration. */
export function fnDecl(name: ES.Identifier, params: ES.Identifier[], body: ES.Statement[]): ES.FunctionDeclaration {
  return { type: 'FunctionDeclaration', id: name, params, body: block(body), generator: false, async: false };
}

/** Creates `return function name(params) { body };`. */
export function returnFn(name: ES.Identifier, params: ES.Identifier[], body: ES.Statement[]): ES.ReturnStatement {
  return ret({ type: 'FunctionExpression', id: name, params, body: block(body), generator: false, async: false });
}
