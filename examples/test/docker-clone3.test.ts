import { verify } from '@ea/verifier';
import { describe, expect, it } from 'vitest';
import { runDockerClone3 } from '../docker-clone3.js';
import { runExample, sections } from './support/ea-output.js';

describe('examples/docker-clone3.ts', () => {
  const out = runExample('docker-clone3');
  const parts = sections(out);

  it('prints both strategies, one ea filter each', () => {
    expect(parts.map((p) => p.strategy)).toEqual(['jump-table', 'fixed-window']);
    for (const p of parts) expect(p.filter).toMatch(/profile: ea, \d+ instructions, clone3 struct clone_args \(88 bytes known\)/);
  });

  it('allows the glibc thread clone3, gives NEWUSER/NEWNET the profile errno and a non-zero tail E2BIG; interpreter = JIT', () => {
    for (const p of parts) {
      expect(p.verdicts.map((v) => [v.label.split(' (')[0], v.interpreter])).toEqual([
        ['clone3 glibc thread', 'ALLOW'],
        ['clone3 fork', 'ALLOW'],
        ['clone3 CLONE_NEWUSER', 'ERRNO(EPERM)'],
        ['clone3 glibc thread | CLONE_NEWNET', 'ERRNO(EPERM)'],
        ['clone3 fork, 96-byte struct, zero tail', 'ALLOW'],
        ['clone3 fork, 96-byte struct, byte 88 set', 'ERRNO(E2BIG)'],
        ['clone(CLONE_NEWUSER)', 'ERRNO(EPERM)'],
        ['clone(glibc thread)', 'ALLOW'],
        ['write(1, buf, 5)', 'ALLOW'],
        ['ptrace(PTRACE_ATTACH)', 'ERRNO(EPERM)'],
      ]);
      for (const v of p.verdicts) expect(v.jit).toBe(v.interpreter);
    }
  });

  it('the compatibility matrix of the clone3 policy is fail-safe in every cell, in both engines', () => {
    expect(out.match(/all fail-safe, interpreter = JIT: true/g)).toHaveLength(2);
    expect(out).not.toMatch(/NOT FAIL-SAFE/);
    for (const strategy of ['jump-table', 'fixed-window'] as const) {
      const r = runDockerClone3(strategy);
      expect(r.cells).toHaveLength(32);
      for (const [f, k, p, v, j, ok, own] of r.cells) {
        expect(ok, `${f}/${k}/${p}`).toBe(true);
        expect(j).toBe(v);
        // The profile's own filter (interpreter = JIT) answers as the policy's new filter does.
        expect(own, `${f}/${k}/${p}`).toBe(f === 'new' ? v : '-');
      }
      // The NEWUSER programs are refused in every cell; the guard answers the new program's cgroup for the old filter.
      expect(r.cells.filter((c) => c[2].endsWith('NEWUSER')).every((c) => c[3] === 'ERRNO(EPERM)')).toBe(true);
      expect(r.cells.filter((c) => c[0] === 'old' && c[2] === 'VER2 cgroup=5').map((c) => c[3])).toEqual(['ERRNO(E2BIG)', 'ERRNO(E2BIG)']);
      expect(() => verify(r.compiled.insns, { profile: 'ea' })).not.toThrow();
    }
  });
});
