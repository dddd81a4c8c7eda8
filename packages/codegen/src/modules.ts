/**
 * Whole programs: a script (a factory body for `new Function`) or an ES module with named
 * imports and exports, and print() to turn either into text with astring.
 */
import type * as ES from 'estree';
import { generate } from 'astring';
import { CodegenError } from './scope.js';

/** Module specifiers an import may name: package names and paths, no quotes or spaces. */
const SPECIFIER = /^[A-Za-z0-9@/._:+~-]+$/;

/** Creates `import { a, b } from 'specifier';` for declared names; the specifier must be a plain one. */
export function importFrom(names: readonly ES.Identifier[], specifier: string): ES.ImportDeclaration {
  if (!SPECIFIER.test(specifier)) throw new CodegenError(`bad module specifier ${JSON.stringify(specifier)}`);
  return {
    type: 'ImportDeclaration',
    specifiers: names.map((id) => ({ type: 'ImportSpecifier', imported: id, local: id })),
    source: { type: 'Literal', value: specifier, raw: JSON.stringify(specifier) },
    attributes: [],
  };
}

/** Creates `export <declaration>`. */
export function exportNamed(declaration: ES.FunctionDeclaration | ES.VariableDeclaration): ES.ExportNamedDeclaration {
  return { type: 'ExportNamedDeclaration', declaration, specifiers: [], source: null, attributes: [] };
}

/** Creates a script (the body of a `new Function` factory) or an ES module. */
export function program(sourceType: 'script' | 'module', body: readonly (ES.Statement | ES.ModuleDeclaration)[]): ES.Program {
  return { type: 'Program', sourceType, body: [...body] };
}

/** Prints a tree built by these builders as JavaScript, comments included. */
export function print(node: ES.Node): string {
  return generate(node, { comments: true });
}
