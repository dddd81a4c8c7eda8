/** The README's example runs and prints what its comments say. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const pkg = join(import.meta.dirname, '..');

describe('README example', () => {
  it('prints the lines shown in its comments', () => {
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    const expected = code
      .split('\n')
      .filter((l) => l.startsWith('// '))
      .map((l) => l.slice(3));
    // Written inside the package so that '@ea/...' imports resolve as they do for the README's reader.
    const dir = mkdtempSync(join(pkg, 'test', '.readme-'));
    const file = join(dir, 'readme.ts');
    writeFileSync(file, code);
    try {
      const out = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: join(pkg, '..', '..'), encoding: 'utf8' });
      expect(out.trim().split('\n')).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
