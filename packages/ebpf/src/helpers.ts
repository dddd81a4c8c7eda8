/**
 * Helper functions a program calls by id (`call N`, `callx rN`): a registry the caller fills.
 * A helper receives r1-r5 as unsigned 64-bit values and the run's memory (for pointer arguments,
 * bounds-checked like any access), and returns the new r0, or `{ exit }` to end the program at once
 * with that r0 (uBPF's "unwind" helper does this).
 */
import type { Memory } from './memory.js';

/** Is what a helper returns: the new r0, or an immediate exit with r0 = `exit`. */
export type HelperResult = bigint | { readonly exit: bigint };

/** Receives the high half of r0 (`hi`) and, set to 1, ends the program (`stop`): a PairHelper's out-parameters. */
export interface PairOut {
  hi: number;
  stop: number;
}

/**
 * Is the same helper over int32 halves, for an engine that keeps registers as pairs (the JIT):
 * `a` holds r1-r5 as [lo, hi] pairs (a[0] = r1's low half, a[1] its high half, ...); it returns
 * r0's low half and leaves the high half in `out.hi`. No BigInt on the way in or out, so a helper
 * called per packet costs what its work costs. It must compute what the BigInt form computes:
 * the interpreter calls the BigInt form and the JIT this one, so the engines' differential tests
 * compare the two.
 */
export type PairHelper = (a: readonly number[], memory: Memory, pc: number, out: PairOut) => number;

/** Is one helper: r1-r5 in, r0 out; optionally with its int32-pair form in `pairs`. */
export type Helper = ((args: readonly [bigint, bigint, bigint, bigint, bigint], memory: Memory, pc: number) => HelperResult) & {
  readonly pairs?: PairHelper;
};

/** Returns a helper with both forms (the BigInt one for the interpreter, the pair one for the JIT). */
export function withPairs(helper: (args: readonly [bigint, bigint, bigint, bigint, bigint], memory: Memory, pc: number) => HelperResult, pairs: PairHelper): Helper {
  return Object.assign(helper, { pairs });
}

/** Maps helper ids to helpers. */
export type HelperRegistry = ReadonlyMap<number, Helper>;

/**
 * Returns the helpers bpf_conformance expects of a uBPF-style runtime: id 5 is uBPF's test
 * "unwind" helper, which returns r1 and ends the program (r0 = 0) when r1 is 0.
 */
export function conformanceHelpers(): Map<number, Helper> {
  return new Map<number, Helper>([[5, ([r1]) => (r1 === 0n ? { exit: 0n } : r1)]]);
}
