/**
 * The README-example runner every package's readme test uses: the first ```ts block of a
 * package's README.md is written inside the package (so `@ea/<name>` resolves by
 * self-reference, as it does for a reader) and run with tsx; what it printed comes back beside
 * what the README says it prints (the ```text block after a line ending in "prints").
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Holds a README example, what it printed and what the README says it prints. */
export interface ReadmeRun {
  /** The example's source (the first ```ts block). */
  readonly code: string;
  /** The README's ```text block after "prints", or null when it has none. */
  readonly expected: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number | null;
}

/** Runs the README example of the package in `pkgDir`; throws when the README has no ```ts block. */
export function runReadmeExample(pkgDir: string): ReadmeRun {
  const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (code === undefined) throw new Error(`${join(pkgDir, 'README.md')} has no \`\`\`ts example`);
  const expected = /prints\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1] ?? null;
  const dir = mkdtempSync(join(pkgDir, 'test', '.readme-'));
  try {
    writeFileSync(join(dir, 'example.ts'), code);
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(dir, 'example.ts')], { cwd: pkgDir, encoding: 'utf8' });
    return { code, expected, stdout: run.stdout, stderr: run.stderr, status: run.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
