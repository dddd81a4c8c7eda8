import { describe, expect, it, } from 'vitest';
import { cli, } from './support/cli.js';

interface JsonCell {
  filter: string;
  kernel: string;
  program: string;
  verdict: string;
  jitVerdict: string | null;
  syscall: string;
  failSafe: boolean;
  unvetted: string[];
}

describe('ea-bpf compat', () => {
  for (const syscall of ['clone3', 'openat2']) {
    it(`${syscall}: without the guard prints the unsafe cell and exits 1`, async () => {
      const r = await cli(['compat', syscall, '--no-guard']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/guard none/);
      const unsafe = r.stdout.split('\n').filter((l) => l.includes('NO (unvetted'));
      expect(unsafe.length).toBeGreaterThan(0);
      for (const line of unsafe) expect(line).toMatch(/^old\s+new\s+VER\S+.*ALLOW\s+=\s+ok\s+NO/);
      expect(r.stdout).toMatch(/cells are NOT fail-safe/);
    });

    for (const form of ['tailzero', 'esize']) {
      it(`${syscall}: with the ${form} guard every cell is fail-safe and it exits 0`, async () => {
        const r = await cli(['compat', syscall, '--guard', '--form', form]);
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`guard ${form}`));
        expect(r.stdout).not.toMatch(/NO \(/);
        expect(r.stdout).toMatch(/every cell is fail-safe \(28 cells\)/);
      });
    }
  }

  it('--json gives the cells, and the guard flips exactly the unsafe ones', async () => {
    const bare = await cli(['compat', 'clone3', '--no-guard', '--json', '--strategy', 'fixed-window']);
    const guarded = await cli(['compat', 'clone3', '--json', '--strategy', 'fixed-window']);
    const a = JSON.parse(bare.stdout) as { cells: JsonCell[]; allFailSafe: boolean };
    const b = JSON.parse(guarded.stdout) as { cells: JsonCell[]; allFailSafe: boolean };
    expect(a.allFailSafe).toBe(false);
    expect(b.allFailSafe).toBe(true);
    const unsafe = a.cells.filter((c) => !c.failSafe);
    expect(unsafe.map((c) => `${c.filter}/${c.kernel}`)).toEqual(unsafe.map(() => 'old/new'));
    expect(unsafe.every((c) => c.unvetted.includes('cgroup'))).toBe(true);
    for (const c of b.cells) expect(c.jitVerdict).toBe(c.verdict);
  });

  it('rejects an unknown syscall or option value with exit 2', async () => {
    expect((await cli(['compat', 'execve'])).code).toBe(2);
    expect((await cli(['compat', 'clone3', '--form', 'magic'])).code).toBe(2);
    expect((await cli(['compat', 'clone3', '--strategy', 'magic'])).code).toBe(2);
  });
});
