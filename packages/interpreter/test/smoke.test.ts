import { describe, expect, it } from 'vitest';
import { runSeccomp, runSocket, seccompData } from './helpers.js';

describe('interpreter smoke', () => {
  it('runs seccomp and socket programs', () => {
    expect(runSeccomp('ld [0]\nadd #1\nret a', seccompData(41))).toBe(42);
    expect(runSocket('ldb [1]\nret a', [1, 2, 3])).toBe(2);
  });
});
