/**
 * @ea/explain: read a seccomp filter back. explain() gives the exact decision for every arch
 * and syscall number (one action, or an ordered decision list over the arguments); diff() tells
 * whether two filters are equivalent or gives a counterexample each has been run on; audit()
 * lists the usual mistakes, naming the instructions involved.
 *
 * @module @ea/explain
 */
export { ExplainError, type ExplainErrorCode } from './errors.js';
export { type Exploration, type ExploreLimits, explore, type Leaf, type Trail, trailJumps, WORDS } from './explore.js';
export {
  type ArchExplanation,
  activeAt,
  explain,
  explainExploration,
  type Explanation,
  type ExplainOptions,
  knownAuditArches,
  lets,
  type NrRange,
  type OtherArches,
  rangeOf,
  type SyscallDecision,
  syscallDecisions,
} from './explain.js';
export { type Case, decide, fieldValue, holds, type Predicate, type PredicateOp } from './predicate.js';
export { type DiffOptions, type DiffResult, type Difference, diff, diffExplorations, sameEffect } from './diff.js';
export { type AuditOptions, audit, auditExplanation, type Finding, type FindingKind, type Severity } from './audit.js';
export { archLabel, namedPieces, type NamedPiece, nameOf, syscallNumbersIn } from './names.js';
