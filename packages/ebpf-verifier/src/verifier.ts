/**
 * The public door: verify a decoded program (or its bytes) for a program type with its maps,
 * either throwing the first refusal (`verifyEbpf`) or returning a verdict (`checkEbpf`) for
 * callers that report rather than stop, such as the CLI and the kernel-agreement test.
 */
import { type DecodedProgram, decodeBytes } from '@ea/ebpf';
import { EbpfVerifierError } from './errors.js';
import type { VerifyOptions } from './machine.js';
import { type VerifyStats, walk } from './verify.js';

export type { VerifyStats } from './verify.js';

/** Is the outcome of a verification. */
export type EbpfVerdict =
  | { readonly accepted: true; readonly stats: VerifyStats }
  | { readonly accepted: false; readonly error: EbpfVerifierError };

/** Verifies a decoded program; throws EbpfVerifierError (reason, pc, kernel-style log line) when refused. */
export function verifyEbpf(program: DecodedProgram, options: VerifyOptions = {}): VerifyStats {
  if (program === null || typeof program !== 'object' || !Array.isArray(program.insns)) {
    throw new EbpfVerifierError('unsupported', -1, 'verifyEbpf takes a decoded program (decodeBytes)');
  }
  if (program.insns.length === 0) throw new EbpfVerifierError('last_insn', -1, 'empty program');
  return walk(program, options);
}

/** Verifies and returns the verdict instead of throwing a refusal (malformed bytes still throw EbpfLoadError). */
export function checkEbpf(program: DecodedProgram | Uint8Array, options: VerifyOptions = {}): EbpfVerdict {
  const decoded = program instanceof Uint8Array ? decodeBytes(program) : program;
  try {
    return { accepted: true, stats: verifyEbpf(decoded, options) };
  } catch (error) {
    if (error instanceof EbpfVerifierError) return { accepted: false, error };
    throw error;
  }
}
