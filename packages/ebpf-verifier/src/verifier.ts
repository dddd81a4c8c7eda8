/**
 * The public door: verify a decoded program (or its bytes) for a program type with its maps,
 * either throwing the first refusal (`verifyEbpf`) or returning a verdict (`checkEbpf`) for
 * callers that report rather than stop, such as the CLI and the kernel-agreement test.
 */
import { type DecodedProgram, decodeBytes } from '@ea/ebpf';
import { EbpfVerifierError, EbpfVerifierUsageError } from './errors.js';
import type { VerifyOptions } from './machine.js';
import { PROG_TYPES } from './protos.js';
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
  checkOptions(options);
  return walk(program, options);
}

/** Throws EbpfVerifierUsageError for options the verifier would otherwise read as defaults or guess at. */
function checkOptions(options: VerifyOptions): void {
  const bad = (field: string, detail: string): never => {
    throw new EbpfVerifierUsageError(`options.${field}`, detail);
  };
  if (options === null || typeof options !== 'object') throw new EbpfVerifierUsageError('options', 'must be an object');
  const o = options as Record<string, unknown>;
  if (o['progType'] !== undefined && !(PROG_TYPES as readonly unknown[]).includes(o['progType'])) {
    bad('progType', `unknown program type (known: ${PROG_TYPES.join(', ')})`);
  }
  if (o['maps'] !== undefined && !Array.isArray(o['maps'])) bad('maps', 'must be an array of map shapes');
  if (o['memSize'] !== undefined && !(Number.isSafeInteger(o['memSize']) && (o['memSize'] as number) >= 0)) bad('memSize', 'must be a non-negative integer');
  if (o['privileged'] !== undefined && typeof o['privileged'] !== 'boolean') bad('privileged', 'must be true or false');
  if (o['license'] !== undefined && typeof o['license'] !== 'string') bad('license', 'must be a string');
  if (o['budget'] !== undefined && !(Number.isSafeInteger(o['budget']) && (o['budget'] as number) > 0)) bad('budget', 'must be a positive integer');
  if (o['helpers'] !== undefined && !(o['helpers'] instanceof Map)) bad('helpers', 'must be a Map of helper prototypes by id');
}

/** Verifies and returns the verdict instead of throwing a refusal (malformed bytes still throw EbpfLoadError, bad options EbpfVerifierUsageError). */
export function checkEbpf(program: DecodedProgram | Uint8Array, options: VerifyOptions = {}): EbpfVerdict {
  const decoded = program instanceof Uint8Array ? decodeBytes(program) : program;
  try {
    return { accepted: true, stats: verifyEbpf(decoded, options) };
  } catch (error) {
    if (error instanceof EbpfVerifierError) return { accepted: false, error };
    throw error;
  }
}
