/**
 * The one error type of @ea/explain. It names what was wrong and, for a program, where
 * (the instruction index): a program that is not a seccomp filter, a filter whose decision this
 * analysis cannot represent exactly, one whose paths exceed the work bound, or a bad argument.
 */

/** Names why explain, diff or audit refused. */
export type ExplainErrorCode =
  /** The program was verified for another profile (socket, ea): only seccomp filters are explained. */
  | 'NOT_SECCOMP'
  /** An operation whose result the symbolic values cannot represent exactly (e.g. `add` on an argument). */
  | 'UNSUPPORTED'
  /** More paths or steps than the bound: the analysis stops instead of running on. */
  | 'TOO_COMPLEX'
  /** A caller's mistake: wrong type, unknown architecture or syscall, bad argument value. */
  | 'BAD_INPUT'
  /** A self-check failed (a counterexample that does not differ when run): a bug, never a verdict. */
  | 'INTERNAL';

/** Signals that a seccomp filter could not be read back; `pc` names the instruction when there is one. */
export class ExplainError extends Error {
  override readonly name = 'ExplainError';
  constructor(
    readonly code: ExplainErrorCode,
    message: string,
    readonly pc: number | null = null,
  ) {
    super(pc === null ? message : `instruction ${pc}: ${message}`);
  }
}
