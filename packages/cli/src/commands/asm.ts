/**
 * `ea-bpf asm FILE [--to ddd|dd|bin]`: assembles bpf_asm text (FILE may be -) and prints the
 * program as tcpdump -ddd by default, as a C array (dd), or as raw sock_filter bytes (bin).
 */
import { type ProgramFormat, readProgram } from '@ea/bpf';
import type { CAC } from 'cac';
import { ebpfAsm, isaOption } from '../ebpf.js';
import { readInput } from '../output.js';
import { endianOption, formatOption, naming, printProgram } from './disasm.js';

interface AsmOptions {
  readonly to?: string;
  readonly endian?: string;
  readonly json?: boolean;
  readonly isa?: string;
}

const OUTPUTS: readonly ProgramFormat[] = ['ddd', 'dd', 'd', 'bin', 'asm'];

/** Registers `asm` on the CLI. */
export function register(cli: CAC): void {
  cli
    .command('asm <file>', 'Assemble bpf_asm text (FILE may be -) into a classic BPF program')
    .option('--to <format>', 'output format: ddd, dd, bin (raw bytes), d or asm', { default: 'ddd' })
    .option('--endian <endian>', 'byte order of bin output: le or be', { default: 'le' })
    .option('--json', 'print {"insns": [{pc, code, jt, jf, k, text}]}')
    .option('--isa <isa>', 'classic (default) or ebpf (eBPF output: --to hex, bin or asm)')
    .action((file: string, options: AsmOptions) => {
      if (isaOption(options.isa) === 'ebpf') return ebpfAsm(file, options.to);
      const to = formatOption(options.to, 'to', OUTPUTS) ?? 'ddd';
      const endian = endianOption(options.endian);
      const bytes = readInput(file);
      const program = naming(file, () => readProgram(bytes, { format: 'asm' }).insns);
      printProgram(program, to, endian, options.json === true);
      return 0;
    });
}
