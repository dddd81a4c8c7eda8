/**
 * Input and output helpers for subcommands: reading FILE or `-`, printing JSON,
 * and turning errors into exit codes.
 */
import { readFileSync } from 'node:fs';

/** Exits with this status on success. */
export const EXIT_OK = 0;
/** Exits with this status when a program or input is rejected or invalid. */
export const EXIT_REJECTED = 1;
/** Exits with this status on a usage error. */
export const EXIT_USAGE = 2;

/** A mistake in how the command was called (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * What runCli passes for a lone `-` argument: cac's parser (mri) drops `-`, so it is
 * renamed before parsing and recognised again here.
 */
export const STDIN_ARGUMENT = '\0stdin';

/** Reads a file argument; `-` means standard input. */
export function readInput(file: string | undefined): Uint8Array {
  if (file === undefined) throw new UsageError('missing FILE argument (use - for standard input)');
  try {
    return file === '-' || file === STDIN_ARGUMENT ? readFileSync(0) : readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read ${inputName(file)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** Longest piece of user text an error message quotes. */
const CLIP = 40;

/**
 * Quotes user text for an error message (JSON string syntax, so control characters are
 * visible), cut to its first 40 characters with the full length said: a 1 MB token must not
 * come back whole on stderr.
 */
export function clip(text: string): string {
  if (text.length <= CLIP) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, CLIP))}... (${text.length} characters)`;
}

/** A token of an error message longer than this is user text echoed back: it is cut. */
const LONG_TOKEN = 200;

/**
 * Cuts every run of more than 200 non-space characters in a message to its first 40, saying how
 * long it was: whatever echoed a 1 MB argument or token, stderr gets a line, not the megabyte.
 */
export function cutLongTokens(message: string): string {
  return message.replace(new RegExp(`\\S{${LONG_TOKEN + 1},}`, 'g'), (t) => `${t.slice(0, CLIP)}... (${t.length} characters)`);
}

/** Names a FILE argument for messages: standard input for `-`. */
export function inputName(file: string): string {
  return file === '-' || file === STDIN_ARGUMENT ? 'standard input' : file;
}

/** Writes one JSON value per line. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * Prints an error on stderr and returns its exit code: usage errors (including
 * cac's own) are 2, anything about the program or its input is 1.
 */
export function reportError(error: unknown): number {
  const err = error instanceof Error ? error : new Error(String(error));
  process.stderr.write(`ea-bpf: ${cutLongTokens(err.message)}\n`);
  const isUsage = err instanceof UsageError || err.name === 'CACError';
  return isUsage ? EXIT_USAGE : EXIT_REJECTED;
}
