import { describe, expect, it } from 'vitest';
import { runExample, sections } from './support/ea-output.js';

describe('examples/ea-clone3-set-tid.ts', () => {
  const out = runExample('ea-clone3-set-tid');
  const parts = sections(out);

  it('shows both strategies', () => {
    expect(parts.map((p) => p.strategy)).toEqual(['jump-table', 'fixed-window']);
  });

  it('allows exactly the calls whose set_tid[0] is 34, in both strategies, interpreter = JIT', () => {
    for (const p of parts) {
      const allowed = p.verdicts.filter((v) => v.interpreter === 'ALLOW').map((v) => v.label);
      expect(allowed).toEqual(['set_tid = [34]', 'set_tid = [34, 35]']);
      expect(p.verdicts).toHaveLength(6);
      for (const v of p.verdicts) {
        expect(v.jit).toBe(v.interpreter);
        if (v.interpreter !== 'ALLOW') expect(v.interpreter).toBe('ERRNO(EPERM)');
      }
    }
  });

  it('reaches set_tid through the jump table (X = slot) or the window (absolute loads)', () => {
    const [jump, window] = parts;
    expect(jump!.filter).toMatch(/ld \[144\]\n\s+jeq #0, L\d+\n\s+tax\n\s+ld \[x \+ 0\]\n\s+jne #0x22/);
    expect(window!.filter).not.toMatch(/\[x \+/);
    expect(window!.filter).toMatch(/ld \[84\]\n\s+jne #0, L\d+\n\s+ld \[88\]\n\s+jne #0x22/);
    for (const p of parts) expect(p.filter).toMatch(/ldtz #0x58/);
  });

  it('prints the image: a faulting set_tid is flagged and not copied', () => {
    expect(out).toMatch(/flags=PRESENT\|FAULT\n(?:.*\n){2}\s+slot set_tid @144: not copied/);
    expect(out).toMatch(/window set_tid: length 0, status fault/);
  });
});
