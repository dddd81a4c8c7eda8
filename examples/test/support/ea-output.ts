/**
 * Helpers for the EA example tests: split an example's report (run with runExample) into
 * sections and verdicts.
 */
export { runExample } from './run-example.js';

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
