/**
 * The view of an EA struct the builder needs: field offsets and sizes, and which fields are
 * input pointers to a nested buffer (with the field that carries its length). It is kept this
 * small on purpose so that @ea/layout's catalog can be adapted to it in one place (catalog.ts).
 */

export interface FieldShape {
  readonly name: string;
  readonly offset: number;
  /** 4 or 8 bytes; 8-byte fields are compared as two 32-bit halves. */
  readonly size: 4 | 8;
  /** Set when the field is a user pointer the flattener follows. */
  readonly pointer?: PointerShape;
}

/** Describes what a pointer field points to. */
export interface PointerShape {
  /** The pointee as a struct (an array of u32 is a struct with fields `[0]`, `[1]`, ...). */
  readonly target: StructShape;
}

/** Describes a struct as the builder sees it: name, size and fields. */
export interface StructShape {
  readonly name: string;
  readonly size: number;
  readonly fields: readonly FieldShape[];
}

/** A field path resolved against a struct: the pointer fields to follow, then the final field. */
export interface ResolvedPath {
  readonly text: string;
  /** Pointer fields, outermost first, with the struct each one lives in. */
  readonly hops: readonly { readonly owner: StructShape; readonly field: FieldShape }[];
  readonly owner: StructShape;
  readonly field: FieldShape;
}

/** Reports a path that names no field, or dereferences a field that is not a pointer. */
export class PathError extends Error {
  override readonly name = 'PathError';
}

/**
 * Resolves `flags`, `set_tid[0]` or `bar->barbaz->barbaz` against a root struct: `a->b`
 * follows pointer field `a` and reads field `b` of its target, `a[i]` reads element i of the
 * array `a` points to.
 */
export function resolvePath(root: StructShape, path: string): ResolvedPath {
  const segments: string[] = [];
  for (const part of path.split('->')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$/.exec(part.trim());
    if (m === null) throw new PathError(`bad path segment "${part}" in ${path}`);
    segments.push(m[1]!);
    for (const idx of m[2]!.match(/\[\d+\]/g) ?? []) segments.push(idx);
  }
  const hops: { owner: StructShape; field: FieldShape }[] = [];
  let owner = root;
  for (let i = 0; i < segments.length; i += 1) {
    const name = segments[i]!;
    const field = owner.fields.find((f) => f.name === name);
    if (field === undefined) throw new PathError(`${owner.name} has no field ${name} (in ${path})`);
    if (i === segments.length - 1) return { text: path, hops, owner, field };
    if (field.pointer === undefined) throw new PathError(`${owner.name}.${name} is not a pointer (in ${path})`);
    hops.push({ owner, field });
    owner = field.pointer.target;
  }
  throw new PathError(`empty path ${path}`);
}

/** Builds the struct for a u32 array of `count` elements (fields `[0]` .. `[count-1]`). */
export function u32Array(name: string, count: number): StructShape {
  const fields: FieldShape[] = [];
  for (let i = 0; i < count; i += 1) fields.push({ name: `[${i}]`, offset: 4 * i, size: 4 });
  return { name, size: 4 * count, fields };
}
