/**
 * Helper functions a program calls by id (`call N`, `callx rN`): a registry the caller fills.
 * A helper receives r1-r5 as unsigned 64-bit values and the run's memory (for pointer arguments,
 * bounds-checked like any access), and returns the new r0, or `{ exit }` to end the program at once
 * with that r0 (uBPF's "unwind" helper does this).
 */
import type { Memory } from './memory.js';

/** Is what a helper returns: the new r0, or an immediate exit with r0 = `exit`. */
export type HelperResult = bigint | { readonly exit: bigint };

/** Is one helper: r1-r5 in, r0 out. */
export type Helper = (args: readonly [bigint, bigint, bigint, bigint, bigint], memory: Memory, pc: number) => HelperResult;

/** Maps helper ids to helpers. */
export type HelperRegistry = ReadonlyMap<number, Helper>;

/**
 * Returns the helpers bpf_conformance expects of a uBPF-style runtime: id 5 is uBPF's test
 * "unwind" helper, which returns r1 and ends the program (r0 = 0) when r1 is 0.
 */
export function conformanceHelpers(): Map<number, Helper> {
  return new Map<number, Helper>([[5, ([r1]) => (r1 === 0n ? { exit: 0n } : r1)]]);
}
