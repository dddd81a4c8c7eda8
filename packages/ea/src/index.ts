/** @ea/policy: EA seccomp policies, the tail-zero guard and the fail-safe compatibility matrix. */
export { Assembler, AssembleError, NEXT, type Target } from './asm.js';
export { buildFilter, emitGuard, needsOf, chainOf, retErrno, EPERM, E2BIG, type BuiltFilter, type Needs } from './build.js';
export type { Check, GuardForm, Policy, Test } from './policy.js';
export type { FixedWindowPlacement, JumpTablePlacement, Placement, Strategy, WindowSpot } from './placement.js';
export { shapeOf, truncate, version, type Version } from './catalog.js';
export { layoutPlacement, flatImage } from './flatten.js';
export { jitCompile, jitRunner } from './jit.js';
export { resolvePath, u32Array, PathError, type FieldShape, type StructShape, type ResolvedPath } from './shapes.js';
export * from './structs.js';
export { readField, writeField, words64, holds, checksHold, effectiveSize } from './fields.js';
export type { EaCall, Engine, FlatImage } from './engine.js';
export { compatMatrix, actionName, programBytes, STRUCT_ADDRESS, type Cell, type Matrix, type MatrixOptions, type Age } from './matrix.js';
export { CLONE3, OPENAT2, SCENARIOS, EXT_UNSAFE, type Scenario, type Program } from './scenarios.js';
export { formatMatrix } from './table.js';
export { defaultEngine } from './wire.js';
export { runDemo, type DemoCase, type DemoResult, type DemoSpec, type DemoVerdict } from './demo.js';
