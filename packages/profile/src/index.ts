/**
 * @ea/profile: seccomp profiles as people write them (OCI runtime-spec `linux.seccomp`, Docker's
 * and Podman's JSON) read, resolved for a machine and compiled to verified classic BPF.
 *
 * @module @ea/profile
 */
export { ProfileError, type ProfileErrorCode, type ProfileWarning, type ProfileWarningCode } from './errors.js';
export { parseJson, MAX_JSON_DEPTH, type JsonNode, type JsonPosition } from './json.js';
export type * from './model.js';
export {
  ACTION_NAMES, ACTION_BASE, OPERATORS, SCMP_ARCHES, CAPABILITIES, DOCKER_DEFAULT_CAPS, ERRNO_NAMES, FILTER_FLAGS,
  scmpArchOf, type ActionName, type Operator, type ScmpArch,
} from './vocab.js';
export { readProfile, readProfileJson, parseKernelVersion } from './read.js';
export { resolveProfile, actionRet, type ResolveOptions, type ResolvedProfile, type ResolvedRule } from './resolve.js';
export { holds, type Cond } from './conditions.js';
export { SOCKETCALL_CALLS, IPC_CALLS, MULTIPLEXING_ARCHES, multiplexOf } from './multiplex.js';
export { planArch, type ArchPlan, type Branch, type SyscallPlan } from './plan.js';
export { compileProfile, compileResolved, type CompileOptions, type CompiledProfile } from './compile.js';
export { planEa, type EaPlan, type EaRule, type EaTarget } from './ea.js';
export { EA_TAIL_RET } from './branches.js';
export { ENOSYS_RET, planEnosys, enosysAnswers, enosysRanges, type EnosysRule } from './enosys.js';
