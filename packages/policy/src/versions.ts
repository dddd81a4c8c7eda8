/**
 * Struct *versions* from @ea/layout's catalog: a kernel (or a filter's header) that knows VERn
 * knows the fields below VERn's size and only those; the flattener of such a kernel follows only
 * the pointers it knows.
 */
import { type EaSyscall, LayoutError, type MemberSpec, type StructType, eaSyscall, struct, versionSize } from '@ea/layout';

/** Returns the layout struct cut to its first `size` bytes (the members of that version). */
export function truncate(t: StructType, size: number): StructType {
  if (size === t.size) return t;
  const specs: MemberSpec[] = t.members.filter((m) => m.offset + m.type.size <= size).map((m) => [m.name, m.type]);
  const cut = struct(t.name, specs);
  if (cut.size !== size) throw new LayoutError('UNKNOWN_VERSION', `${t.name} has no version of ${size} bytes`);
  return cut;
}

/** One struct version: the catalog entry a kernel of that version would have, and its struct. */
export interface Version {
  readonly label: string;
  readonly sys: EaSyscall;
  /** The struct cut to this version (the same object as `sys.struct`). */
  readonly struct: StructType;
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
  return { label, sys: { ...base, struct: t, ksize: size }, struct: t };
}
