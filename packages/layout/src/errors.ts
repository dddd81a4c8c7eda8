/**
 * Typed errors for untrusted struct descriptions, sizes, pointers and memory.
 * Every error names the field (a dotted path such as `bar.barbaz`) and, where
 * one exists, the byte offset (in the struct, or a user address) it is about.
 */

export type LayoutErrorCode =
  | 'BAD_TYPE' // a struct description is malformed (empty, zero-size, bad count)
  | 'DUPLICATE_FIELD'
  | 'UNKNOWN_FIELD'
  | 'BAD_LENGTH_FIELD' // a pointer names a length field that is missing or not an integer
  | 'UNKNOWN_SYSCALL'
  | 'UNKNOWN_VERSION'
  | 'BAD_ADDRESS' // an address that is negative, not an integer, or beyond 2^64
  | 'BAD_SIZE' // a size that is negative, not an integer, or too large
  | 'OVERLAP' // two mapped regions overlap
  | 'FAULT' // a read touched unmapped memory (strict flattening)
  | 'TOO_DEEP' // pointer nesting deeper than the limit (strict flattening)
  | 'CYCLE' // a pointer chain revisits an object (strict flattening)
  | 'NO_SPACE' // the EA region (one page) cannot hold what must be copied (strict flattening)
  | 'BAD_NEEDS'; // filterNeeds names a pointer path that does not exist

/** Describes one problem with a struct, size, pointer or memory access. */
export class LayoutError extends Error {
  override readonly name = 'LayoutError';
  constructor(
    readonly code: LayoutErrorCode,
    message: string,
    /** Dotted field path the problem is about ('' for the whole struct). */
    readonly field?: string,
    /** Byte offset in the struct, or the user address for FAULT. */
    readonly offset?: number,
  ) {
    super(
      (field !== undefined && field !== '' ? `field ${field}` : '') +
        (offset !== undefined ? `${field ? ' ' : ''}at byte ${offset}` : '') +
        (field || offset !== undefined ? ': ' : '') +
        message,
    );
  }
}
