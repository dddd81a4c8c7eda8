/**
 * What the policy package needs from the rest of the system, in one interface: where the
 * flattener puts things, the image it builds for a call, and the two engines that run a
 * verified filter over it. `defaultEngine()` (wire.ts) binds it to @ea/layout, @ea/verifier,
 * @ea/interpreter and @ea/jit.
 */
import type { Insn } from '@ea/bpf';
import type { Arch } from './arch.js';
import type { Placement, Strategy } from './placement.js';
import type { StructShape } from './shapes.js';

/** A user-memory buffer a nested pointer can point to. */
export interface Mapping {
  readonly address: bigint;
  readonly bytes: Uint8Array;
}

/** One EA syscall as the program issues it. */
export interface EaCall {
  readonly arch: Arch;
  readonly nr: number;
  /** Which syscall argument holds the struct pointer and which its size. */
  readonly ptrArg: number;
  readonly sizeArg: number;
  /** The caller's struct bytes; usize = bytes.length. */
  readonly bytes: Uint8Array;
  /** Address the struct pointer argument carries. */
  readonly address: bigint;
  /** Other mapped user memory (nested buffers); unmapped addresses fault. */
  readonly memory: readonly Mapping[];
}

export interface FlatImage {
  readonly view: DataView;
  /** Human summary lines (regions, table words) for the examples. */
  readonly summary: readonly string[];
}

export interface Engine {
  /** Where `strategy` places the struct a filter was written for. */
  placement(struct: StructShape, strategy: Strategy): Placement;
  /** The image a kernel that knows `kernelStruct` builds for the call (flattened with its ksize). */
  image(call: EaCall, kernelStruct: StructShape, strategy: Strategy): FlatImage;
  /** Verifies with the `ea` profile; throws with the verifier's message if rejected. */
  verify(insns: readonly Insn[]): unknown;
  /** Runs a verified filter with the interpreter. */
  interpret(verified: unknown, image: DataView): number;
  /** Runs a verified filter with the JIT (null when no JIT is available). */
  jit: ((verified: unknown, image: DataView) => number) | null;
}
