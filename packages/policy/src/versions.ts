/**
 * @ea/layout's catalog seen through the builder's small StructShape, and struct *versions*: a
 * kernel (or a filter's header) that knows VERn knows the fields below VERn's size and only
 * those; the flattener of such a kernel follows only the pointers it knows.
 */
import {
  type CType, type EaSyscall, LayoutError, type MemberSpec, type StructType, eaSyscall, pointee, struct,
  versionSize,
} from '@ea/layout';
import type { FieldShape, StructShape } from './path.js';
import { u32Array } from './path.js';

/** Elements shown for a counted array pointer (set_tid holds at most MAX_PID_NS_LEVEL = 32). */
const ARRAY_ELEMENTS = 32;

/** Converts a layout struct to the builder's shape (4- and 8-byte scalars and input pointers). */
export function shapeOf(t: StructType): StructShape {
  const fields: FieldShape[] = [];
  for (const m of t.members) {
    if (m.name === null) continue;
    const ty = m.type;
    if (ty.kind === 'scalar' && (ty.size === 4 || ty.size === 8)) {
      fields.push({ name: m.name, offset: m.offset, size: ty.size });
    } else if (ty.kind === 'pointer') {
      if (ty.direction === 'out') {
        fields.push({ name: m.name, offset: m.offset, size: 8 });
        continue;
      }
      const to = pointee(ty);
      fields.push({ name: m.name, offset: m.offset, size: 8, pointer: { target: pointeeShape(m.name, to) } });
    }
  }
  return { name: t.name, size: t.size, fields };
}

function pointeeShape(name: string, to: CType): StructShape {
  if (to.kind === 'struct') return shapeOf(to);
  if (to.kind === 'scalar' && to.size === 4) return u32Array(name, ARRAY_ELEMENTS);
  throw new LayoutError('BAD_TYPE', `pointee of ${name} is neither a struct nor a 32-bit array`, name);
}

/** Returns the layout struct cut to its first `size` bytes (the members of that version). */
export function truncate(t: StructType, size: number): StructType {
  if (size === t.size) return t;
  const specs: MemberSpec[] = t.members.filter((m) => m.offset + m.type.size <= size).map((m) => [m.name, m.type]);
  const cut = struct(t.name, specs);
  if (cut.size !== size) throw new LayoutError('UNKNOWN_VERSION', `${t.name} has no version of ${size} bytes`);
  return cut;
}

/** One struct version: the catalog entry a kernel of that version would have, and its shape. */
export interface Version {
  readonly label: string;
  readonly sys: EaSyscall;
  readonly shape: StructShape;
}

/**
 * Returns version `version` (index or name) of catalog entry `name`, as the kernel of that
 * version would describe the syscall (ksize = the version's size).
 */
export function version(name: string, which?: number | string): Version {
  const base = eaSyscall(name);
  const size = versionSize(base, which);
  const label = base.versions.find((v) => v.size === size)?.name ?? `${size}`;
  const t = truncate(base.struct, size);
  return { label, sys: { ...base, struct: t, ksize: size }, shape: shapeOf(t) };
}
