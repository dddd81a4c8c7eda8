/**
 * The seccomp filter-chain limit (seccomp_attach_filter): the new filter's converted length
 * plus, for every filter already attached, its converted length + 4 must stay <= 32768
 * (MAX_INSNS_PER_PATH), else ENOMEM. Lengths are eBPF lengths after bpf_convert_filter.
 */
import { VerifyError, VerifyUsageError } from './errors.js';
import { MAX_INSNS_PER_PATH, PATH_PENALTY } from './limits.js';
import { runsOnPackets, type VerifiedProgram } from './program.js';

/** Returns the length seccomp's path limit counts for a filter (its converted eBPF length). */
export function seccompPathLength(filter: VerifiedProgram): number {
  if (runsOnPackets(filter.profile)) throw new VerifyUsageError('filter', `a ${filter.profile}-profile program is not a seccomp filter`);
  return filter.convertedLength;
}

/** The outcome of attaching one more filter to a chain. */
export type ChainResult =
  | { readonly ok: true; readonly total: number }
  | { readonly ok: false; readonly total: number; readonly error: VerifyError };

/**
 * Tells whether seccomp would attach `next` on top of `existing` (oldest first): total =
 * len(next) + sum(len(f) + 4) over existing must be <= 32768, else TOO_MANY_INSNS_PATH (ENOMEM).
 */
export function checkSeccompChain(existing: readonly VerifiedProgram[], next: VerifiedProgram): ChainResult {
  let total = seccompPathLength(next);
  for (const f of existing) total += seccompPathLength(f) + PATH_PENALTY;
  if (total <= MAX_INSNS_PER_PATH) return { ok: true, total };
  const error = new VerifyError(
    { reason: 'TOO_MANY_INSNS_PATH', pc: null, detail: `${total} > ${MAX_INSNS_PER_PATH} after ${existing.length} filters` },
    null,
  );
  return { ok: false, total, error };
}
