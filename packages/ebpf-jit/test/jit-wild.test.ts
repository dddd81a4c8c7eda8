/**
 * The JIT (@ea/ebpf-jit) against the interpreter on wild programs (@ea/testkit's ebpf-wild.ts: pointers off
 * their regions, loops ended by the budget, recursion past the depth limit, helpers known and
 * unknown), errors included. With jit-valid.test.ts, at least 10^6 program x input cases per
 * run; EA_FUZZ=1 runs ten times as many. Half the programs run the JIT compiled with a budget (whose
 * error must come at the interpreter's pc), half the JIT compiled without one, on the inputs where
 * the interpreter finished within the budget (a loop past it might never end).
 */
import { describe, expect, it } from 'vitest';
import { differential, SCALE as scale, TIMEOUT } from './support/differential.js';
import { wildProgram } from '@ea/testkit';

describe('JIT vs interpreter: wild programs', () => {
  it('agree on at least 900,000 program x input cases, 400,000 of them compiled without a budget, errors included', () => {
    const n = differential((next) => ({ insns: wildProgram(next, 4 + (next() % 18)), memLength: next() % 72 }), 0xbad, 2950 * scale, 260, 'finished');
    expect(n.budgeted + n.unbudgeted).toBeGreaterThanOrEqual(900_000 * scale);
    expect(n.unbudgeted).toBeGreaterThanOrEqual(400_000 * scale);
  }, TIMEOUT);
});
