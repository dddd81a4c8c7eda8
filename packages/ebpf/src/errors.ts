/**
 * Typed errors of @ea/ebpf. Every error names where: the instruction's pc (slot index, as the
 * kernel counts, lddw taking two), a byte offset, or a line and column of assembly text, plus a
 * stable reason code that tests assert on instead of the wording.
 */

/** Lists why a program is refused at load time (decode and check). */
export const LOAD_REASONS = [
  'truncated', 'empty', 'too_many', 'unknown_opcode', 'bad_register', 'reserved_nonzero', 'bad_end_size',
  'bad_atomic', 'unsupported', 'lddw_truncated', 'lddw_bad_second', 'write_fp', 'jump_out_of_range',
  'jump_into_lddw', 'falls_off_end', 'no_exit',
] as const;
/** Names why a program is refused at load time. */
export type LoadReason = (typeof LOAD_REASONS)[number];

/** Reports a program refused at load time: its reason and the pc of the offending instruction. */
export class EbpfLoadError extends Error {
  override readonly name = 'EbpfLoadError';
  constructor(
    readonly reason: LoadReason,
    /** The instruction's slot index, or -1 for the program as a whole. */
    readonly pc: number,
    detail: string,
  ) {
    super(pc >= 0 ? `pc ${pc}: ${reason}: ${detail}` : `${reason}: ${detail}`);
  }
}

/** Lists why a run stops with an error instead of a result. */
export const RUN_REASONS = [
  'out_of_bounds', 'budget', 'call_depth', 'unknown_helper', 'helper_error', 'bad_input',
] as const;
/** Names why a run stopped with an error. */
export type RunReason = (typeof RUN_REASONS)[number];

/** Reports a run that stopped: its reason and the pc of the instruction that stopped it. */
export class EbpfRunError extends Error {
  override readonly name = 'EbpfRunError';
  constructor(
    readonly reason: RunReason,
    readonly pc: number,
    detail: string,
  ) {
    super(pc >= 0 ? `pc ${pc}: ${reason}: ${detail}` : `${reason}: ${detail}`);
  }
}

/** Reports malformed assembly text: 1-based line and column. */
export class EbpfSyntaxError extends Error {
  override readonly name = 'EbpfSyntaxError';
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
  }
}
