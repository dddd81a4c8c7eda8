/**
 * The verifier's typed refusal: a stable reason code for tests, the pc of the instruction
 * refused, and a message modelled on the kernel verifier's log line for the same refusal (so a user
 * can match ours with what `bpf(BPF_PROG_LOAD)` printed).
 */

/** Lists why the verifier refuses a program. */
export const VERIFIER_REASONS = [
  'not_init', 'write_fp', 'unreachable', 'jump_out_of_range', 'last_insn', 'too_large', 'too_complex', 'infinite_loop',
  'packet_access', 'invalid_mem', 'stack_access', 'ctx_access', 'map_access', 'ptr_arith', 'alu', 'helper_arg',
  'unknown_helper', 'ld_abs', 'return', 'call_depth', 'unsupported', 'gpl', 'leak',
] as const;
/** Names why the verifier refused a program. */
export type VerifierReason = (typeof VERIFIER_REASONS)[number];

/** Reports a program the verifier refuses: reason, pc and the kernel-style log line. */
export class EbpfVerifierError extends Error {
  override readonly name = 'EbpfVerifierError';
  constructor(
    readonly reason: VerifierReason,
    /** The refused instruction's slot index, or -1 for the program as a whole. */
    readonly pc: number,
    /** The message as the kernel's log would print it (no pc prefix). */
    readonly log: string,
  ) {
    super(pc >= 0 ? `pc ${pc}: ${reason}: ${log}` : `${reason}: ${log}`);
  }
}

/**
 * Reports a caller's mistake in the arguments (an unknown program type, a malformed option): an
 * error naming the option, never a verdict on the program, since a verifier that guessed could
 * accept what the kernel refuses.
 */
export class EbpfVerifierUsageError extends TypeError {
  override readonly name = 'EbpfVerifierUsageError';
  constructor(
    /** The option at fault, e.g. `options.progType`. */
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}
