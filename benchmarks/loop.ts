/**
 * Timing loops with their own call sites. V8 keeps type feedback per call site, and closures
 * made from one function literal (or `new Function` of the same text) share it: a loop shared
 * by every engine and program calls a different function each time and becomes megamorphic,
 * so it measures V8's megamorphic call, not the filter. The C harnesses call each filter
 * through its own function pointer, an indirect call the branch predictor always gets right;
 * the JavaScript equivalent is a loop compiled from its own text, which is what this makes.
 */
let serial = 0;

/** Compiles `body` with `params` into a function of its own (the text differs by a serial number). */
export function ownLoop<F>(params: readonly string[], body: string): F {
  serial += 1;
  return new Function(...params, `// timing loop ${serial}\n${body}`) as F;
}
