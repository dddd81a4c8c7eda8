/**
 * What a policy author writes: "on this arch, for syscall N whose EA struct is S (as of the
 * version I know), allow only if every check holds". `buildFilter` turns it into an ordinary
 * classic BPF program for the `ea` profile, with the tail-zero guard added automatically.
 */
import type { StructType } from '@ea/layout';
import type { ArchInfo } from '@ea/seccomp';
import type { Placement } from './placement.js';

/** A condition on one field (value semantics are unsigned, at the field's own width: 8, 16, 32 or 64 bits). */
export type Test =
  | { readonly op: 'eq'; readonly value: bigint }
  /** (field & mask) == mask */
  | { readonly op: 'allSet'; readonly mask: bigint }
  /** (field & mask) == 0 */
  | { readonly op: 'noneSet'; readonly mask: bigint }
  /** field is one of the values */
  | { readonly op: 'oneOf'; readonly values: readonly bigint[] }
  /** field != value, <, <=, >, >= value: libseccomp's SCMP_CMP_NE/LT/LE/GT/GE, unsigned */
  | { readonly op: Ordering; readonly value: bigint }
  /** (field & mask) == value: libseccomp's SCMP_CMP_MASKED_EQ (a value with bits outside the mask never holds) */
  | { readonly op: 'maskedEq'; readonly mask: bigint; readonly value: bigint };

/** The comparisons besides equality, as libseccomp names them without the SCMP_CMP_ prefix. */
export type Ordering = 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** Describes one check of a policy: a field path and the test its value must pass. */
export interface Check {
  /** `flags`, `set_tid[0]`, `bar->barbaz->barbaz` (see resolvePath). */
  readonly path: string;
  readonly test: Test;
}

/** How the tail-zero guard is written (both mean "bytes [k, usize) are zero"). */
export type GuardForm = 'tailzero' | 'esize' | 'none';

/** Describes an EA policy: arch, syscall number, struct, placement, checks, guard and actions. */
export interface Policy {
  readonly arch: ArchInfo;
  readonly nr: number;
  /** The struct as the filter's author knows it; the guard's k is its size. */
  readonly struct: StructType;
  readonly placement: Placement;
  readonly checks: readonly Check[];
  /** Default 'tailzero'. */
  readonly guard?: GuardForm;
  /** Returned when a check fails (default ERRNO(EPERM)). */
  readonly deny?: number;
  /** Returned when the guard fires (default ERRNO(E2BIG), like copy_struct_from_user). */
  readonly unknownTail?: number;
  /** Returned for every other syscall (default ALLOW). */
  readonly otherwise?: number;
}

/** What the checks of a policy need to be emitted: everything but the syscall and the actions. */
export type CheckSpec = Pick<Policy, 'arch' | 'struct' | 'placement' | 'checks' | 'guard'>;
