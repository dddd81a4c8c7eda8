/**
 * Typed errors for untrusted input. Every reader throws only FormatError, which
 * names where the problem is: a byte offset for binary input, a line and column
 * for text.
 */

export type Where =
  | { readonly kind: 'byte'; readonly offset: number }
  | { readonly kind: 'text'; readonly line: number; readonly column: number };

/** Names why a text or binary program could not be read (a stable code). */
export type FormatErrorCode =
  | 'BAD_LENGTH'
  | 'TOO_LONG'
  | 'EMPTY'
  | 'BAD_NUMBER'
  | 'OUT_OF_RANGE'
  | 'BAD_COUNT'
  | 'UNKNOWN_MNEMONIC'
  | 'BAD_OPERAND'
  | 'UNDEFINED_LABEL'
  | 'DUPLICATE_LABEL'
  | 'JUMP_TOO_FAR'
  | 'BACKWARD_JUMP'
  | 'SYNTAX'
  | 'UNKNOWN_FORMAT'
  | 'UNENCODABLE';

/** Reports unreadable program input with a stable code and where it is (line and column, or byte offset). */
export class FormatError extends Error {
  override readonly name = 'FormatError';
  constructor(
    readonly code: FormatErrorCode,
    message: string,
    readonly where?: Where,
  ) {
    super(where === undefined ? message : `${describeWhere(where)}: ${message}`);
  }
}

/** Formats a count with its noun, singular for one: `1 instruction`, `2 instructions`. */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Formats a location as `line L, column C` or `byte N`. */
export function describeWhere(where: Where): string {
  return where.kind === 'byte' ? `byte ${where.offset}` : `line ${where.line}, column ${where.column}`;
}
