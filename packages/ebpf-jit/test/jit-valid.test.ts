/**
 * The JIT (@ea/ebpf-jit) against the interpreter on kernel-valid random programs
 * (@ea/testkit's ebpf-programs.ts). With jit-wild.test.ts, at least 10^6 program x input cases per run;
 * EA_FUZZ=1 runs ten times as many.
 */
import { describe, expect, it } from 'vitest';
import { differential } from './support/differential.js';
import { generateProgram } from '@ea/testkit';

const scale = process.env.EA_FUZZ === '1' ? 10 : 1;

describe('JIT vs interpreter: kernel-valid programs', () => {
  it('agree on 375,000 program x input cases (a quarter of the inputs run twice)', () => {
    const n = differential((next) => generateProgram(next, 8 + (next() % 33), 6 + (next() % 12)), 0x1ee7, 1000 * scale, 300);
    expect(n).toBe(375_000 * scale);
  });
});
