/**
 * Adapter to @ea/layout's flattener (pending: layout has not published flatten yet).
 */
import type { EaCall, FlatImage } from './engine.js';
import type { Placement, Strategy } from './placement.js';
import type { StructShape } from './shapes.js';

export function layoutPlacement(_struct: StructShape, _strategy: Strategy): Placement {
  throw new Error('@ea/layout flatten is not available yet');
}

export function flatImage(_call: EaCall, _kernel: StructShape, _strategy: Strategy): FlatImage {
  throw new Error('@ea/layout flatten is not available yet');
}
