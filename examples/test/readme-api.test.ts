/**
 * The root README's "API tour" is a test: its ```ts block is run as a reader would run it (tsx,
 * with the workspace's packages) and must print the ```text block after it. Readers copy it, so it
 * must check the arch before it trusts a syscall number.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const tour = /## An API tour\n+```ts\n([\s\S]*?)```\n+It prints\n+```text\n([\s\S]*?)```/.exec(readme);

describe('README: an API tour', () => {
  it('runs and prints what the README says', () => {
    expect(tour, 'the API tour with its "It prints" block').not.toBeNull();
    const [, code, expected] = tour!;
    const dir = mkdtempSync(join(root, 'examples', 'test', '.readme-api-'));
    try {
      writeFileSync(join(dir, 'tour.ts'), code!);
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(dir, 'tour.ts')], { cwd: root, encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks the arch and refuses x32 before it looks at the syscall number', () => {
    const code = tour?.[1] ?? '';
    expect(code).toMatch(/ld \[4\][^\n]*\n\s*jne #0xc000003e, kill/);
    expect(code).toMatch(/jge #0x40000000, kill/);
  });
});
