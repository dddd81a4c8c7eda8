/**
 * The profile workload once on a small mix: both filters' JIT and gcc runs agree, the two filters
 * answer every call alike, and the section renders (or says why it was skipped).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonSeccompUnavailable } from '@ea/testkit';
import { describe, expect, it } from 'vitest';
import { renderProfile, runProfileWorkload } from '../workloads/profile.js';

describe.skipIf(pythonSeccompUnavailable())('profile workload (smoke)', () => {
  it('times ours and libseccomp’s filter over the same calls, every way agreeing', () => {
    const res = runProfileWorkload(mkdtempSync(join(tmpdir(), 'ea-bench-profile-')), 400, { smoke: true, reps: 1 }, () => {});
    if (typeof res === 'string') throw new Error(res);
    expect(res.rows.map((r) => r.name)).toEqual(['ours (@ea/profile)', "libseccomp's (python3-seccomp)"]);
    for (const r of res.rows) {
      expect(r.agree, r.name).toBe(true);
      expect(r.jit).toBeGreaterThan(0);
    }
    expect(res.differences).toBe(0);
    expect(res.rows[0]!.insns).toBeLessThan(res.rows[1]!.insns);
    expect(renderProfile(res).join('\n')).toMatch(/\| ours \(@ea\/profile\) \| \d+ \|/);
  });
});

describe('profile workload without libseccomp', () => {
  it('renders the reason it was skipped', () => {
    expect(renderProfile('skipped: python3-seccomp is not installed')).toContain('skipped: python3-seccomp is not installed');
  });
});
