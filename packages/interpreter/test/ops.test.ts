/**
 * The run loop names its cases with literals (for V8's jump table); this keeps them honest: every
 * `case N /* NAME *\/` must match decode.ts's NAME, and every operation decode.ts defines must
 * have exactly one case.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as D from '../src/decode.js';

describe('run-loop cases', () => {
  it('match decode.ts one to one', () => {
    const source = readFileSync(join(import.meta.dirname, '..', 'src', 'loop.ts'), 'utf8');
    const cases = [...source.matchAll(/case (\d+) \/\* ([A-Z_0-9]+) \*\/:/g)].map((m) => [m[2]!, Number(m[1])] as const);
    const named = D.OPS as Record<string, number>;
    for (const [name, value] of cases) expect(named[name], name).toBe(value);
    expect(cases.map(([, v]) => v).sort((a, b) => a - b)).toEqual(Array.from({ length: D.OP_COUNT }, (_, i) => i));
  });
});
