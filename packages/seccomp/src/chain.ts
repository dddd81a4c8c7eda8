/**
 * Stacked filters as seccomp_run_filters evaluates them: every filter runs, newest first, on the
 * same seccomp_data; a result replaces the running one only when its action part, as a signed
 * 32-bit number, is strictly lower (so KILL_PROCESS < undefined negative values < KILL_THREAD <
 * TRAP < ERRNO < USER_NOTIF < TRACE < LOG < ALLOW), which makes ties go to the newest filter.
 * The running result starts as ALLOW, so ALLOW's data never survives.
 *
 * Engines are plain functions here so that this package does not depend on an interpreter.
 */
import { AUDIT_ARCH_X86_64, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_KILL_PROCESS } from '@ea/bpf';
import { hardwiredAllow } from './kernels.js';

/** A loaded filter: reads seccomp_data (and beyond, for EA filters) from the view, returns a u32. */
export type FilterFn = (view: DataView) => number;

/** The two fields of seccomp_data the entry path looks at before any filter runs. */
export interface ChainCall {
  readonly arch: number;
  readonly nr: number;
}

/** The result of a chain and which filter supplied it. */
export interface ChainResult {
  readonly ret: number;
  /**
   * Index (in installation order) of the filter whose value won, -1 when none replaced the
   * initial ALLOW (all allowed, or the call bypassed filtering). The kernel uses this filter's
   * listener for USER_NOTIF and its log flag for LOG.
   */
  readonly match: number;
}

/** chainBypass() by the text it was given: a chain looks its kernel up on every call. */
const bypassByKernel = new Map<string | undefined, readonly number[]>();

/**
 * Returns the native x86_64 syscall numbers that `kernel` (a release as kernelRelease() reads
 * it, default the newest) lets through ahead of every filter: none before 6.14, uretprobe (335)
 * from 6.14, uprobe (336) too from 6.18 (hardwiredAllow, docs/kernel-facts.md). Throws
 * SeccompError UNKNOWN_KERNEL for a release we cannot model.
 */
export function chainBypass(kernel?: string): readonly number[] {
  let found = bypassByKernel.get(kernel);
  if (found === undefined) {
    found = hardwiredAllow('x86_64', kernel);
    // Bounded: a caller passing ever new `uname -r` strings must not grow it without end.
    if (bypassByKernel.size >= 64) bypassByKernel.clear();
    bypassByKernel.set(kernel, found);
  }
  return found;
}

/**
 * Tells whether the kernel skips every filter for this call: on x86_64's native ABI (not i386,
 * not x32: their nr differ) the numbers chainBypass(kernel) lists, uretprobe (335) and uprobe
 * (336) on the newest kernel.
 */
export function bypassesFilters(call: ChainCall, kernel?: string): boolean {
  return (call.arch >>> 0) === AUDIT_ARCH_X86_64 && chainBypass(kernel).includes(call.nr >>> 0);
}

/**
 * Runs `filters` (oldest first, the order they were installed) on `view` and returns the final
 * u32 the kernel acts on. An empty chain returns KILL_PROCESS, as seccomp_run_filters does when a
 * task in filter mode somehow has no filter (fail closed). `kernel` picks the release whose
 * bypass list applies (chainBypass; default the newest). Allocates nothing once a kernel was seen.
 */
export function runChain(filters: readonly FilterFn[], view: DataView, call: ChainCall, kernel?: string): number {
  if (filters.length === 0) return SECCOMP_RET_KILL_PROCESS;
  if (bypassesFilters(call, kernel)) return SECCOMP_RET_ALLOW;
  let ret = SECCOMP_RET_ALLOW;
  let rank = SECCOMP_RET_ALLOW & SECCOMP_RET_ACTION_FULL;
  for (let i = filters.length - 1; i >= 0; i--) {
    const cur = filters[i]!(view) >>> 0;
    const curRank = cur & SECCOMP_RET_ACTION_FULL;
    if (curRank < rank) {
      ret = cur;
      rank = curRank;
    }
  }
  return ret;
}

/** Runs the chain like runChain (`kernel` likewise) and also says which filter's value won. */
export function runChainDetailed(filters: readonly FilterFn[], view: DataView, call: ChainCall, kernel?: string): ChainResult {
  if (filters.length === 0) return { ret: SECCOMP_RET_KILL_PROCESS, match: -1 };
  if (bypassesFilters(call, kernel)) return { ret: SECCOMP_RET_ALLOW, match: -1 };
  let ret = SECCOMP_RET_ALLOW;
  let match = -1;
  for (let i = filters.length - 1; i >= 0; i--) {
    const cur = filters[i]!(view) >>> 0;
    if ((cur & SECCOMP_RET_ACTION_FULL) < (ret & SECCOMP_RET_ACTION_FULL)) {
      ret = cur;
      match = i;
    }
  }
  return { ret, match };
}
