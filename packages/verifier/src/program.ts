/**
 * The contract between the verifier and the engines: a branded, frozen program
 * that only `verify()` can produce, so an unverified program cannot reach the
 * interpreter or the JIT by accident.
 */
import type { KnownInsn } from '@ea/bpf';

/**
 * Which rules apply: the kernel's SO_ATTACH_FILTER, seccomp(2), seccomp with an EA image, or
 * libpcap's userland filtering (what `tcpdump -r` runs: bpf_validate, backward `ja`).
 */
export type Profile = 'socket' | 'seccomp' | 'ea' | 'libpcap';

/** Tells whether a profile's programs run over packets (socket, libpcap) rather than seccomp_data. */
export function runsOnPackets(profile: Profile): boolean {
  return profile === 'socket' || profile === 'libpcap';
}

declare const verifiedBrand: unique symbol;

/** Holds a program verify() accepted: branded and frozen, with the facts the engines use. */
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
  /**
   * The program has `LD IND` loads (offset X + k, known only at run time): socket filters
   * bounds-check them per packet; `ea` filters return 0 (KILL_THREAD) on a misaligned or
   * out-of-image one. maxLoadEnd does not cover them.
   */
  readonly hasIndexedLoads: boolean;
  /**
   * prog->len after the kernel's cBPF -> eBPF conversion (bpf_convert_filter): what seccomp's
   * path limit and the socket memory charge count. For `ea` it is our own estimate (IND and
   * tail-zero loads count 1, as the direct context load of a seccomp word load). For `libpcap`,
   * which runs the program as written, the instruction count.
   */
  readonly convertedLength: number;
  /**
   * libpcap profile: some `ja` jumps backward (pcap_filter's signed offset), so a run may loop;
   * the engines bound it (EngineOptions.budget). Always false for the kernel's profiles.
   */
  readonly backwardJumps: boolean;
}

/** Brands a program; only the verifier calls this, after every check passed. */
export function brandVerified(fields: Omit<VerifiedProgram, typeof verifiedBrand>): VerifiedProgram {
  return Object.freeze({ ...fields }) as VerifiedProgram;
}
