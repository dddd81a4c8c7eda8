/**
 * The JIT (@ea/ebpf-jit) against the interpreter on wild programs (@ea/testkit's ebpf-wild.ts: pointers off
 * their regions, loops ended by the budget, recursion past the depth limit, helpers known and
 * unknown), errors included. With jit-valid.test.ts, at least 10^6 program x input cases per
 * run; EA_FUZZ=1 runs ten times as many.
 */
import { describe, expect, it } from 'vitest';
import { differential } from './support/differential.js';
import { wildProgram } from '@ea/testkit';

const scale = process.env.EA_FUZZ === '1' ? 10 : 1;

describe('JIT vs interpreter: wild programs', () => {
  it('agree on at least 700,000 program x input cases, errors included', () => {
    const n = differential((next) => ({ insns: wildProgram(next, 4 + (next() % 18)), memLength: next() % 72 }), 0xbad, 2800 * scale, 260);
    expect(n).toBeGreaterThanOrEqual(700_000 * scale);
  });
});
