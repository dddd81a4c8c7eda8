/**
 * The JIT-vs-interpreter differential: both engines run each program on each input and must
 * return the same r0 or fail with the same reason at the same pc, and leave the same bytes in the
 * input memory. Every program must compile to code (no fallback to the interpreter), twice: with
 * a budget and without one. The two builds differ (without a budget no instruction counts its
 * step, so an instruction may emit nothing at all), and most users run the unbudgeted one.
 */
import { type CheckedProgram, check, conformanceHelpers, decodeBytes, EbpfLoadError, EbpfRunError, encode, type Insn, interpret } from '@ea/ebpf';
import { compile } from '@ea/ebpf-jit';
import { expect } from 'vitest';
import { randomInputs, rng } from '@ea/testkit';

const BUDGET = 100;

/** Scales the case counts: 1 in `pnpm test`, 10 under EA_FUZZ=1. */
export const SCALE = process.env.EA_FUZZ === '1' ? 10 : 1;

/**
 * Gives a differential test its timeout: vitest's default (120 s, vitest.config.ts) in `pnpm test`,
 * and that default times SCALE under EA_FUZZ=1, since the run time grows with the case count (ten
 * times the cases overran 120 s on this project's 2-core machine). Never an assertion on time: a
 * limit past which a run counts as hung.
 */
export const TIMEOUT = SCALE === 1 ? undefined : 120_000 * SCALE;

/**
 * Where the unbudgeted build may run. `every`: the generator guarantees termination
 * (kernel-valid programs jump only forward and call a callee that does), so it runs on every
 * input, and an interpreter run that hits the budget fails the test: the guarantee broke.
 * `finished`: a program may loop, so it runs only where the interpreter finished within the
 * budget (a run past the budget might never end); on an input where one did not, its memory no
 * longer follows the interpreter's, so that input's later round is skipped too.
 */
export type Unbudgeted = 'every' | 'finished';

/** Counts the program x input cases compared, per build. */
export interface Compared {
  /** Runs of the build compiled with a budget of 100. */
  readonly budgeted: number;
  /** Runs of the build compiled without a budget. */
  readonly unbudgeted: number;
}

function outcome(run: () => bigint): string {
  try {
    return `0x${run().toString(16)}`;
  } catch (error) {
    if (error instanceof EbpfRunError) return `${error.reason}@${error.pc}`;
    throw error;
  }
}

/**
 * Runs `programs` through the interpreter and the JIT on `inputs` each; returns the number of
 * cases compared per build. Even programs are compiled with a budget, odd ones without: one
 * compile per program keeps the run time of a single build (compiling is a third of it), and both
 * builds see half the programs.
 */
export function differential(
  make: (next: () => number) => { insns: Insn[]; memLength: number },
  seed: number,
  programs: number,
  inputs: number,
  unbudgeted: Unbudgeted,
): Compared {
  const next = rng(seed);
  const helpers = conformanceHelpers();
  // Most wild cases end in a typed error; capturing a stack trace for each costs more than the run.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return compare(make, next, helpers, seed, programs, inputs, unbudgeted);
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
  mode: Unbudgeted,
): Compared {
  const count = { budgeted: 0, unbudgeted: 0 };
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
    const budget = p % 2 === 0 ? BUDGET : undefined;
    const build = budget === undefined ? 'unbudgeted' : 'budgeted';
    const compiled = compile(program, { helpers, ...(budget !== undefined && { budget }) });
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
        if (budget === undefined && want.startsWith('budget@')) {
          if (mode === 'every') throw new Error(`program ${p} (seed ${seed}) ran past the budget of ${BUDGET}: the generator promised termination`);
          break;
        }
        const got = outcome(() => compiled.run(b));
        if (got !== want || Buffer.compare(a, b) !== 0) {
          throw new Error(`program ${p} (seed ${seed}, ${build}) round ${round}: jit ${got}, interpreter ${want}; memory ${Buffer.from(mem).toString('hex')}\n${compiled.source}`);
        }
        count[build]++;
      }
      i++;
    }
  }
  expect(accelerated).toBeGreaterThan(programs / 2);
  return count;
}
