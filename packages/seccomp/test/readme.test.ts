import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('README example', () => {
  it('runs and prints what the README says', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(pkg, 'examples', 'readme.ts')], {
      cwd: join(pkg, '..', '..'),
      encoding: 'utf8',
    });
    expect(out).toBe("ERRNO(13) { action: 'errno', data: 13, ret: 327693 }\nALLOW\n");
  });
});
