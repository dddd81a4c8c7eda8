/** The README's example is a test: run it with tsx and compare with the output it shows. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const pkg = join(import.meta.dirname, '..');
const readme = readFileSync(join(pkg, 'README.md'), 'utf8');

describe('README', () => {
  it('the example prints what the README says', () => {
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const output = /prints\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    expect(output).toBeDefined();
    // Inside the package, so `@ea/policy` resolves by self-reference.
    const dir = mkdtempSync(join(pkg, 'test', '.readme-'));
    try {
      writeFileSync(join(dir, 'example.ts'), code!);
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(dir, 'example.ts')], { cwd: pkg, encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe(output);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
