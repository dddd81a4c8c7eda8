/**
 * Why a program is refused: a stable reason code, the 0-based pc of the instruction the
 * kernel stopped at, the formatted instruction, and the errno Linux returns for it.
 */
import { formatInsn, type SockFilter } from '@ea/bpf';

/** Errno names the verifier can report, with their Linux numbers (x86_64). */
export const ERRNO = { EINVAL: 22, ENOMEM: 12 } as const;
/** Names an errno the verifier can report. */
export type ErrnoName = keyof typeof ERRNO;

/** Every reason a program can be refused, with the errno Linux returns and a one-line why. */
export const REASONS = {
  BAD_FIELD: { errno: 'EINVAL', why: 'a field is not an integer in its struct sock_filter range' },
  BAD_LENGTH: { errno: 'EINVAL', why: 'a program has 1 to 4096 instructions (bpf_check_basics_ok)' },
  BAD_OPCODE: { errno: 'EINVAL', why: 'the code is not in the kernel table (chk_code_allowed)' },
  DIV_BY_ZERO: { errno: 'EINVAL', why: 'division or modulo by the constant 0' },
  SHIFT_TOO_LARGE: { errno: 'EINVAL', why: 'a constant shift must be below 32' },
  MEM_INDEX: { errno: 'EINVAL', why: 'scratch memory has 16 cells, M[0] to M[15]' },
  JUMP_OUT_OF_RANGE: { errno: 'EINVAL', why: 'the jump target is past the last instruction' },
  BAD_ANCILLARY: { errno: 'EINVAL', why: 'a load at SKF_AD_OFF or above must name a known ancillary field' },
  NO_RET_AT_END: { errno: 'EINVAL', why: 'the last instruction must be a ret' },
  UNINIT_MEM_READ: {
    errno: 'EINVAL',
    why: 'scratch cell read before a store on some path (check_load_and_stores, a linear scan)',
  },
  SECCOMP_BAD_OPCODE: {
    errno: 'EINVAL',
    why: 'seccomp refuses this instruction (no MOD, H/B or IND loads, MSH, ancillary loads)',
  },
  SECCOMP_BAD_OFFSET: { errno: 'EINVAL', why: 'seccomp loads are 32-bit words at 0, 4, ..., 60' },
  EA_BAD_OPCODE: { errno: 'EINVAL', why: 'the ea profile refuses this instruction (seccomp set + ld [x+k], tail-zero)' },
  EA_BAD_OFFSET: { errno: 'EINVAL', why: 'ea loads are 32-bit words at 4-byte-aligned offsets inside the image bound' },
  EA_BAD_TAILZERO: { errno: 'EINVAL', why: 'the tail-zero offset must be at most EA_MAX_STRUCT (4096)' },
  CONVERTED_JUMP_TOO_FAR: {
    errno: 'EINVAL',
    why: 'after conversion to eBPF the jump distance does not fit 16 bits (bpf_convert_filter)',
  },
  OPTMEM_EXCEEDED: {
    errno: 'ENOMEM',
    why: 'the converted program does not fit the socket option memory (net.core.optmem_max)',
  },
  TOO_MANY_INSNS_PATH: {
    errno: 'ENOMEM',
    why: 'the filter chain exceeds 32768 converted instructions (MAX_INSNS_PER_PATH)',
  },
} as const satisfies Record<string, { errno: ErrnoName; why: string }>;

/** Names a reason a program is refused (a key of REASONS). */
export type ReasonCode = keyof typeof REASONS;

/** Where and why the kernel stops; the verifier's internal failure value. */
export interface Failure {
  readonly reason: ReasonCode;
  /** 0-based index of the instruction, or null for whole-program limits. */
  readonly pc: number | null;
  /** Extra detail for the message (values involved). */
  readonly detail?: string;
}

/** A program Linux would refuse, with the reason, the pc and the errno it would return. */
export class VerifyError extends Error {
  override readonly name = 'VerifyError';
  readonly reason: ReasonCode;
  readonly pc: number | null;
  /** The raw fields of the failing instruction (null for whole-program limits). */
  readonly insn: SockFilter | null;
  /** The failing instruction in bpf_asm syntax, jump targets as absolute `L<pc>` (null if none). */
  readonly instruction: string | null;
  readonly errno: ErrnoName;
  readonly errnoNumber: number;
  /** What the rule requires, in one line (REASONS[reason].why). */
  readonly why: string;
  /** The values involved, when there are some (`M[3]`, `k = 40`, ...). */
  readonly detail: string | null;

  constructor(failure: Failure, insn: SockFilter | null) {
    const info = REASONS[failure.reason];
    const instruction = insn === null || failure.pc === null ? null : safeFormat(insn, failure.pc);
    const where = failure.pc === null ? '' : ` at pc ${failure.pc}${instruction === null ? '' : ` (${instruction})`}`;
    const detail = failure.detail === undefined ? '' : ` [${failure.detail}]`;
    super(`${failure.reason}${where}: ${info.why}${detail} -> ${info.errno}`);
    this.reason = failure.reason;
    this.pc = failure.pc;
    this.insn = insn === null ? null : { code: insn.code, jt: insn.jt, jf: insn.jf, k: insn.k };
    this.instruction = instruction;
    this.errno = info.errno;
    this.errnoNumber = ERRNO[info.errno];
    this.why = info.why;
    this.detail = failure.detail ?? null;
  }
}

function safeFormat(insn: SockFilter, pc: number): string {
  try {
    return formatInsn(insn, pc);
  } catch {
    return `.insn ${String(insn.code)}, ${String(insn.jt)}, ${String(insn.jf)}, ${String(insn.k)}`;
  }
}

/** A mistake in how the verifier was called (bad options, a socket program used as a seccomp filter). */
export class VerifyUsageError extends Error {
  override readonly name = 'VerifyUsageError';
  constructor(
    /** The option or argument at fault. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
