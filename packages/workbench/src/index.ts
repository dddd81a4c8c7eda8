/**
 * @ea/workbench: the EA workbench. Engine wiring (an Engine binds @ea/layout's flattener,
 * @ea/verifier's `ea` profile, @ea/interpreter and @ea/jit), demos that run an @ea/policy
 * policy over flattened calls with both engines, and the fail-safe compatibility matrix
 * ({old, new} filter x {old, new} kernel x program) with its table.
 *
 * @module @ea/workbench
 */
export type { EaCall, Engine, FlatImage } from './engine.js';
export { defaultEngine } from './wiring.js';
export { jitCompile, jitRunner } from './jit.js';
export { filterImage, flatImage } from './image.js';
export { compatMatrix, actionName, programBytes, STRUCT_ADDRESS, type Cell, type Matrix, type MatrixOptions, type Age } from './matrix.js';
export { CLONE3, OPENAT2, SCENARIOS, EXT_UNSAFE, type Scenario, type Program } from './scenarios.js';
export { formatMatrix } from './table.js';
export { runDemo, type DemoCase, type DemoResult, type DemoSpec, type DemoVerdict } from './demo.js';
