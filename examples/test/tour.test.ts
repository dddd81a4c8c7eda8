/**
 * The tour (`pnpm start`) is the README's first command: run it as a fresh user would and check
 * that every section says what it claims, from values the libraries compute.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TOUR = fileURLToPath(new URL('../tour.ts', import.meta.url));

describe('the tour', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', TOUR], { encoding: 'utf8', timeout: 120_000 });
  const text = run.stdout;

  it('runs to the end without errors', () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(text).toMatch(/done in [\d.]+ s/);
  });

  it('shows the clone3 policy accepted by the ea profile and refused by plain seccomp', () => {
    expect(text).toMatch(/ea profile: +accepted \(\d+ instructions/);
    expect(text).toMatch(/seccomp profile: refused as the kernel would \(BAD_OPCODE at pc \d+, EINVAL\)/);
    expect(text).toMatch(/> 3 \| ld M\[3\]\n.*\^+ UNINIT_MEM_READ/);
  });

  it('runs set_tid[0] == 34 through both engines with the expected verdicts', () => {
    const verdict = (label: string): string | undefined =>
      text.split('\n').find((l) => l.trimStart().startsWith(label))?.replace(/\s+/g, ' ').trim();
    expect(verdict('set_tid = [34] ')).toBe('set_tid = [34] interpreter ALLOW JIT ALLOW');
    expect(verdict('set_tid = [35]')).toBe('set_tid = [35] interpreter ERRNO(EPERM) JIT ERRNO(EPERM)');
    expect(verdict('set_tid points to unmapped memory')).toBe(
      'set_tid points to unmapped memory interpreter ERRNO(EPERM) JIT ERRNO(EPERM)',
    );
  });

  it('prints the matrix: unsafe cells without the guard, none with it', () => {
    expect(text).toMatch(/openat2: guard none[\s\S]*NO \(unvetted ext_flags\)[\s\S]*2 of 28 cells are NOT fail-safe/);
    expect(text).toMatch(/openat2: guard tailzero[\s\S]*every cell is fail-safe \(28 cells\)/);
  });

  it('filters the generated capture with the same count in both engines', () => {
    const m = /interpreter matched (\d+), JIT matched (\d+)/.exec(text);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(m![2]).toBe(m![1]);
    expect(text).toMatch(/ea JIT +[\d.]+\n +ea interpreter +[\d.]+\n +\(a quick look/);
  });
});
