/**
 * The libseccomp-generated policies, once benchmarks/policies (written by the
 * seccomp engineer) provides them. Until then this returns null and the
 * hand-assembled policies stand in.
 */
import type { Insn } from '@ea/bpf';

/** Returns libseccomp's policies and a note on their origin, or null when they are not available. */
export function libseccompPolicies(_dir: string): { source: string; policies: { name: string; insns: Insn[] }[] } | null {
  return null;
}
