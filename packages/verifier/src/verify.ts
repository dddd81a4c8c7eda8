/**
 * verify(): the kernel's load-time checks in the kernel's order, first failure wins:
 * bpf_check_basics_ok and bpf_check_classic (with check_load_and_stores), then
 * seccomp_check_filter (or our ea pass), then for sockets the conversion and memory limits;
 * the libpcap profile runs libpcap's bpf_validate rules instead (libpcap.ts).
 */
import { EA_IMAGE_MAX, isNegativeOffset, loadWidth, SECCOMP_DATA_SIZE, type KnownInsn, type SockFilter } from '@ea/bpf';
import { checkClassic, checkLength } from './classic.js';
import { checkConvertedJumps, convert } from './convert.js';
import { type Failure, VerifyError, VerifyUsageError } from './errors.js';
import { type Fields, readFields } from './fields.js';
import { BPF_PROG_HEADER, fitsOptmem, systemOptmemMax } from './limits.js';
import { brandVerified, type Profile, type VerifiedProgram } from './program.js';
import { checkLibpcap, hasBackwardJump, libpcapReachable } from './libpcap.js';
import { makeInsn } from './make.js';
import { reachableOf } from './reach.js';
import { checkEa, checkSeccomp } from './seccomp.js';
import { CLASSIC_CHECK, EA_CHECK } from './tables.js';

/** Options of verify() and check(). */
export interface VerifyOptions {
  readonly profile: Profile;
  /** ea profile: one past the last image byte a word load may read (default and maximum EA_IMAGE_MAX). */
  readonly eaBound?: number;
  /** socket profile: net.core.optmem_max (default: read from /proc, else 131072). */
  readonly optmemMax?: number;
  /** socket profile: offsetof(struct bpf_prog, insns) on the target kernel (default BPF_PROG_HEADER). */
  readonly progHeader?: number;
  /** socket profile: skip the conversion limits (jump distance, memory charge), e.g. for other kernels. */
  readonly skipSocketLimits?: boolean;
}

/** The outcome of check(): a verified program, or the error verify() would throw. */
export type CheckResult =
  | { readonly ok: true; readonly program: VerifiedProgram }
  | { readonly ok: false; readonly error: VerifyError };

const PROFILES: ReadonlySet<string> = new Set(['socket', 'seccomp', 'ea', 'libpcap']);

function validateOptions(options: VerifyOptions): number {
  if (typeof options !== 'object' || options === null || !PROFILES.has(options.profile)) {
    throw new VerifyUsageError('profile', `must be 'socket', 'seccomp', 'ea' or 'libpcap'`);
  }
  const bound = options.eaBound ?? EA_IMAGE_MAX;
  if (!Number.isInteger(bound) || bound < SECCOMP_DATA_SIZE || bound > EA_IMAGE_MAX) {
    throw new VerifyUsageError('eaBound', `must be an integer in [${SECCOMP_DATA_SIZE}, ${EA_IMAGE_MAX}], got ${String(bound)}`);
  }
  return bound;
}

/** Verifies a program exactly as Linux would load it; throws VerifyError with the kernel's reason. */
export function verify(insns: readonly SockFilter[], options: VerifyOptions): VerifiedProgram {
  const result = check(insns, options);
  if (!result.ok) throw result.error;
  return result.program;
}

/** Verifies like verify() but returns the failure instead of throwing it. */
export function check(insns: readonly SockFilter[], options: VerifyOptions): CheckResult {
  const eaBound = validateOptions(options);
  if (!Array.isArray(insns)) throw new VerifyUsageError('insns', 'must be an array of instructions');
  const profile = options.profile;
  const length = checkLength(insns.length);
  if (length !== null) return fail(length, insns);
  const fields = readFields(insns);
  if (!('n' in fields)) return fail(fields, insns);
  if (profile === 'libpcap') {
    const failure = checkLibpcap(fields);
    return failure === null ? { ok: true, program: build(fields, profile, fields.n) } : fail(failure, insns);
  }
  const outcome = runChecks(fields, options, eaBound);
  if (typeof outcome !== 'number') return fail(outcome, insns);
  return { ok: true, program: build(fields, profile, outcome) };
}

/** Runs every check in the kernel's order; on success returns the converted length. */
function runChecks(f: Fields, options: VerifyOptions, eaBound: number): Failure | number {
  const profile = options.profile;
  const classic = checkClassic(f, profile === 'ea' ? EA_CHECK : CLASSIC_CHECK);
  if (classic !== null) return classic;
  const pass = profile === 'seccomp' ? checkSeccomp(f) : profile === 'ea' ? checkEa(f, eaBound) : null;
  if (pass !== null) return pass;
  const conv = convert(f, profile);
  if (profile !== 'socket' || options.skipSocketLimits === true) return conv.length;
  const jumps = checkConvertedJumps(f, conv);
  if (jumps !== null) return jumps;
  const optmem = options.optmemMax ?? systemOptmemMax();
  const header = options.progHeader ?? BPF_PROG_HEADER;
  if (!fitsOptmem(conv.length, optmem, header)) {
    return { reason: 'OPTMEM_EXCEEDED', pc: null, detail: `${conv.length} eBPF instructions, optmem_max ${optmem}` };
  }
  return conv.length;
}

function fail(failure: Failure, insns: readonly SockFilter[]): CheckResult {
  const at = failure.pc === null ? undefined : insns[failure.pc];
  const raw = at !== undefined && typeof at === 'object' && at !== null && failure.reason !== 'BAD_FIELD' ? at : null;
  return { ok: false, error: new VerifyError(failure, raw) };
}

function build(f: Fields, profile: Profile, convertedLength: number): VerifiedProgram {
  const { n, code, jt, jf, k } = f;
  const out: KnownInsn[] = new Array(n);
  let maxLoadEnd = 0;
  let hasIndexedLoads = false;
  for (let pc = 0; pc < n; pc++) {
    // A fresh frozen copy, so later changes to the caller's objects cannot reach the engines.
    const i = Object.freeze(makeInsn(code[pc] as number, jt[pc] as number, jf[pc] as number, k[pc] as number));
    out[pc] = i;
    // Ancillary and negative (SKF_NET_OFF, SKF_LL_OFF) offsets are not image bytes.
    if ((i.kind === 'ld_abs' || i.kind === 'ldx_msh') && !isNegativeOffset(i.k)) maxLoadEnd = Math.max(maxLoadEnd, i.k + loadWidth(i));
    else if (i.kind === 'ld_ind') hasIndexedLoads = true;
  }
  const libpcap = profile === 'libpcap';
  const reachable = libpcap ? libpcapReachable(f) : reachableOf(f);
  return brandVerified({
    profile,
    insns: Object.freeze(out),
    reachable: Object.freeze(reachable),
    maxLoadEnd,
    hasIndexedLoads,
    convertedLength,
    backwardJumps: libpcap && hasBackwardJump(f),
  });
}
