/**
 * The names one generated function (or module) may use, and the error every builder throws.
 * A name enters the source only after `declare()` checked it, so a typo or an unexpected name
 * is a codegen bug caught while building, never a free variable at run time.
 */
import type * as ES from 'estree';

/** Thrown when codegen asks for something the builders refuse: a bug in the generator, never user input. */
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

/** Throws unless `name` is a plain identifier that is not a reserved word. */
export function checkName(name: string): string {
  if (!NAME.test(name) || RESERVED.has(name)) throw new CodegenError(`bad name ${JSON.stringify(name)}`);
  return name;
}

/** Throws unless `n` is an integer in [lo, hi]. */
export function checkInt(n: number, lo: number, hi: number): number {
  if (!Number.isInteger(n) || n < lo || n > hi) throw new CodegenError(`number ${String(n)} outside [${lo}, ${hi}]`);
  return n;
}

/**
 * The declared names of one generated function or module (parameters, locals, labels,
 * helpers); `id()` refuses anything else.
 */
export class Scope {
  readonly #names = new Set<string>();
  /** One frozen Identifier per name: nodes are never mutated, and big programs use a name thousands of times. */
  readonly #ids = new Map<string, ES.Identifier>();

  /** Declares a fixed name (a parameter, a local, a helper) and returns it. */
  declare(name: string): string {
    this.#names.add(checkName(name));
    return name;
  }

  /** Declares the label `L<n>` (say, of the block a jump to instruction n breaks out of) and returns it. */
  label(n: number): string {
    return this.declare(`L${checkInt(n, 0, 0xffffffff)}`);
  }

  /** Returns the Identifier of a declared name. */
  id(name: string): ES.Identifier {
    const known = this.#ids.get(name);
    if (known !== undefined) return known;
    if (!this.#names.has(name)) throw new CodegenError(`undeclared name ${JSON.stringify(name)}`);
    const node: ES.Identifier = Object.freeze({ type: 'Identifier', name });
    this.#ids.set(name, node);
    return node;
  }
}
