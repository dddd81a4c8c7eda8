/**
 * The JIT side of the engine: compiles each verified filter once (cached per program) and
 * refuses to stand in silently for the interpreter: a comparison of the interpreter with
 * itself would prove nothing.
 */
import { type Compiled, compile } from '@ea/jit';
import type { VerifiedProgram } from '@ea/verifier';

const cache = new WeakMap<object, Compiled>();

/** Returns the JIT-compiled form of a verified program (compiled once). */
export function jitCompile(verified: VerifiedProgram): Compiled {
  let c = cache.get(verified);
  if (c === undefined) {
    c = compile(verified);
    if (!c.accelerated) throw new Error(`the JIT did not generate code: ${c.reason ?? 'no reason given'}`);
    cache.set(verified, c);
  }
  return c;
}

/** Returns a runner that executes a verified program through the JIT. */
export function jitRunner(): (verified: unknown, image: DataView) => number {
  return (verified, image) => jitCompile(verified as VerifiedProgram).run(image);
}
