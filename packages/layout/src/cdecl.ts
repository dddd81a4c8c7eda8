/**
 * Writes a struct description as C (a declaration plus offsetof/sizeof probes), so tests
 * can check the computed layout against gcc and against the real UAPI headers.
 */
import { type CType, type StructType, cTypeName } from './types.js';

function memberDecl(t: CType, name: string, indent: string, prefix: string): string {
  // Arrays of arrays become `T name[a][b]`; arrays of structs declare the struct inline.
  const dims: number[] = [];
  let base = t;
  while (base.kind === 'array') {
    dims.push(base.count);
    base = base.of;
  }
  if (base.kind === 'pad') dims.push(base.size);
  const suffix = dims.map((d) => `[${d}]`).join('');
  if (base.kind === 'struct') {
    const kw = base.union ? 'union' : 'struct';
    return `${indent}${kw} {\n${body(base, `${indent}\t`, prefix)}${indent}}${name ? ` ${name}` : ''}${suffix};\n`;
  }
  return `${indent}${base.kind === 'pad' ? '__u8' : cTypeName(base)} ${name}${suffix};\n`;
}

function body(s: StructType, indent: string, prefix: string): string {
  let out = '';
  let pads = 0;
  for (const m of s.members) {
    const name = m.type.kind === 'pad' ? `${prefix}pad${pads++}` : (m.name ?? '');
    out += memberDecl(m.type, name, indent, `${prefix}${m.name ?? 'anon'}_`);
  }
  return out;
}

/** Returns a C declaration `struct <tag> { ... };` of the description (types from <linux/types.h>). */
export function cDeclaration(s: StructType, tag = s.name): string {
  return `${s.union ? 'union' : 'struct'} ${tag} {\n${body(s, '\t', '__ea_')}};\n`;
}

/** Returns the dotted paths of every scalar, array or pointer member (what offsetof can name). */
export function leafPaths(s: StructType): readonly string[] {
  return [...s.fields.values()].filter((f) => f.type.kind !== 'struct' && f.type.kind !== 'pad').map((f) => f.path);
}

/**
 * Returns a C program printing `sizeof <n>` and `<path> <offset> <size>` for each path of
 * `struct <tag>`, after the given prelude (includes or a declaration).
 */
export function cLayoutProbe(prelude: string, tag: string, paths: readonly string[], isUnion = false): string {
  const kw = isUnion ? 'union' : 'struct';
  const lines = paths.map(
    (p) =>
      `\tprintf("${p} %zu %zu\\n", offsetof(${kw} ${tag}, ${p}), sizeof(((${kw} ${tag} *)0)->${p}));`,
  );
  return `#include <stddef.h>\n#include <stdio.h>\n#include <linux/types.h>\n${prelude}\nint main(void) {\n\tprintf("sizeof %zu\\n", sizeof(${kw} ${tag}));\n${lines.join('\n')}\n\treturn 0;\n}\n`;
}
