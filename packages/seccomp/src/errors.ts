/**
 * The one error type of @ea/seccomp: bad seccomp_data fields, unknown architectures, kernel
 * releases and syscall names. It names the field (or argument) that was wrong.
 */

export type SeccompErrorCode = 'BAD_FIELD' | 'SHORT_BUFFER' | 'UNKNOWN_ARCH' | 'UNKNOWN_KERNEL' | 'UNKNOWN_SYSCALL';

/** Signals input a public function of @ea/seccomp cannot take (the only error type it throws). */
export class SeccompError extends Error {
  override readonly name = 'SeccompError';
  constructor(
    readonly code: SeccompErrorCode,
    /** The field, argument or name the problem is about (`args[3]`, `nr`, `x86_64`...). */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
