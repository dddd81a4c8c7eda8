/**
 * The typed model every format is read into. One model covers the three formats: OCI's
 * `linux.seccomp`, Docker's (archMap, includes/excludes, comment, name) and Podman's (Docker's plus
 * the `errno`/`defaultErrno` names). Values are exact: argument values are bigints.
 */
import type { ActionName, Operator } from './vocab.js';

/** Names the format a document was recognized as (by the fields it uses). */
export type ProfileFormat = 'oci' | 'docker' | 'podman';

/** One argument condition: `args[index] op value` (`(args[index] & value) == valueTwo` for MASKED_EQ). */
export interface ArgCondition {
  readonly index: number;
  readonly op: Operator;
  readonly value: bigint;
  readonly valueTwo: bigint;
  /** JSON path of the condition, e.g. `syscalls[3].args[0]`. */
  readonly path: string;
}

/** One EA condition: a field of the syscall's extensible-argument struct, named as @ea/policy resolves paths. */
export interface EaCondition {
  readonly field: string;
  readonly op: Operator;
  readonly value: bigint;
  readonly valueTwo: bigint;
  readonly path: string;
}

/** A kernel version `kernel.major` as Docker's minKernel spells it. */
export interface KernelVersion {
  readonly kernel: number;
  readonly major: number;
}

/** Docker's includes/excludes filter. */
export interface RuleFilter {
  readonly caps: readonly string[];
  readonly arches: readonly string[];
  readonly minKernel: KernelVersion | undefined;
}

/** One entry of `syscalls`. */
export interface SyscallRule {
  readonly path: string;
  readonly names: readonly string[];
  readonly action: ActionName;
  /** errnoRet (or Podman's `errno`, resolved to a number); undefined when not given. */
  readonly errnoRet: number | undefined;
  readonly args: readonly ArgCondition[];
  readonly ea: readonly EaCondition[];
  readonly includes: RuleFilter | undefined;
  readonly excludes: RuleFilter | undefined;
  readonly comment: string | undefined;
}

/** One archMap entry. */
export interface ArchMapEntry {
  readonly architecture: string;
  readonly subArchitectures: readonly string[];
}

/** A whole profile document, read but not yet resolved for an architecture, capability set and kernel. */
export interface ProfileDocument {
  readonly format: ProfileFormat;
  readonly defaultAction: ActionName;
  readonly defaultErrnoRet: number | undefined;
  /** SCMP_ARCH_* names. */
  readonly architectures: readonly string[];
  readonly archMap: readonly ArchMapEntry[];
  readonly flags: readonly string[];
  readonly listenerPath: string | undefined;
  readonly syscalls: readonly SyscallRule[];
}
