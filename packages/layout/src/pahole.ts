/**
 * Prints a struct the way `pahole` does: one member per line with its offset and size,
 * holes and trailing padding called out, cacheline boundaries marked, and (our addition)
 * where each user pointer points and what gives its length.
 */
import { type CType, type StructType, cTypeName, pointee } from './types.js';

const CACHELINE = 64;

function describePointer(t: CType): string {
  if (t.kind !== 'pointer') return '';
  const to = pointee(t);
  const what = to.kind === 'struct' ? `${to.union ? 'union' : 'struct'} ${to.name}` : cTypeName(to);
  const len = t.length;
  const n =
    len.kind === 'count'
      ? `[${len.field}]`
      : len.kind === 'bytes'
        ? ` (${len.field} bytes)`
        : len.kind === 'inner'
          ? ` (size in ->${len.field})`
          : '';
  return ` ${t.direction === 'out' ? 'out' : 'in'} -> ${what}${n}`;
}

function line(indent: string, decl: string, offset: number, size: number, note = ''): string {
  const left = `${indent}${decl}`;
  const pad = Math.max(1, 48 - left.replace(/\t/g, '        ').length);
  return `${left}${' '.repeat(pad)}/* ${String(offset).padStart(5)} ${String(size).padStart(5)}${note} */`;
}

function members(s: StructType, base: number, depth: number, out: string[]): void {
  const indent = '\t'.repeat(depth);
  let cursor = base;
  let nextLine = Math.floor(base / CACHELINE) * CACHELINE + CACHELINE;
  for (const m of s.members) {
    const at = base + m.offset;
    if (!s.union && at > cursor) out.push(`${indent}/* XXX ${at - cursor} bytes hole, try to pack */`);
    if (depth === 1 && at >= nextLine) {
      const lineNo = Math.floor(at / CACHELINE);
      out.push(`${indent}/* --- cacheline ${lineNo} boundary (${lineNo * CACHELINE} bytes) --- */`);
      nextLine = lineNo * CACHELINE + CACHELINE;
    }
    const t = m.type;
    if (t.kind === 'struct') {
      out.push(`${indent}${t.union ? 'union' : 'struct'} {`);
      members(t, at, depth + 1, out);
      out.push(line(indent, `}${m.name === null ? '' : ` ${m.name}`};`, at, t.size));
    } else {
      const name = m.name ?? '';
      const decl =
        t.kind === 'array'
          ? `${cTypeName(t.of)} ${name}[${t.count}];`
          : t.kind === 'pad'
            ? `__u8 __pad[${t.size}];`
            : `${cTypeName(t).padEnd(18)} ${name};`;
      out.push(line(indent, decl, at, t.size, describePointer(t)));
    }
    cursor = Math.max(cursor, at + t.size);
  }
}

/** Returns the pahole-style text of a struct; `upTo` prints only the members of a version size. */
export function pahole(s: StructType, upTo?: number): string {
  const out: string[] = [`${s.union ? 'union' : 'struct'} ${s.name} {`];
  const view = upTo === undefined ? s : { ...s, members: s.members.filter((m) => m.offset + m.type.size <= upTo) };
  members(view, 0, 1, out);
  const size = upTo ?? s.size;
  const last = view.members.at(-1);
  const end = last === undefined ? 0 : last.offset + last.type.size;
  if (!s.union && size > end) out.push(`\t/* XXX ${size - end} bytes padding */`);
  out.push('');
  out.push(`\t/* size: ${size}, cachelines: ${Math.ceil(size / CACHELINE)}, members: ${view.members.length} */`);
  if (size % CACHELINE !== 0) out.push(`\t/* last cacheline: ${size % CACHELINE} bytes */`);
  if (s.note !== undefined) out.push(`\t/* note: ${s.note} */`);
  out.push('};');
  return out.join('\n');
}
