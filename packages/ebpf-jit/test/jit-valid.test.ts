/**
 * The JIT (@ea/ebpf-jit) against the interpreter on kernel-valid random programs
 * (@ea/testkit's ebpf-programs.ts). With jit-wild.test.ts, at least 10^6 program x input cases per run;
 * EA_FUZZ=1 runs ten times as many. Half the programs run the JIT compiled with a budget, half the
 * JIT compiled without one (what most users run): these programs jump only forward and their one
 * callee has no jumps, so every run ends (well under the budget of 100), and the unbudgeted build
 * runs on every input.
 */
import { describe, expect, it } from 'vitest';
import { differential, SCALE as scale, TIMEOUT } from './support/differential.js';
import { generateProgram } from '@ea/testkit';

describe('JIT vs interpreter: kernel-valid programs', () => {
  it('agree on 375,000 program x input cases, half of them compiled without a budget (a quarter of the inputs run twice)', () => {
    const n = differential((next) => generateProgram(next, 8 + (next() % 33), 6 + (next() % 12)), 0x1ee7, 1000 * scale, 300, 'every');
    expect(n).toEqual({ budgeted: 187_500 * scale, unbudgeted: 187_500 * scale });
  }, TIMEOUT);
});
