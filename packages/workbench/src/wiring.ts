/**
 * Binds the Engine interface to the workspace's packages: @ea/verifier (`ea` profile),
 * @ea/interpreter, @ea/jit and @ea/layout's flattener, all in one byte order (the arch's:
 * seccomp_data and the image are native-endian).
 */
import type { Endian, Insn } from '@ea/bpf';
import { interpret } from '@ea/interpreter';
import { type VerifiedProgram, verify } from '@ea/verifier';
import { layoutPlacement } from '@ea/policy';
import type { Engine } from './engine.js';
import { filterImage, flatImage } from './image.js';
import { jitRunner } from './jit.js';

/** Returns the engine backed by the real verifier, interpreter, JIT and flattener. */
export function defaultEngine(order: Endian = 'le'): Engine {
  return {
    placement: layoutPlacement,
    image: (call, sys, strategy, needs) => flatImage(call, sys, strategy, needs, order),
    verify: (insns: readonly Insn[]) => verify(insns, { profile: 'ea' }),
    interpret: (v: VerifiedProgram, image: DataView) => interpret(v, filterImage(image, v), { endian: order }),
    jit: jitRunner(order),
  };
}
