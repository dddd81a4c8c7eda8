/**
 * Binds the Engine interface to the workspace's packages: @ea/verifier (`ea` profile),
 * @ea/interpreter, @ea/jit and @ea/layout's flattener.
 */
import type { Insn } from '@ea/bpf';
import { interpret } from '@ea/interpreter';
import { type VerifiedProgram, verify } from '@ea/verifier';
import type { Engine } from './engine.js';
import { flatImage, layoutPlacement } from './flatten.js';
import { jitRunner } from './jit.js';

/** Returns the engine backed by the real verifier, interpreter, JIT and flattener. */
export function defaultEngine(): Engine {
  return {
    placement: layoutPlacement,
    image: flatImage,
    verify: (insns: readonly Insn[]) => verify(insns, { profile: 'ea' }),
    interpret: (v: unknown, image: DataView) => interpret(v as VerifiedProgram, image),
    jit: jitRunner(),
  };
}
