/** Typed errors of the object loader and the maps. */

/** Why an object was refused. */
export const OBJECT_REASONS = [
  'not_elf', 'unsupported_elf', 'truncated', 'bad_section', 'bad_symbol', 'bad_relocation', 'bad_btf', 'bad_map', 'no_program',
] as const;
/** Is one reason an object was refused. */
export type ObjectReason = (typeof OBJECT_REASONS)[number];

/** Is a malformed or unsupported object: names the section (when one is at fault) and the byte offset. */
export class ObjectError extends Error {
  override readonly name = 'ObjectError';
  constructor(
    readonly reason: ObjectReason,
    readonly section: string | null,
    readonly offset: number,
    detail: string,
  ) {
    super(`${reason}${section === null ? '' : ` in section ${section}`} at byte ${offset}: ${detail}`);
  }
}

/** The kernel's errno names a map operation fails with (and their numbers, returned negated to programs). */
export const ERRNO = { ENOENT: 2, E2BIG: 7, EAGAIN: 11, EFAULT: 14, EEXIST: 17, EINVAL: 22 } as const;
/** Is one errno name. */
export type Errno = keyof typeof ERRNO;

/** Is a refused map operation, with the errno the kernel's bpf(2) gives for it. */
export class MapError extends Error {
  override readonly name = 'MapError';
  constructor(
    readonly errno: Errno,
    readonly map: string,
    detail: string,
  ) {
    super(`${errno} on map ${map}: ${detail}`);
  }
}
