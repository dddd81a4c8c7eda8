/**
 * The root README's "CLI tour (real output)" is a test: `$ cat FILE` writes the file it shows,
 * `$ printf … > FILE` runs in bash, and each `$ pnpm ea-bpf …` runs in-process in a scratch
 * directory, its output compared with what the README prints (exactly; or, where the README
 * abridges with a `...` line, as lines appearing in that order), and its exit status with a
 * trailing `# exit status N` (0 otherwise).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '@ea/cli';
import { captureRun } from '@ea/testkit';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
const tour = /## A CLI tour[^\n]*\n+```text\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const dir = mkdtempSync(join(tmpdir(), 'ea-readme-tour-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Step {
  readonly command: string;
  readonly output: string[];
}

/** The tour's commands, each with the lines it prints (blank lines between commands dropped). */
function steps(): Step[] {
  const list: Step[] = [];
  for (const line of tour.split('\n')) {
    if (line.startsWith('$ ')) list.push({ command: line.slice(2), output: [] });
    else list.at(-1)?.output.push(line);
  }
  for (const s of list) while (s.output.at(-1) === '') s.output.pop();
  return list;
}

/** Checks the README's lines against the real ones: equal, or in order where it abridges with `...`. */
function expectShown(actual: string[], shown: readonly string[]): void {
  if (!shown.some((l) => l.trim() === '...')) {
    expect(actual).toEqual(shown);
    return;
  }
  let at = 0;
  for (const line of shown) {
    if (line.trim() === '...') continue;
    const found = actual.indexOf(line, at);
    expect(found, `README line ${JSON.stringify(line)} in order`).toBeGreaterThanOrEqual(at);
    at = found + 1;
  }
}

describe('README: a CLI tour', () => {
  const list = steps();

  it('has the tour, starting with the program it runs', () => {
    expect(list.length).toBeGreaterThanOrEqual(6);
    expect(list[0]?.command).toBe('cat allow.bpf');
  });

  for (const { command, output } of list) {
    it(command, async () => {
      const cat = /^cat (\S+)$/.exec(command);
      if (cat !== null) {
        writeFileSync(join(dir, cat[1]!), `${output.join('\n')}\n`);
        return;
      }
      if (command.startsWith('printf ')) {
        expect(spawnSync('bash', ['-c', command], { cwd: dir }).status).toBe(0);
        expect(output).toEqual([]);
        return;
      }
      const m = /^pnpm ea-bpf (.*?)\s*(?:# exit status (\d+))?$/.exec(command);
      expect(m, 'a `pnpm ea-bpf ...` command').not.toBeNull();
      // Files of the scratch directory by absolute path, printed back by the name the README uses.
      const args = m![1]!.split(/\s+/).map((a) => (existsSync(join(dir, a)) ? join(dir, a) : a));
      const run = await captureRun(() => runCli(args));
      expect(run.code).toBe(Number(m![2] ?? 0));
      const lines = `${run.stdout}${run.stderr}`.replaceAll(`${dir}/`, '').split('\n');
      while (lines.at(-1) === '') lines.pop();
      expectShown(lines, output);
    });
  }
});
