/**
 * A small typed description of C structs as the x86_64 (LP64, System V) compiler
 * lays them out: fixed-width integers, `__aligned_u64`, arrays, explicit padding,
 * nested structs and unions, and user pointers that name where their length is.
 * Offsets, sizes and alignments are computed once, when a struct is described.
 */
import { LayoutError } from './errors.js';

/** Names a scalar type of the struct DSL. */
export type ScalarName = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64' | '__aligned_u64';

/** Describes a scalar member type: name, size and signedness. */
export interface ScalarType {
  readonly kind: 'scalar';
  readonly name: ScalarName;
  readonly size: 1 | 2 | 4 | 8;
  readonly align: number;
  readonly signed: boolean;
}

/** Describes a fixed-length array type. */
export interface ArrayType {
  readonly kind: 'array';
  readonly of: CType;
  readonly count: number;
  readonly size: number;
  readonly align: number;
}

/** Explicit padding (`__u8 __pad[n]` without a name): alignment 1. */
export interface PadType {
  readonly kind: 'pad';
  readonly size: number;
  readonly align: 1;
}

/**
 * Where a pointee's length comes from:
 * - `count`: a sibling integer field holds the number of elements (clone_args.set_tid_size);
 * - `bytes`: a sibling integer field holds the length in bytes (xattr_args.size);
 * - `inner`: the pointee is an extensible struct whose own integer field holds its size
 *   in bytes (0 means its first version, like sched_attr.size);
 * - `fixed`: exactly one pointee (its sizeof).
 */
export type PointerLength =
  | { readonly kind: 'count'; readonly field: string }
  | { readonly kind: 'bytes'; readonly field: string }
  | { readonly kind: 'inner'; readonly field: string }
  | { readonly kind: 'fixed' };

/**
 * A user pointer stored in a 64-bit field (`__aligned_u64` in every EA struct). `to` is
 * the element type; a function allows recursive types (a list node pointing to itself).
 * `direction: 'out'` marks pointers the kernel writes through (clone_args.pidfd): they are
 * never followed when flattening.
 */
export interface PointerType {
  readonly kind: 'pointer';
  readonly to: CType | (() => CType);
  readonly length: PointerLength;
  readonly direction: 'in' | 'out';
  readonly size: 8;
  readonly align: 8;
}

/** Describes a struct member: its name, type and offset. */
export interface Member {
  /** null for an anonymous struct or union whose members belong to the parent. */
  readonly name: string | null;
  readonly type: CType;
  readonly offset: number;
}

/** Describes a struct type: members, size and alignment. */
export interface StructType {
  readonly kind: 'struct';
  readonly name: string;
  readonly union: boolean;
  readonly members: readonly Member[];
  readonly size: number;
  readonly align: number;
  /** Every named leaf and nested member by dotted path (anonymous levels are transparent). */
  readonly fields: ReadonlyMap<string, FieldInfo>;
  /** Free-form note (e.g. "bit-fields modelled as one u64"). */
  readonly note?: string;
}

/** Describes any type of the struct DSL. */
export type CType = ScalarType | ArrayType | PadType | PointerType | StructType;

/** Describes a field found by path: its offset, size and type. */
export interface FieldInfo {
  readonly path: string;
  readonly offset: number;
  readonly type: CType;
}

function scalar(name: ScalarName, size: 1 | 2 | 4 | 8, signed: boolean): ScalarType {
  return Object.freeze({ kind: 'scalar', name, size, align: size, signed });
}

/** Declares the unsigned 8-bit scalar u8. */
export const u8 = scalar('u8', 1, false);
/** Declares the unsigned 16-bit scalar u16. */
export const u16 = scalar('u16', 2, false);
/** Declares the unsigned 32-bit scalar u32. */
export const u32 = scalar('u32', 4, false);
/** Declares the unsigned 64-bit scalar u64. */
export const u64 = scalar('u64', 8, false);
/** Declares the signed 8-bit scalar s8. */
export const s8 = scalar('s8', 1, true);
/** Declares the signed 16-bit scalar s16. */
export const s16 = scalar('s16', 2, true);
/** Declares the signed 32-bit scalar s32. */
export const s32 = scalar('s32', 4, true);
/** Declares the signed 64-bit scalar s64. */
export const s64 = scalar('s64', 8, true);
/** `__aligned_u64`: a u64 with 8-byte alignment on every ABI (UAPI pointer fields use it). */
export const aligned_u64 = scalar('__aligned_u64', 8, false);

const MAX_TYPE_SIZE = 1 << 24;

function checkCount(what: string, n: number, min: number): void {
  if (!Number.isSafeInteger(n) || n < min || n > MAX_TYPE_SIZE) {
    throw new LayoutError('BAD_TYPE', `${what} must be an integer in [${min}, ${MAX_TYPE_SIZE}], got ${String(n)}`);
  }
}

/** Describes `T name[count]`. */
export function array(of: CType, count: number): ArrayType {
  checkCount('array count', count, 1);
  const size = of.size * count;
  if (size > MAX_TYPE_SIZE) throw new LayoutError('BAD_TYPE', `array of ${count} is too large`);
  return Object.freeze({ kind: 'array', of, count, size, align: of.align });
}

/** Describes explicit padding bytes. */
export function pad(size: number): PadType {
  checkCount('padding', size, 1);
  return Object.freeze({ kind: 'pad', size, align: 1 });
}

/** Describes a 64-bit user pointer field and where its length comes from. */
export function ptr(
  to: CType | (() => CType),
  length: PointerLength,
  direction: 'in' | 'out' = 'in',
): PointerType {
  return Object.freeze({ kind: 'pointer', to, length, direction, size: 8, align: 8 });
}

/** Resolves a pointer's element type (follows the thunk of a recursive type). */
export function pointee(p: PointerType): CType {
  return typeof p.to === 'function' ? p.to() : p.to;
}

/** Declares a member for struct(): its name (null for padding) and type. */
export type MemberSpec = readonly [name: string | null, type: CType];

function isInteger(t: CType): t is ScalarType {
  return t.kind === 'scalar';
}

function build(name: string, specs: readonly MemberSpec[], union: boolean, note?: string): StructType {
  if (specs.length === 0) throw new LayoutError('BAD_TYPE', `${union ? 'union' : 'struct'} ${name} has no members`);
  const members: Member[] = [];
  const fields = new Map<string, FieldInfo>();
  let offset = 0;
  let align = 1;
  let size = 0;
  const add = (path: string, info: FieldInfo): void => {
    if (fields.has(path)) throw new LayoutError('DUPLICATE_FIELD', `duplicate member in ${name}`, path, info.offset);
    fields.set(path, info);
  };
  for (const [memberName, type] of specs) {
    if (memberName !== null && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(memberName)) {
      throw new LayoutError('BAD_TYPE', `member name is not a C identifier in ${name}`, JSON.stringify(memberName));
    }
    if (memberName === null && type.kind !== 'struct' && type.kind !== 'pad') {
      throw new LayoutError('BAD_TYPE', `only structs, unions and padding may be anonymous members of ${name}`);
    }
    // The System V rule: each member at the next multiple of its alignment; a union puts all at 0.
    const at = union ? 0 : Math.ceil(offset / type.align) * type.align;
    members.push(Object.freeze({ name: memberName, type, offset: at }));
    align = Math.max(align, type.align);
    size = Math.max(size, at + type.size);
    offset = at + type.size;
    if (memberName !== null) add(memberName, { path: memberName, offset: at, type });
    if (type.kind === 'struct') {
      for (const inner of type.fields.values()) {
        const path = memberName === null ? inner.path : `${memberName}.${inner.path}`;
        add(path, { path, offset: at + inner.offset, type: inner.type });
      }
    }
  }
  size = Math.ceil(size / align) * align;
  // A pointer's count/bytes field must be an integer member of the same struct.
  for (const m of members) {
    if (m.type.kind !== 'pointer' || m.name === null) continue;
    const len = m.type.length;
    if (len.kind === 'count' || len.kind === 'bytes') {
      const f = fields.get(len.field);
      if (f === undefined || !isInteger(f.type)) {
        throw new LayoutError('BAD_LENGTH_FIELD', `length field ${len.field} is not an integer member of ${name}`, m.name, m.offset);
      }
    }
  }
  const out: StructType = { kind: 'struct', name, union, members: Object.freeze(members), size, align, fields };
  return Object.freeze(note === undefined ? out : { ...out, note });
}

/** Describes a struct; members are `[name, type]` pairs (name null for an anonymous union). */
export function struct(name: string, members: readonly MemberSpec[], note?: string): StructType {
  return build(name, members, false, note);
}

/** Describes a union: every member at offset 0, size the largest rounded to the alignment. */
export function union(name: string, members: readonly MemberSpec[]): StructType {
  return build(name, members, true);
}

/** Returns a field of a struct by dotted path, or throws UNKNOWN_FIELD. */
export function fieldOf(s: StructType, path: string): FieldInfo {
  const f = s.fields.get(path);
  if (f === undefined) throw new LayoutError('UNKNOWN_FIELD', `struct ${s.name} has no such member`, path);
  return f;
}

/** Returns the pointer fields of a struct (nested members included), in offset order. */
export function pointerFields(s: StructType): readonly (FieldInfo & { readonly type: PointerType })[] {
  const out: (FieldInfo & { readonly type: PointerType })[] = [];
  for (const f of s.fields.values()) {
    if (f.type.kind === 'pointer') out.push(f as FieldInfo & { readonly type: PointerType });
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/** Returns the C spelling of a type (for printers and generated C). */
export function cTypeName(t: CType): string {
  switch (t.kind) {
    case 'scalar':
      return t.name === '__aligned_u64' ? '__aligned_u64' : `__${t.name}`;
    case 'array':
      return cTypeName(t.of);
    case 'pad':
      return '__u8';
    case 'pointer':
      return '__aligned_u64';
    case 'struct':
      return `${t.union ? 'union' : 'struct'} ${t.name}`;
  }
}
