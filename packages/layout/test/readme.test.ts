/** The README's example is a test: run it with tsx and compare with the output it shows. */
import { join } from 'node:path';
import { runReadmeExample } from '@ea/testkit';
import { describe, expect, it } from 'vitest';

describe('README', () => {
  it('the example prints what the README says', () => {
    const run = runReadmeExample(join(import.meta.dirname, '..'));
    expect(run.expected).not.toBeNull();
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(run.expected);
  });
});
