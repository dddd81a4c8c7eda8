/**
 * Helpers for the EA example tests: run an example the way a reader does (npx tsx) and split
 * its report into sections and verdicts.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Runs `npx tsx examples/<name>.ts` and returns stdout (throws on a non-zero exit). */
export function runExample(name: string): string {
  const root = join(import.meta.dirname, '..', '..');
  const r = spawnSync('npx', ['tsx', join('examples', `${name}.ts`)], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

export interface Section {
  readonly strategy: string;
  readonly filter: string;
  readonly verdicts: readonly { readonly label: string; readonly interpreter: string; readonly jit: string }[];
}

/** Splits a report into its `== title: strategy ==` sections. */
export function sections(text: string): Section[] {
  return text
    .split(/^== /m)
    .slice(1)
    .map((chunk) => {
      const [head, ...cases] = chunk.split(/^-- /m);
      const strategy = /: ([a-z-]+) ==/.exec(head!)?.[1] ?? '';
      const verdicts = cases.map((c) => {
        const m = /verdict: interpreter (\S+), JIT (\S+)/.exec(c);
        return { label: c.split('\n')[0]!, interpreter: m?.[1] ?? '?', jit: m?.[2] ?? '?' };
      });
      return { strategy, filter: head!, verdicts };
    });
}
