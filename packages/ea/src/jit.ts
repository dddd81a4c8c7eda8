/**
 * The JIT side of the engine: returns a runner once @ea/jit exports `compile`, null until then.
 */
export function jitRunner(): ((verified: unknown, image: DataView) => number) | null {
  return null;
}
