/**
 * The error and warning types of @ea/profile. Every problem names where it is: a JSON path
 * (`syscalls[12].args[0].op`) and, for text that is not JSON, a line and column.
 */

/** Names why a profile was refused. */
export type ProfileErrorCode =
  | 'JSON_SYNTAX'
  | 'TOO_DEEP'
  | 'DUPLICATE_KEY'
  | 'UNKNOWN_FIELD'
  | 'BAD_TYPE'
  | 'MISSING_FIELD'
  | 'UNKNOWN_ACTION'
  | 'UNKNOWN_OPERATOR'
  | 'UNKNOWN_ARCH'
  | 'UNKNOWN_CAPABILITY'
  | 'UNKNOWN_ERRNO'
  | 'UNKNOWN_FLAG'
  | 'BAD_ARG_INDEX'
  | 'BAD_VALUE'
  | 'BAD_ERRNO'
  | 'VALUE_TWO_WITHOUT_MASKED_EQ'
  | 'EMPTY_NAMES'
  | 'BAD_NAME'
  | 'NAME_AND_NAMES'
  | 'ARCHES_AND_ARCHMAP'
  | 'BAD_KERNEL'
  | 'NO_FILTER'
  | 'MIXED_BYTE_ORDER'
  | 'AMBIGUOUS_RULES'
  | 'BAD_EA_RULE'
  | 'TOO_LARGE'
  | 'BAD_OPTION';

/** Signals a profile (or an option) @ea/profile cannot compile; the only error type it throws. */
export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(
    readonly code: ProfileErrorCode,
    /** Where: a JSON path such as `syscalls[3].args[0].op`, `$` for the whole document, or an option name. */
    readonly path: string,
    readonly reason: string,
    /** For JSON_SYNTAX: 1-based line and column of the offending character. */
    readonly position?: { readonly line: number; readonly column: number },
  ) {
    super(position === undefined ? `${path}: ${reason}` : `line ${position.line}, column ${position.column}: ${reason}`);
  }
}

/** Names a warning: the profile compiles, but something in it deserves a look. */
export type ProfileWarningCode =
  | 'UNKNOWN_SYSCALLS'
  | 'UNSUPPORTED_ARCH'
  | 'SAME_ARG_TWICE'
  | 'MULTIPLEXED'
  | 'ALLOWS_NOTHING'
  | 'SHADOWED_RULE'
  | 'NO_ENOSYS_STUB';

/** Describes something a caller should know about a profile that still compiled. */
export interface ProfileWarning {
  readonly code: ProfileWarningCode;
  /** The JSON paths of the rules concerned (may be empty for profile-wide warnings). */
  readonly paths: readonly string[];
  readonly message: string;
}
