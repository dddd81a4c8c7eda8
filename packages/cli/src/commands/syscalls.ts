/**
 * `ea-bpf syscalls ARCH [NAME|NR]`: looks up syscall numbers in @ea/seccomp's tables (generated
 * from the kernel's headers). Without NAME|NR it prints the whole table, one `NAME NR` per line.
 */
import { isArchName, SYSCALL_ARCHES, syscallName, syscallNumber, syscallTable } from '@ea/seccomp';
import type { CAC } from 'cac';
import { clip, cutLongTokens, EXIT_OK, EXIT_REJECTED, printJson, UsageError } from '../output.js';

interface SyscallsOptions {
  readonly json?: boolean;
}

const NUMBER = /^(0[xX][0-9a-fA-F]+|\d+)$/;

/** Registers `syscalls` on the CLI. */
export function register(cli: CAC): void {
  cli
    .command('syscalls <arch> [query]', `Look up syscall names and numbers (arch: ${SYSCALL_ARCHES.join(', ')})`)
    .option('--json', 'print {"arch", "name", "nr"} (or {"arch", "syscalls": [...]} for the whole table)')
    .action((arch: string, query: string | number | undefined, options: SyscallsOptions) => {
      if (!isArchName(arch)) throw new UsageError(`unknown arch ${JSON.stringify(arch)} (known: ${SYSCALL_ARCHES.join(', ')})`);
      if (query === undefined) {
        const table = syscallTable(arch);
        if (options.json) printJson({ arch, syscalls: table.map(([name, nr]) => ({ name, nr })) });
        else process.stdout.write(table.map(([name, nr]) => `${name} ${nr}\n`).join(''));
        return EXIT_OK;
      }
      // cac turns numeric arguments into numbers; work on the text the user typed.
      const text = String(query);
      let name: string | undefined;
      let nr: number | undefined;
      if (NUMBER.test(text)) {
        nr = Number(text);
        if (nr > 0xffffffff) throw new UsageError(`syscall number ${text} does not fit 32 bits`);
        name = syscallName(arch, nr);
        if (name === undefined) {
          process.stderr.write(`ea-bpf: ${arch} has no syscall number ${cutLongTokens(text)}\n`);
          return EXIT_REJECTED;
        }
      } else {
        name = text;
        nr = syscallNumber(arch, text);
        if (nr === undefined) {
          process.stderr.write(`ea-bpf: ${arch} has no syscall named ${clip(text)}\n`);
          return EXIT_REJECTED;
        }
      }
      if (options.json) printJson({ arch, name, nr });
      else process.stdout.write(`${name} ${nr}\n`);
      return EXIT_OK;
    });
}
