/**
 * @ea/policy: the EA policy language. A Policy (arch, syscall, struct version, checks on field
 * paths, guard, actions) compiles to an ordinary classic BPF filter for the verifier's `ea`
 * profile, with the tail-zero guard; judge.ts says what the checks mean on the caller's bytes.
 * Running policies over flattened calls and the compatibility matrix live in @ea/workbench.
 *
 * @module @ea/policy
 */
export { Assembler, AssembleError, NEXT, type Target } from './assembler.js';
export { buildFilter, buildChecks, emitGuard, needsOf, retErrno, EPERM, E2BIG, type BuiltFilter, type CheckBlock, type Needs } from './build.js';
export type { Check, CheckSpec, GuardForm, Ordering, Policy, Test } from './policy.js';
export {
  layoutPlacement, type FixedWindowPlacement, type JumpTablePlacement, type Placement, type Strategy, type WindowSpot,
} from './placement.js';
export { truncate, version, type Version } from './versions.js';
export { chainOf, pathFields, resolvePath, PathError, type PathField, type ResolvedPath } from './path.js';
export * from './flags.js';
export { readField, writeField, words64, holds, checksHold, effectiveSize } from './judge.js';
