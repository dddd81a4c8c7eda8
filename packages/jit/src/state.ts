/**
 * The constant-propagation state of the analysis (flow.ts), shared by the passes that read it
 * (regions.ts, emit.ts): one slot per register, holding its value when every path to a point
 * agrees on it, or UNKNOWN.
 */

/** A constant-propagation state: slot SLOT_A is A, SLOT_X is X, SLOT_M + i is M[i]. */
export type State = readonly number[];
/** The State slot of A. */
export const SLOT_A = 0;
/** The State slot of X. */
export const SLOT_X = 1;
/** The State slot of M[0] (M[i] is SLOT_M + i). */
export const SLOT_M = 2;
/** How many slots a State has: A, X and the 16 scratch cells. */
export const SLOTS = 18;
/** The value of a slot that is not the same constant on every path (u32 constants are >= 0). */
export const UNKNOWN = -1;

/** Returns whether a slot value is a known constant. */
export function isKnown(value: number | undefined): value is number {
  return value !== undefined && value !== UNKNOWN;
}
