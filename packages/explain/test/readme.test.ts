/** The README's example runs and prints what its comments say. */
import { join } from 'node:path';
import { runReadmeExample } from '@ea/testkit';
import { describe, expect, it } from 'vitest';

describe('README example', () => {
  it('prints the lines shown in its comments', () => {
    const run = runReadmeExample(join(import.meta.dirname, '..'));
    const expected = run.code
      .split('\n')
      .filter((l) => l.startsWith('// '))
      .map((l) => l.slice(3));
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual(expected);
  });
});
