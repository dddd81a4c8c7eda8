/**
 * The interpreter's typed error. A verified program never fails at run time (every failure a
 * filter can provoke is a return value, as in the kernel); these errors are about calling the
 * engine the wrong way: the wrong kind of input for the program's profile, or a bad context.
 */

/**
 * The kinds of engine misuse, and BUDGET_EXHAUSTED: a libpcap-profile run (which may loop)
 * executed more instructions than its budget allows.
 */
export type InterpreterErrorCode = 'WRONG_PROFILE' | 'BAD_INPUT' | 'BUDGET_EXHAUSTED';

/** Reports a misuse of the engine; `code` says which kind. */
export class InterpreterError extends Error {
  override readonly name = 'InterpreterError';
  constructor(
    readonly code: InterpreterErrorCode,
    message: string,
  ) {
    super(message);
  }
}
