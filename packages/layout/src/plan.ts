/**
 * The static part of flattening, computed once per syscall and strategy: the tree of
 * input pointers a flattener follows (each with where its length is and how many bytes
 * the filter reads in its pointee), bounded by the depth limit.
 */
import { LayoutError } from './errors.js';
import { type CType, type PointerType, type StructType, pointee, pointerFields } from './types.js';

/** What a filter reads, from its verified maximum offsets (Kees' option 3). */
export interface FilterNeeds {
  /** Bytes of the caller's struct the filter reads (largest load offset + 4). */
  readonly root?: number;
  /**
   * Bytes the filter reads in each pointee, by pointer path: `set_tid`, `bar->barbaz`
   * (`->` follows a pointer, `.` names a member of an embedded struct).
   */
  readonly pointees?: Readonly<Record<string, number>>;
}

/** One input pointer field and everything needed to follow it without looking at types. */
export interface PointerNode {
  /** `bar->barbaz` */
  readonly path: string;
  /** Offset of the 8-byte pointer field in its parent object. */
  readonly offset: number;
  readonly lengthKind: 'count' | 'bytes' | 'inner' | 'fixed';
  /** Offset and width of the length field (in the parent for count/bytes, in the pointee for inner). */
  readonly lengthOffset: number;
  readonly lengthWidth: number;
  /** Element size (count), the pointee's sizeof (fixed, and inner when its field is 0). */
  readonly unit: number;
  /** Bytes of the pointee's jump table (0 when it has no input pointers). */
  readonly tableSize: number;
  /** Bytes the filter reads in the pointee (0 when it reads none). */
  readonly need: number;
  /** Pointers inside the pointee (empty below the depth limit). */
  readonly children: readonly PointerNode[];
  /** This pointer is one level beyond the depth limit: it is never followed. */
  readonly tooDeep: boolean;
}

/** Limits how many pointer levels the flattener follows by default. */
export const DEFAULT_MAX_DEPTH = 4;
const MAX_NODES = 256;

/** Returns the input pointer fields of a type (a struct's own; none for scalars and arrays of scalars). */
function inputPointers(t: CType): readonly { path: string; offset: number; type: PointerType }[] {
  if (t.kind !== 'struct') return [];
  return pointerFields(t).filter((f) => f.type.direction === 'in');
}

/** Returns the jump-table size of a type: its sizeof rounded to 8 when it has input pointers, else 0. */
export function tableSizeOf(t: CType): number {
  return inputPointers(t).length === 0 ? 0 : Math.ceil(t.size / 8) * 8;
}

/**
 * Builds the pointer tree of `root` to `maxDepth` levels, attaching the filter's
 * needs; throws BAD_NEEDS when a needs path names no input pointer.
 */
export function planPointers(root: StructType, needs: FilterNeeds, maxDepth: number): readonly PointerNode[] {
  let nodes = 0;
  const wanted = new Map(Object.entries(needs.pointees ?? {}));
  for (const [path, n] of wanted) {
    if (!Number.isSafeInteger(n) || n < 0 || n > 4096) {
      throw new LayoutError('BAD_NEEDS', `need must be an integer in [0, 4096], got ${String(n)}`, path);
    }
  }
  const seen = new Set<string>();
  const build = (t: CType, prefix: string, depth: number): PointerNode[] => {
    const ptrs = inputPointers(t);
    const out: PointerNode[] = [];
    for (const f of ptrs) {
      if (++nodes > MAX_NODES) throw new LayoutError('TOO_DEEP', `more than ${MAX_NODES} pointer paths`, prefix + f.path);
      const path = prefix + f.path;
      const to = pointee(f.type);
      const len = f.type.length;
      let lengthOffset = 0;
      let lengthWidth = 0;
      if (len.kind === 'count' || len.kind === 'bytes') {
        const lf = (t as StructType).fields.get(len.field)!;
        lengthOffset = lf.offset;
        lengthWidth = lf.type.size;
      } else if (len.kind === 'inner') {
        const lf = to.kind === 'struct' ? to.fields.get(len.field) : undefined;
        if (lf === undefined || lf.type.kind !== 'scalar') {
          throw new LayoutError('BAD_LENGTH_FIELD', `pointee has no integer member ${len.field}`, path, f.offset);
        }
        lengthOffset = lf.offset;
        lengthWidth = lf.type.size;
      }
      if (len.kind === 'count' && inputPointers(to).length > 0) {
        throw new LayoutError('BAD_TYPE', 'arrays of structs with pointers are not flattened', path, f.offset);
      }
      if (depth <= maxDepth) seen.add(path);
      out.push({
        path,
        offset: f.offset,
        lengthKind: len.kind,
        lengthOffset,
        lengthWidth,
        unit: to.size,
        tableSize: tableSizeOf(to),
        need: wanted.get(path) ?? 0,
        children: depth > maxDepth ? [] : build(to, `${path}->`, depth + 1),
        tooDeep: depth > maxDepth,
      });
    }
    return out;
  };
  const tree = build(root, '', 1);
  for (const path of wanted.keys()) {
    if (!seen.has(path)) throw new LayoutError('BAD_NEEDS', `no input pointer with this path in struct ${root.name}`, path);
  }
  return tree;
}
