/** @ea/cli: the ea-bpf command line, also callable in-process (for tests). */
export { runCli } from './cli.js';
