/**
 * Test-only: turns instructions into a VerifiedProgram through the real verifier, so every
 * generated test program is one the kernel's rules accept.
 */
import { insn, type KnownInsn, type SockFilter } from '@ea/bpf';
import { verify, type Profile, type VerifiedProgram } from '@ea/verifier';

/** Verifies `insns` for `profile` (throws VerifyError when the generator made a bad one). */
export function verified(insns: readonly SockFilter[], profile: Profile): VerifiedProgram {
  return verify(insns, { profile, skipSocketLimits: true });
}

/** Decodes raw instructions (for tests that build programs by hand). */
export function known(insns: readonly SockFilter[]): KnownInsn[] {
  return insns.map((i) => insn(i.code, i.jt, i.jf, i.k) as KnownInsn);
}
