/**
 * Runs an in-process command line (`runCli` of @ea/cli) with stdout and stderr captured, so that
 * the CLI's tests and the root README's tour check what a user would see. The caller passes the
 * run, so this package does not depend on @ea/cli (whose tests use it).
 */

/** What one in-process run printed and returned. */
export interface CliRun {
  readonly code: number;
  /** Standard output as text. */
  readonly stdout: string;
  /** Standard output as bytes (for `--to bin`). */
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

/** Calls `run` with process.stdout and process.stderr writes captured, and restores them after. */
export async function captureRun(run: () => Promise<number>): Promise<CliRun> {
  const out: Buffer[] = [];
  let stderr = '';
  const writeOut = process.stdout.write;
  const writeErr = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(Buffer.from(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await run();
    const bytes = Buffer.concat(out);
    return { code, stdout: bytes.toString('utf8'), stdoutBytes: bytes, stderr };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}
