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
import { ARCHES } from './arch.js';

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

const X86_64_BYPASS = ARCHES.x86_64.bypass;

/**
 * Tells whether the kernel skips every filter for this call: x86_64's uretprobe (335) and uprobe
 * (336) when the call uses the native x86_64 ABI (not i386, not x32: their nr differ).
 */
export function bypassesFilters(call: ChainCall): boolean {
  return (call.arch >>> 0) === AUDIT_ARCH_X86_64 && X86_64_BYPASS.includes(call.nr >>> 0);
}

/**
 * Runs `filters` (oldest first, the order they were installed) on `view` and returns the final
 * u32 the kernel acts on. An empty chain returns KILL_PROCESS, as seccomp_run_filters does when a
 * task in filter mode somehow has no filter (fail closed). Allocates nothing.
 */
export function runChain(filters: readonly FilterFn[], view: DataView, call: ChainCall): number {
  if (filters.length === 0) return SECCOMP_RET_KILL_PROCESS;
  if (bypassesFilters(call)) return SECCOMP_RET_ALLOW;
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

/** Runs the chain like runChain and also says which filter's value won. */
export function runChainDetailed(filters: readonly FilterFn[], view: DataView, call: ChainCall): ChainResult {
  if (filters.length === 0) return { ret: SECCOMP_RET_KILL_PROCESS, match: -1 };
  if (bypassesFilters(call)) return { ret: SECCOMP_RET_ALLOW, match: -1 };
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
