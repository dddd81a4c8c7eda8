/**
 * The seccomp constant-action cache (seccomp_cache_prepare / seccomp_is_const_allow, since
 * 5.11): for each syscall number below the arch's count, the kernel runs the filter's original
 * program with only nr and arch known; if it provably returns exactly SECCOMP_RET_ALLOW the
 * number is marked always-allowed and later calls skip every filter. A chain's bitmap is the
 * AND of its filters'. Syscalls hard-wired as allowed (x86_64 uretprobe 335 and uprobe 336 on
 * 6.18) bypass every filter of the native arch. The bitmap's size and the hard-wired numbers
 * depend on the kernel release being modelled (@ea/seccomp's kernelRelease): the newest release
 * the syscall tables were generated for, unless `kernel` names another.
 */
import { assertNever, SECCOMP_RET_ALLOW, type KnownInsn, X86_64_HARDWIRED_ALLOW } from '@ea/bpf';
import { archOfData, hardwiredAllow, kernelRelease, SeccompError, syscallCount } from '@ea/seccomp';
import { runsOnPackets, type VerifiedProgram } from './program.js';
import { VerifyUsageError } from './errors.js';

/** seccomp_data offsets the emulator understands. */
const NR_OFFSET = 0;
const ARCH_OFFSET = 4;
/** x86_64 uretprobe and uprobe: allowed before any filter runs (the list lives in @ea/bpf). */
export { X86_64_HARDWIRED_ALLOW };

/** Options of the cache emulation. */
export interface CacheOptions {
  /** The AUDIT_ARCH_* value the bitmap is for. */
  readonly arch: number;
  /**
   * The kernel release modelled ("6.18", a `uname -r` string, or "newest", the default: the
   * release @ea/seccomp's syscall tables come from). It decides `syscalls` and `hardwired` when
   * they are not given.
   */
  readonly kernel?: string;
  /**
   * The arch's syscall count (bitmap size): numbers >= count always run the filters. Default:
   * NR_syscalls of `arch` on `kernel` (required for an AUDIT_ARCH value @ea/seccomp does not know).
   */
  readonly syscalls?: number;
  /** Numbers allowed regardless of the filter (default: what `kernel` hard-wires on `arch`). */
  readonly hardwired?: readonly number[];
}

/**
 * Runs seccomp_is_const_allow on one (nr, arch): A starts at 0; only word loads of nr and arch,
 * AND K, JA and K-operand jumps are followed; RET K counts when k is exactly SECCOMP_RET_ALLOW.
 */
export function isConstAllow(insns: readonly KnownInsn[], nr: number, arch: number): boolean {
  let a = 0;
  for (let pc = 0; pc < insns.length; pc++) {
    const i = insns[pc] as KnownInsn;
    switch (i.kind) {
      case 'ld_abs':
        if (i.size !== 'w') return false;
        if (i.k === NR_OFFSET) a = nr >>> 0;
        else if (i.k === ARCH_OFFSET) a = arch >>> 0;
        else return false;
        break;
      case 'ret_k':
        return i.k === SECCOMP_RET_ALLOW;
      case 'ja':
        pc += i.k;
        break;
      case 'jmp': {
        if (i.src !== 'k') return false;
        const taken =
          i.op === 'jeq' ? a === i.k : i.op === 'jge' ? a >= i.k : i.op === 'jgt' ? a > i.k : (a & i.k) !== 0;
        pc += taken ? i.jt : i.jf;
        break;
      }
      case 'alu':
        if (i.op !== 'and' || i.src !== 'k') return false;
        a = (a & i.k) >>> 0;
        break;
      case 'ld_imm':
      case 'ld_ind':
      case 'ld_mem':
      case 'ld_len':
      case 'ld_tailzero':
      case 'ldx_imm':
      case 'ldx_mem':
      case 'ldx_len':
      case 'ldx_msh':
      case 'st':
      case 'stx':
      case 'neg':
      case 'ret_a':
      case 'tax':
      case 'txa':
        return false; // "can't optimize": any other instruction
      default:
        return assertNever(i);
    }
  }
  return false; // ran off the end (impossible for a verified program)
}

/** The bitmap size and hard-wired numbers `options` ask for, defaults filled from the kernel model. */
function resolve(options: CacheOptions): { syscalls: number; hardwired: readonly number[] } {
  try {
    const kernel = kernelRelease(options.kernel).release;
    // nr 0 picks x86_64 over x32 for AUDIT_ARCH_X86_64: x32 calls are outside the bitmap anyway.
    const arch = archOfData(options.arch, 0);
    const syscalls = options.syscalls ?? (arch === undefined ? undefined : syscallCount(arch.name, kernel));
    if (syscalls === undefined) {
      throw new VerifyUsageError('syscalls', `required for arch 0x${(options.arch >>> 0).toString(16)}, which has no syscall table`);
    }
    return { syscalls, hardwired: options.hardwired ?? (arch === undefined ? [] : hardwiredAllow(arch.name, kernel)) };
  } catch (error) {
    if (error instanceof SeccompError) throw new VerifyUsageError('kernel', error.message);
    throw error;
  }
}

/**
 * Returns the syscall numbers the kernel's cache marks always-allowed for a chain of filters
 * (oldest first; one filter is a chain of one), in increasing order.
 */
export function constantAllowed(filters: readonly VerifiedProgram[], options: CacheOptions): number[] {
  const { syscalls, hardwired } = resolve(options);
  if (!Number.isInteger(syscalls) || syscalls < 0 || syscalls > 0x10000) {
    throw new VerifyUsageError('syscalls', 'must be an integer in [0, 65536]');
  }
  for (const f of filters) {
    if (runsOnPackets(f.profile)) throw new VerifyUsageError('filters', `a ${f.profile}-profile program is not a seccomp filter`);
  }
  const hard = new Set(hardwired);
  const out: number[] = [];
  for (let nr = 0; nr < syscalls; nr++) {
    if (hard.has(nr) || filters.every((f) => isConstAllow(f.insns, nr, options.arch))) out.push(nr);
  }
  return out;
}
