/**
 * What the workbench needs from the rest of the system, in one interface: where the
 * flattener puts things, the image it builds for a call, and the two engines that run a
 * verified filter over it. `defaultEngine()` (wire.ts) binds it to @ea/layout, @ea/verifier,
 * @ea/interpreter and @ea/jit.
 */
import type { Insn } from '@ea/bpf';
import type { AddressSpace, EaSyscall, Registers } from '@ea/layout';
import type { VerifiedProgram } from '@ea/verifier';
import type { Needs, Placement, Strategy } from '@ea/policy';

/** One EA syscall as the program issues it: registers and the caller's memory. */
export interface EaCall {
  readonly regs: Registers;
  readonly memory: AddressSpace;
}

/** Holds a flattened EA image and summary lines that describe it. */
export interface FlatImage {
  readonly view: DataView;
  /** Human summary lines (regions, table slots, windows) for the examples. */
  readonly summary: readonly string[];
}

/** Places, flattens, verifies and runs EA filters: the engine behind the matrix and the demos. */
export interface Engine {
  /** Where `strategy` places things for a filter with these needs, on a kernel that knows `sys`. */
  placement(sys: EaSyscall, strategy: Strategy, needs: Needs): Placement;
  /** The image a kernel that knows `sys` (its struct version, ksize) builds for the call. */
  image(call: EaCall, sys: EaSyscall, strategy: Strategy, needs: Needs): FlatImage;
  /** Verifies with the `ea` profile; throws with the verifier's message if rejected. */
  verify(insns: readonly Insn[]): VerifiedProgram;
  /** Runs a verified filter with the interpreter. */
  interpret(verified: VerifiedProgram, image: DataView): number;
  /** Runs a verified filter with the JIT (null when no JIT is available). */
  jit: ((verified: VerifiedProgram, image: DataView) => number) | null;
}
