import { describe, expect, it } from 'vitest';
import { runExample, sections } from './support/ea-output.js';

describe('examples/ea-openat2.ts', () => {
  const out = runExample('ea-openat2');
  const parts = sections(out);

  it('enforces BENEATH|NO_SYMLINKS, no O_CREAT, and the tail-zero guard, in both strategies', () => {
    expect(parts.map((p) => p.strategy)).toEqual(['jump-table', 'fixed-window']);
    for (const p of parts) {
      expect(p.verdicts.map((v) => [v.label, v.interpreter])).toEqual([
        ['O_RDONLY, BENEATH|NO_SYMLINKS', 'ALLOW'],
        ['O_WRONLY|O_TRUNC, BENEATH|NO_SYMLINKS|NO_XDEV', 'ALLOW'],
        ['O_RDONLY, BENEATH only', 'ERRNO(EPERM)'],
        ['O_RDONLY, no resolve flags', 'ERRNO(EPERM)'],
        ['O_CREAT|O_WRONLY 0644, BENEATH|NO_SYMLINKS', 'ERRNO(EPERM)'],
        ['usize 32, zero tail (newer header, nothing new set)', 'ALLOW'],
        ['usize 32, byte 24 set (a field this filter does not know)', 'ERRNO(E2BIG)'],
      ]);
      for (const v of p.verdicts) expect(v.jit).toBe(v.interpreter);
    }
  });

  it('tests resolve with and+jeq and flags with jset, after the guard at k = 24', () => {
    for (const p of parts) {
      expect(p.filter).toMatch(/ldtz #0x18\n\s+jne #1, L\d+/);
      expect(p.filter).toMatch(/and #0xc\n\s+jne #0xc, L\d+/);
      expect(p.filter).toMatch(/jset #0x40, L\d+/);
    }
    // Jump tables reach the root through ea_meta.root; the window layout knows it statically.
    expect(parts[0]!.filter).toMatch(/ld \[72\]\n\s+tax\n\s+ld \[x \+ 16\]/);
    expect(parts[1]!.filter).toMatch(/ld \[96\]\n\s+and #0xc/);
    expect(parts[1]!.filter).toMatch(/ld \[80\]\n\s+jset #0x40/);
    expect(parts[1]!.filter).not.toMatch(/\[x \+/);
  });

  it('shows what the filter saw: usize and esize of the caller', () => {
    expect(out).toMatch(/usize=32 esize=25/);
    expect(out).toMatch(/usize=32 esize=17/);
  });
});
