/**
 * The argument parser and the error-to-exit-code policy shared by every subcommand.
 */
import { cac } from 'cac';
import { COMMANDS } from './commands/index.js';
import { EXIT_USAGE, reportError, STDIN_ARGUMENT } from './output.js';

/** Runs ea-bpf with the given arguments and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const cli = cac('ea-bpf');
  for (const register of COMMANDS) register(cli);
  cli.help();
  cli.version('0.1.0');
  try {
    cli.parse(['node', 'ea-bpf', ...argv.map((a) => (a === '-' ? STDIN_ARGUMENT : a))], { run: false });
    // cac prints the version only when no command matched; `layout --version N` is the command's own option
    if (cli.options['help'] || (cli.options['version'] && cli.matchedCommand === undefined)) return 0; // cac has printed it
    if (cli.matchedCommand === undefined) {
      if (cli.options['help'] || cli.options['version']) return 0;
      process.stderr.write(
        argv.length === 0 ? 'ea-bpf: missing command (try --help)\n' : `ea-bpf: unknown command ${argv[0]}\n`,
      );
      return EXIT_USAGE;
    }
    const result: unknown = await cli.runMatchedCommand();
    return typeof result === 'number' ? result : 0;
  } catch (error) {
    return reportError(error);
  }
}
