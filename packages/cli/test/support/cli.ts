/**
 * What every CLI test needs: run ea-bpf in-process with stdout and stderr captured, and write
 * input files into a temporary directory.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@ea/cli';
import { vi } from 'vitest';

/** What one in-process run printed and returned. */
export interface CliRun {
  readonly code: number;
  /** Standard output as text. */
  readonly stdout: string;
  /** Standard output as bytes (for `--to bin`). */
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

/** Runs ea-bpf with `args` in this process and captures what it writes. */
export async function cli(args: readonly string[]): Promise<CliRun> {
  const out: Buffer[] = [];
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await runCli(args);
    const bytes = Buffer.concat(out);
    return { code, stdout: bytes.toString('utf8'), stdoutBytes: bytes, stderr };
  } finally {
    vi.restoreAllMocks();
  }
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
