/**
 * `ea-bpf ebpf-plugin [MEM_HEX] [--engine interp|jit]`: the bpf_conformance plugin protocol
 * (the suite's runner starts the plugin with the memory as an argument and writes the program as
 * hex on stdin; r0 in hex on stdout, exit 0, or an error on stderr and a non-zero exit).
 */
import type { CAC } from 'cac';
import { ebpfPlugin } from '../ebpf.js';
import { readInput } from '../output.js';

/** Returns the first positional argument after the command name exactly as typed (cac turns hex-looking digits into numbers). */
function rawPositional(rawArgs: readonly string[]): string | undefined {
  const at = rawArgs.indexOf('ebpf-plugin');
  for (let i = at + 1; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === '--engine') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** Registers `ebpf-plugin` on the CLI. */
export function register(cli: CAC): void {
  cli
    .command('ebpf-plugin [mem]', 'bpf_conformance plugin: eBPF program as hex on stdin, MEM_HEX as argument, r0 in hex on stdout')
    .option('--engine <engine>', 'interp or jit', { default: 'interp' })
    .action((_mem: unknown, options: { engine?: unknown }) => ebpfPlugin(rawPositional(cli.rawArgs), options.engine, readInput('-')));
}
