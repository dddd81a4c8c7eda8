/**
 * The JIT-vs-interpreter differential: both engines run each program on each input and must
 * return the same r0 or fail with the same reason at the same pc, and leave the same bytes in the
 * input memory. Every program must compile to code (no fallback to the interpreter).
 */
import { type CheckedProgram, check, conformanceHelpers, decodeBytes, EbpfLoadError, EbpfRunError, encode, type Insn, interpret } from '@ea/ebpf';
import { compile } from '@ea/ebpf-jit';
import { expect } from 'vitest';
import { randomInputs, rng } from '@ea/testkit';

const BUDGET = 100;

function outcome(run: () => bigint): string {
  try {
    return `0x${run().toString(16)}`;
  } catch (error) {
    if (error instanceof EbpfRunError) return `${error.reason}@${error.pc}`;
    throw error;
  }
}

/** Runs `programs` through both engines on `inputs` each; returns the number of cases compared. */
export function differential(make: (next: () => number) => { insns: Insn[]; memLength: number }, seed: number, programs: number, inputs: number): number {
  const next = rng(seed);
  const helpers = conformanceHelpers();
  // Most wild cases end in a typed error; capturing a stack trace for each costs more than the run.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return compare(make, next, helpers, seed, programs, inputs);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function compare(
  make: (next: () => number) => { insns: Insn[]; memLength: number },
  next: () => number,
  helpers: ReturnType<typeof conformanceHelpers>,
  seed: number,
  programs: number,
  inputs: number,
): number {
  let compared = 0;
  let accelerated = 0;
  for (let p = 0; p < programs; p++) {
    const { insns, memLength } = make(next);
    let program: CheckedProgram;
    try {
      program = check(decodeBytes(encode(insns)));
    } catch (error) {
      if (error instanceof EbpfLoadError) continue; // a wild program the checks refuse
      throw error;
    }
    const compiled = compile(program, { helpers, budget: BUDGET });
    if (!compiled.accelerated) throw new Error(`program ${p} (seed ${seed}) was not compiled: ${compiled.reason}`);
    accelerated++;
    let i = 0;
    for (const mem of randomInputs(next, memLength, inputs)) {
      const a = mem.slice();
      const b = mem.slice();
      // Every fourth input runs twice on the same object: the second run takes the entry's reuse
      // path (same input, same length) and must see the bytes the first left behind.
      for (let round = 0; round < (i % 4 === 0 ? 2 : 1); round++) {
        const want = outcome(() => interpret(program, a, { helpers, budget: BUDGET }));
        const got = outcome(() => compiled.run(b));
        if (got !== want || Buffer.compare(a, b) !== 0) {
          throw new Error(`program ${p} (seed ${seed}) round ${round}: jit ${got}, interpreter ${want}; memory ${Buffer.from(mem).toString('hex')}\n${compiled.source}`);
        }
        compared++;
      }
      i++;
    }
  }
  expect(accelerated).toBeGreaterThan(programs / 2);
  return compared;
}

