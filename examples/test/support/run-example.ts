/** Runs an example the way a reader does, `npx tsx examples/<name>.ts`, for the example tests. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Runs `npx tsx examples/<name>.ts` and returns stdout (throws on a non-zero exit). */
export function runExample(name: string, env: Record<string, string> = {}): string {
  const root = join(import.meta.dirname, '..', '..', '..');
  const r = spawnSync('npx', ['tsx', join('examples', `${name}.ts`)], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
