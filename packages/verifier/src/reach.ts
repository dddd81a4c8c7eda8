/**
 * The control-flow graph of a classic program. Every jump is forward, so the graph is a DAG in
 * pc order: reachability is one forward pass and the longest path one backward pass.
 */
import { type Fields, SCRATCH_U8 } from './fields.js';
import { Check, CLASSIC_CHECK, EA_CHECK, RET_CODES } from './tables.js';

/** Successors of every instruction, and which instructions pc 0 reaches. */
export interface Reachability {
  readonly reachable: boolean[];
  /** successors[pc]: the pcs control can go to next (empty for RET; one entry when jt == jf). */
  readonly successors: number[][];
}

/** Returns the successors of instruction pc (the program already passed bpf_check_classic). */
export function successorsOf(f: Fields, pc: number): number[] {
  const code = f.code[pc] as number;
  if (RET_CODES.has(code)) return [];
  const check = (CLASSIC_CHECK[code] as number) || (EA_CHECK[code] as number);
  if (check === Check.Ja) return [pc + 1 + (f.k[pc] as number)];
  if (check === Check.Cond) {
    const t = pc + 1 + (f.jt[pc] as number);
    const e = pc + 1 + (f.jf[pc] as number);
    return t === e ? [t] : [t, e];
  }
  return [pc + 1];
}

/** Returns reachable[pc] for a program that passed bpf_check_classic, in one forward pass. */
export function reachableOf(f: Fields): boolean[] {
  const { n, code, jt, jf, k } = f;
  const reach = SCRATCH_U8.subarray(0, n).fill(0);
  if (n > 0) reach[0] = 1;
  const out: boolean[] = new Array(n);
  for (let pc = 0; pc < n; pc++) {
    const live = reach[pc] === 1;
    out[pc] = live;
    if (!live) continue;
    const c = code[pc] as number;
    if (RET_CODES.has(c)) continue;
    const check = (CLASSIC_CHECK[c] as number) || (EA_CHECK[c] as number);
    if (check === Check.Ja) reach[pc + 1 + (k[pc] as number)] = 1;
    else if (check === Check.Cond) {
      reach[pc + 1 + (jt[pc] as number)] = 1;
      reach[pc + 1 + (jf[pc] as number)] = 1;
    } else reach[pc + 1] = 1;
  }
  return out;
}

/** Computes the CFG and the reachable set of a verified program's fields. */
export function reachability(f: Fields): Reachability {
  const n = f.n;
  const reach = SCRATCH_U8.subarray(0, n).fill(0);
  const successors: number[][] = new Array(n);
  if (n > 0) reach[0] = 1;
  for (let pc = 0; pc < n; pc++) {
    const succ = successorsOf(f, pc);
    successors[pc] = succ;
    if (reach[pc] === 1) for (const s of succ) reach[s] = 1;
  }
  const reachable: boolean[] = new Array(n);
  for (let pc = 0; pc < n; pc++) reachable[pc] = reach[pc] === 1;
  return { reachable, successors };
}

/**
 * Returns, for every pc, the number of instructions executed on the longest path from pc to a
 * RET (inclusive). longest[0] is the program's worst-case instruction count.
 */
export function longestPaths(successors: readonly (readonly number[])[]): Uint32Array {
  const n = successors.length;
  const longest = new Uint32Array(n);
  for (let pc = n - 1; pc >= 0; pc--) {
    let best = 0;
    for (const s of successors[pc] as readonly number[]) {
      const v = longest[s] as number;
      if (v > best) best = v;
    }
    longest[pc] = best + 1;
  }
  return longest;
}
