/**
 * Field paths a check names, resolved against @ea/layout's struct model (the one model of EA
 * structs): `flags`, `set_tid[0]` (element 0 of the array `set_tid` points to) or
 * `bar->barbaz->barbaz` (follow `bar`, then `barbaz`, read `barbaz`). A check reads 1-, 2-, 4-
 * and 8-byte scalars; an 8-byte field is compared as two 32-bit halves.
 */
import { type CType, type PointerType, type StructType, pointee } from '@ea/layout';

/** Elements a path may index in a counted array pointer (set_tid holds at most MAX_PID_NS_LEVEL = 32). */
const ARRAY_ELEMENTS = 32;

/** Describes a field a check can read: its name, offset in its owner and width. */
export interface PathField {
  readonly name: string;
  readonly offset: number;
  /**
   * 1, 2, 4 or 8 bytes; 8-byte fields are compared as two 32-bit halves, 1- and 2-byte ones
   * are cut out of their aligned 32-bit word (the `ea` profile loads aligned words only).
   */
  readonly size: 1 | 2 | 4 | 8;
  /** Set when the field is an input pointer the flattener follows. */
  readonly pointer?: PointerType;
}

/** A field path resolved against a struct: the pointer fields to follow, then the final field. */
export interface ResolvedPath {
  readonly text: string;
  /** Pointer fields, outermost first, with the name of the struct each one lives in. */
  readonly hops: readonly { readonly owner: string; readonly field: PathField }[];
  /** The name of the struct (or pointed-to array) the final field lives in. */
  readonly owner: string;
  readonly field: PathField;
}

/** Reports a path that names no field, or dereferences a field that is not a pointer. */
export class PathError extends Error {
  override readonly name = 'PathError';
}

/**
 * Lists the fields of a struct a check can name directly: named members that are scalars
 * (naturally aligned, so a field never straddles two 32-bit words) or pointers (an output
 * pointer, never followed, reads as a plain 8-byte field).
 */
export function pathFields(struct: StructType): PathField[] {
  const fields: PathField[] = [];
  for (const m of struct.members) {
    if (m.name === null) continue;
    const ty = m.type;
    if (ty.kind === 'scalar' && m.offset % ty.size === 0) {
      fields.push({ name: m.name, offset: m.offset, size: ty.size });
    } else if (ty.kind === 'pointer') {
      fields.push(ty.direction === 'out' ? { name: m.name, offset: m.offset, size: 8 } : { name: m.name, offset: m.offset, size: 8, pointer: ty });
    }
  }
  return fields;
}

/** What a pointer leads to, as far as paths go: a struct, or an array of 32-bit elements. */
type Target = { readonly kind: 'struct'; readonly struct: StructType } | { readonly kind: 'array'; readonly name: string };

function targetOf(field: PathField, pointer: PointerType, path: string): Target {
  const to: CType = pointee(pointer);
  if (to.kind === 'struct') return { kind: 'struct', struct: to };
  if (to.kind === 'scalar' && to.size === 4) return { kind: 'array', name: field.name };
  throw new PathError(`${field.name} points to neither a struct nor 32-bit elements (in ${path})`);
}

function fieldOf(owner: Target, name: string, path: string): PathField {
  if (owner.kind === 'array') {
    const m = /^\[(\d+)\]$/.exec(name);
    const i = m === null ? -1 : Number(m[1]);
    if (i < 0 || i >= ARRAY_ELEMENTS) throw new PathError(`${owner.name} has no field ${name} (in ${path})`);
    return { name, offset: 4 * i, size: 4 };
  }
  const field = pathFields(owner.struct).find((f) => f.name === name);
  if (field === undefined) throw new PathError(`${owner.struct.name} has no field ${name} (in ${path})`);
  return field;
}

const ownerName = (t: Target): string => (t.kind === 'struct' ? t.struct.name : t.name);

/**
 * Resolves `flags`, `set_tid[0]` or `bar->barbaz->barbaz` against a root struct: `a->b`
 * follows pointer field `a` and reads field `b` of its target, `a[i]` reads element i of the
 * array `a` points to.
 */
export function resolvePath(root: StructType, path: string): ResolvedPath {
  const segments: string[] = [];
  for (const part of path.split('->')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$/.exec(part.trim());
    if (m === null) throw new PathError(`bad path segment "${part}" in ${path}`);
    segments.push(m[1]!);
    for (const idx of m[2]!.match(/\[\d+\]/g) ?? []) segments.push(idx);
  }
  const hops: { owner: string; field: PathField }[] = [];
  let owner: Target = { kind: 'struct', struct: root };
  for (let i = 0; i < segments.length; i += 1) {
    const field = fieldOf(owner, segments[i]!, path);
    if (i === segments.length - 1) return { text: path, hops, owner: ownerName(owner), field };
    if (field.pointer === undefined) throw new PathError(`${ownerName(owner)}.${field.name} is not a pointer (in ${path})`);
    hops.push({ owner: ownerName(owner), field });
    owner = targetOf(field, field.pointer, path);
  }
  throw new PathError(`empty path ${path}`);
}

/** Returns `set_tid` or `bar->barbaz`: the pointer chain of a nested path. */
export function chainOf(path: ResolvedPath): string {
  return path.hops.map((h) => h.field.name).join('->');
}
