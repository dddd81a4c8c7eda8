/**
 * The house rule "every exported symbol has a doc comment that starts with a verb"
 * (docs/CONTRIBUTING.md), checked over every packages/<pkg>/src/**\/*.ts except generated/ files
 * with the TypeScript compiler API, so that `pnpm docs` (typedoc) documents the whole API.
 *
 * - Exported functions (and consts initialised with a function) and the public methods of
 *   exported classes need a doc comment whose first word is a verb: a third-person form such
 *   as Returns/Builds/Reads (a word ending in "s" that is not on the small list of non-verbs
 *   below) or one of VERBS. Overloads share the comment of any one signature.
 * - Exported classes, interfaces, type aliases, enums and other consts need a doc comment
 *   (a noun phrase is fine: "Options of verify()").
 * Re-exports (`export * from`, `export { x } from`) declare nothing and are not checked here.
 * One test per package, so a failure names the package and lists every offender with its line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const PACKAGES = join(ROOT, 'packages');

/** Verbs that do not end in "s" but open a doc comment well. */
const VERBS = new Set(['Is', 'Has', 'Does', 'Can', 'Must', 'Should', 'Will', 'May']);
/** Words ending in "s" that are not verbs; a comment starting with one of them names a thing. */
const NOT_VERBS = new Set([
  'This', 'Its', 'As', 'Thus', 'Plus', 'Unless', 'Always', 'Status', 'Options', 'Bytes', 'Helpers', 'Errors',
  'Offsets', 'Fields', 'Tables', 'Instructions', 'Programs', 'Packets', 'Syscalls', 'Arguments', 'Bits',
]);

/** Tells whether a doc comment's first word is a verb, by the heuristic above. */
function startsWithVerb(doc: string): boolean {
  const word = /^[`*_"']*([A-Za-z][A-Za-z-]*)/.exec(doc.trim())?.[1];
  if (word === undefined) return false;
  if (VERBS.has(word)) return true;
  if (NOT_VERBS.has(word)) return false;
  return /^[A-Z][a-z-]*[^su]s$/.test(word) || /^[A-Z][a-z-]*(sses|shes|ches|xes|zes)$/.test(word);
}

/** Lists every .ts file under a directory, skipping generated/ folders. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'generated') out.push(...sources(path));
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) {
      out.push(path);
    }
  }
  return out;
}

/** Returns the text of the doc comment closest to a node, or undefined when it has none. */
function docOf(node: ts.Node): string | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const last = docs[docs.length - 1];
  if (last === undefined) return undefined;
  return ts.getTextOfJSDocComment(last.comment) ?? '';
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function isPublicMember(member: ts.ClassElement): boolean {
  const mods = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
  if (mods.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword)) return false;
  return member.name !== undefined && !ts.isPrivateIdentifier(member.name);
}

/** One declaration the rule applies to. */
interface Subject {
  readonly name: string;
  readonly kind: 'function' | 'method' | 'class' | 'interface' | 'type' | 'enum' | 'const';
  readonly line: number;
  readonly doc: string | undefined;
}

/** Collects the exported declarations of one file (overloads merged: any documented signature counts). */
function subjects(file: string): Subject[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const line = (n: ts.Node): number => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const found = new Map<string, Subject>();
  const add = (s: Subject): void => {
    const prev = found.get(s.name);
    if (prev === undefined || (prev.doc === undefined && s.doc !== undefined)) found.set(s.name, prev === undefined ? s : { ...s, line: prev.line });
  };
  for (const st of sf.statements) {
    if (!isExported(st)) continue;
    if (ts.isFunctionDeclaration(st) && st.name) {
      add({ name: st.name.text, kind: 'function', line: line(st), doc: docOf(st) });
    } else if (ts.isClassDeclaration(st) && st.name) {
      const cls = st.name.text;
      add({ name: cls, kind: 'class', line: line(st), doc: docOf(st) });
      for (const m of st.members) {
        if (ts.isMethodDeclaration(m) && isPublicMember(m) && m.name && ts.isIdentifier(m.name)) {
          add({ name: `${cls}.${m.name.text}`, kind: 'method', line: line(m), doc: docOf(m) });
        }
      }
    } else if (ts.isInterfaceDeclaration(st)) {
      add({ name: st.name.text, kind: 'interface', line: line(st), doc: docOf(st) });
    } else if (ts.isTypeAliasDeclaration(st)) {
      add({ name: st.name.text, kind: 'type', line: line(st), doc: docOf(st) });
    } else if (ts.isEnumDeclaration(st)) {
      add({ name: st.name.text, kind: 'enum', line: line(st), doc: docOf(st) });
    } else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name)) continue;
        const fn = d.initializer !== undefined && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer));
        add({ name: d.name.text, kind: fn ? 'function' : 'const', line: line(st), doc: docOf(d) ?? docOf(st) });
      }
    }
  }
  return [...found.values()];
}

/** Returns one line per offender of a package: `path:line kind name: problem`. */
function offenders(pkg: string): string[] {
  const out: string[] = [];
  for (const file of sources(join(PACKAGES, pkg, 'src'))) {
    for (const s of subjects(file)) {
      const where = `${relative(ROOT, file)}:${s.line} ${s.kind} ${s.name}`;
      if (s.doc === undefined || s.doc.trim() === '') out.push(`${where}: no doc comment`);
      else if ((s.kind === 'function' || s.kind === 'method') && !startsWithVerb(s.doc)) {
        out.push(`${where}: doc starts with "${s.doc.trim().split(/\s+/)[0]}", not a verb`);
      }
    }
  }
  return out;
}

const packages = readdirSync(PACKAGES).filter((p) => statSync(join(PACKAGES, p, 'src'), { throwIfNoEntry: false })?.isDirectory());

describe('doc comments: every exported symbol documented, functions and methods starting with a verb', () => {
  it('recognises verbs and non-verbs', () => {
    for (const doc of ['Returns the x', 'Builds a y', 'Runs z', 'Tells whether', 'Is true when', 'Pushes', 'Matches']) {
      expect(startsWithVerb(doc), doc).toBe(true);
    }
    for (const doc of ['The program', 'A filter', 'This returns', 'Options of', 'Status code', 'Bytes to read', '']) {
      expect(startsWithVerb(doc), doc).toBe(false);
    }
  });

  it('finds the packages and their exported symbols', () => {
    expect(packages).toEqual(expect.arrayContaining(['bpf', 'seccomp', 'verifier', 'interpreter', 'jit']));
    const bpf = sources(join(PACKAGES, 'bpf', 'src')).flatMap(subjects);
    expect(bpf.map((s) => s.name)).toEqual(expect.arrayContaining(['assemble', 'disassemble', 'FormatError', 'SockFilter']));
  });

  it.each(packages)('packages/%s', (pkg) => {
    const found = offenders(pkg);
    expect(found, `${found.length} offender(s):\n${found.join('\n')}`).toEqual([]);
  });
});
