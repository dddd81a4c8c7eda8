/**
 * The JIT side of the engine: compiles each verified filter once (cached per program) and
 * refuses to stand in silently for the interpreter: a comparison of the interpreter with
 * itself would prove nothing.
 */
import type { Endian } from '@ea/bpf';
import { type Compiled, compile } from '@ea/jit';
import type { VerifiedProgram } from '@ea/verifier';
import { filterImage } from './image.js';

const caches = { le: new WeakMap<object, Compiled>(), be: new WeakMap<object, Compiled>() };

/** Returns the JIT-compiled form of a verified program for a byte order (compiled once). */
export function jitCompile(verified: VerifiedProgram, order: Endian = 'le'): Compiled {
  const cache = caches[order];
  let c = cache.get(verified);
  if (c === undefined) {
    c = compile(verified, { endian: order });
    if (!c.accelerated) throw new Error(`the JIT did not generate code: ${c.reason ?? 'no reason given'}`);
    cache.set(verified, c);
  }
  return c;
}

/** Returns a runner that executes a verified program through the JIT (over the image the kernel would hand it). */
export function jitRunner(order: Endian = 'le'): (verified: VerifiedProgram, image: DataView) => number {
  return (verified, image) => jitCompile(verified, order).run(filterImage(image, verified));
}
