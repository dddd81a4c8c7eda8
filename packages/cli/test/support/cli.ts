/**
 * What every CLI test needs: run ea-bpf in-process with stdout and stderr captured (@ea/testkit's
 * captureRun, which the root README's tour uses too), and write input files into a temporary
 * directory.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@ea/cli';
import { type CliRun, captureRun } from '@ea/testkit';

export type { CliRun };

/** Runs ea-bpf with `args` in this process and captures what it writes. */
export function cli(args: readonly string[]): Promise<CliRun> {
  return captureRun(() => runCli(args));
}

/** Returns a function that writes a named file into a fresh temporary directory and returns its path. */
export function tempFiles(prefix: string): (name: string, content: string | Uint8Array) => string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return (name, content) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
}
