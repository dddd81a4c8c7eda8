/**
 * The argument parser and the error-to-exit-code policy shared by every subcommand.
 */
import { cac } from 'cac';
import { COMMANDS } from './commands/index.js';
import { clip, EXIT_USAGE, reportError, STDIN_ARGUMENT } from './output.js';

/**
 * Returns the directory relative paths are meant against: the caller's, INIT_CWD, when pnpm or
 * npm runs the `ea-bpf` script (which they start in the package's root, wherever the user typed
 * it); `cwd` otherwise, so an ea-bpf started by some other script keeps its own directory.
 */
export function callerDirectory(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  const init = env['INIT_CWD'];
  return env['npm_lifecycle_event'] === 'ea-bpf' && init !== undefined && init !== '' ? init : cwd;
}

/**
 * Prepares argv for cac: a lone `-` becomes STDIN_ARGUMENT (its parser drops `-`), and an
 * option followed by a negative number (`--nr -100`, `--args -100,0`) is joined into
 * `--nr=-100`, which the parser would otherwise read as the short flags -1, -0, -0.
 */
export function prepareArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (/^--[a-z][\w-]*$/.test(arg) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg === '-' ? STDIN_ARGUMENT : arg);
  }
  return out;
}

/** Runs ea-bpf with the given arguments and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const cli = cac('ea-bpf');
  for (const register of COMMANDS) register(cli);
  cli.help();
  cli.version('0.1.0');
  try {
    cli.parse(['node', 'ea-bpf', ...prepareArgv(argv)], { run: false });
    // cac prints the version only when no command matched; `layout --version N` is the command's own option
    if (cli.options['help'] || (cli.options['version'] && cli.matchedCommand === undefined)) return 0; // cac has printed it
    if (cli.matchedCommand === undefined) {
      if (cli.options['help'] || cli.options['version']) return 0;
      process.stderr.write(
        argv.length === 0 ? 'ea-bpf: missing command (try --help)\n' : `ea-bpf: unknown command ${clip(argv[0] ?? '')}\n`,
      );
      return EXIT_USAGE;
    }
    const result: unknown = await cli.runMatchedCommand();
    return typeof result === 'number' ? result : 0;
  } catch (error) {
    return reportError(error);
  }
}
