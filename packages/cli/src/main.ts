#!/usr/bin/env node
/**
 * ea-bpf: the command-line face of the workspace. Each subcommand lives in
 * src/commands/<name>.ts and registers itself on the shared cac instance.
 *
 * Conventions: human text on stdout by default, `--json` for machines, errors on
 * stderr; exit 0 on success, 1 on a rejected or invalid program, 2 on usage errors.
 */
import { callerDirectory, runCli } from './cli.js';

// `ea-bpf … | head`: when the reader goes away, stop quietly as Unix tools do (status 141,
// 128 + SIGPIPE) instead of dying on an unhandled EPIPE with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(141);
});

// `pnpm ea-bpf` runs this from the repository root: relative paths are the caller's.
process.chdir(callerDirectory(process.env, process.cwd()));
process.exitCode = await runCli(process.argv.slice(2));
