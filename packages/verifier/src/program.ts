/**
 * The contract between the verifier and the engines: a branded, frozen program
 * that only `verify()` can produce, so an unverified program cannot reach the
 * interpreter or the JIT by accident.
 */
import type { KnownInsn } from '@ea/bpf';

/** Which kernel rules apply: SO_ATTACH_FILTER, seccomp(2), or seccomp with an EA image. */
export type Profile = 'socket' | 'seccomp' | 'ea';

declare const verifiedBrand: unique symbol;

export interface VerifiedProgram {
  readonly [verifiedBrand]: true;
  readonly profile: Profile;
  /** The program as the user wrote it; every code is one the profile allows. */
  readonly insns: readonly KnownInsn[];
  /** reachable[pc]: some path from pc 0 reaches this instruction. */
  readonly reachable: readonly boolean[];
  /**
   * One past the highest byte an absolute load can read (0 when none):
   * for seccomp at most 64; for EA the bound the image must be zero-filled to.
   */
  readonly maxLoadEnd: number;
}

/** Brands a program; only the verifier calls this, after every check passed. */
export function brandVerified(fields: Omit<VerifiedProgram, typeof verifiedBrand>): VerifiedProgram {
  return Object.freeze({ ...fields }) as VerifiedProgram;
}
