/**
 * @ea/verifier: classic BPF verified exactly as Linux verifies it, with diagnostics and analysis.
 *
 * @module @ea/verifier
 */
export { runsOnPackets, type Profile, type VerifiedProgram } from './program.js';
export { libpcapJaTarget } from './libpcap.js';
export { verify, check, type VerifyOptions, type CheckResult } from './verify.js';
export { VerifyError, VerifyUsageError, REASONS, ERRNO, type ReasonCode, type ErrnoName, type Failure } from './errors.js';
export {
  DEFAULT_OPTMEM_MAX,
  BPF_PROG_HEADER,
  MAX_INSNS_PER_PATH,
  PATH_PENALTY,
  systemOptmemMax,
  bpfProgSize,
} from './limits.js';
export { convertedCost, ldAbsCost } from './convert.js';
export { seccompPathLength, checkSeccompChain, type ChainResult } from './chain.js';
export { constantAllowed, isConstAllow, X86_64_HARDWIRED_ALLOW, type CacheOptions } from './cache.js';
export { analyze, seccompFieldAt, type Analysis } from './analyze.js';
export { formatDiagnostic } from './diagnostic.js';
