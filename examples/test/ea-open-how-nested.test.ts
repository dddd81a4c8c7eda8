import { describe, expect, it } from 'vitest';
import { runExample, sections } from './support/ea-output.js';

describe('examples/ea-open-how-nested.ts', () => {
  const out = runExample('ea-open-how-nested');
  const parts = sections(out);

  it('allows only the call with every level right, in both strategies, interpreter = JIT', () => {
    expect(parts.map((p) => p.strategy)).toEqual(['jump-table', 'fixed-window']);
    for (const p of parts) {
      expect(p.verdicts.map((v) => [v.label, v.interpreter])).toEqual([
        ['foo=1, bar=2, barbaz=3, baz=4', 'ALLOW'],
        ['barbaz=30 (third level differs)', 'ERRNO(EPERM)'],
        ['bar->barbaz is NULL', 'ERRNO(EPERM)'],
        ['bar points to unmapped memory', 'ERRNO(EPERM)'],
        ['baz=5', 'ERRNO(EPERM)'],
        ['barbaz passed with a larger size (16, zero tail)', 'ALLOW'],
      ]);
      for (const v of p.verdicts) expect(v.jit).toBe(v.interpreter);
    }
  });

  it('walks two jump tables for the third level and none with windows', () => {
    const [jump, window] = parts;
    expect(jump!.filter).toMatch(/per check foo->foo: 7, bar->bar: 7, bar->barbaz->barbaz: 10, baz->baz: 7/);
    expect(window!.filter).toMatch(/per check foo->foo: 6, bar->bar: 6, bar->barbaz->barbaz: 6, baz->baz: 6/);
    // open_how's slot for bar, word 1 = bar's table; bar's slot for barbaz, word 0 = barbaz's data.
    expect(jump!.filter).toMatch(/ld \[124\]\n\s+jeq #0, L\d+\n\s+tax\n\s+ld \[x \+ 8\]\n\s+jeq #0, L\d+\n\s+tax\n\s+ld \[x \+ 0\]\n\s+jne #3/);
    expect(window!.filter).not.toMatch(/\[x \+/);
  });

  it('prints the nested tables and windows of the image', () => {
    expect(out).toMatch(/slot bar @120: data at \d+, table at \d+\n\s+slot bar->barbaz @\d+: data at \d+/);
    expect(out).toMatch(/window bar->barbaz: length 0, status null/);
    expect(out).toMatch(/window bar: length 0, status fault/);
  });
});
