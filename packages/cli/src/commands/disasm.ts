/**
 * `ea-bpf disasm FILE [--format F] [--to asm|d|dd|ddd|bin]`: reads a program in any format
 * (guessed unless --format says) and prints it, in bpf_asm by default.
 */
import { disassemble, type Endian, FormatError, formatInsn, isProgramFormat, type ProgramFormat, readProgram, type SockFilter, writeProgram } from '@ea/bpf';
import type { CAC } from 'cac';
import { ebpfDisasm, isaOption } from '../ebpf.js';
import { elfObject, objectDisasm } from '../ebpf-object.js';
import { cutLongTokens, inputName, printJson, readInput, UsageError } from '../output.js';

interface ConvertOptions {
  readonly format?: string;
  readonly to?: string;
  readonly endian?: string;
  readonly json?: boolean;
  readonly seccomp?: boolean;
  readonly isa?: string;
}

/** Checks a --format/--to value against the formats a command allows. */
export function formatOption(value: unknown, option: string, allowed: readonly ProgramFormat[]): ProgramFormat | undefined {
  if (value === undefined) return undefined;
  const name = String(value);
  if (!isProgramFormat(name) || !allowed.includes(name)) {
    throw new UsageError(`--${option} must be one of ${allowed.join(', ')} (got ${JSON.stringify(name)})`);
  }
  return name;
}

/** Checks an --endian value. */
export function endianOption(value: unknown): Endian | undefined {
  if (value === undefined) return undefined;
  if (value !== 'le' && value !== 'be') throw new UsageError(`--endian must be le or be (got ${JSON.stringify(String(value))})`);
  return value;
}

/** Prints a program in the requested format: raw bytes for bin, text otherwise, or JSON. */
export function printProgram(
  program: readonly SockFilter[],
  to: ProgramFormat,
  endian: Endian | undefined,
  json: boolean,
  seccomp = false,
): void {
  if (json) {
    printJson({
      insns: program.map((f, pc) => ({ pc, code: f.code, jt: f.jt, jf: f.jf, k: f.k, text: formatInsn(f, pc, { seccomp }) })),
    });
    return;
  }
  if (to === 'asm' && seccomp) {
    process.stdout.write(disassemble(program, { seccomp }));
    return;
  }
  const out = to === 'bin' ? writeProgram(program, 'bin', endian === undefined ? {} : { endian }) : writeProgram(program, to);
  process.stdout.write(out);
}

/**
 * Runs a reader, naming the input in any FormatError so the message says which file is bad, and
 * warning on stderr when readProgram had to assume text or binary (its `assumed`).
 */
export function naming<T>(file: string, read: () => T): T {
  let result: T;
  try {
    result = read();
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    const named = new FormatError(error.code, `${inputName(file)}: ${error.message}`);
    throw Object.assign(named, { where: error.where });
  }
  const assumed = typeof result === 'object' && result !== null && 'assumed' in result ? result.assumed : undefined;
  if (typeof assumed === 'string') process.stderr.write(`ea-bpf: warning: ${cutLongTokens(`${inputName(file)}: ${assumed}`)}\n`);
  return result;
}

const ALL: readonly ProgramFormat[] = ['asm', 'd', 'dd', 'ddd', 'bin'];

/** Registers `disasm` on the CLI. */
export function register(cli: CAC): void {
  cli
    .command('disasm <file>', 'Print a classic BPF program (any format; FILE may be -) as bpf_asm or another format')
    .option('--format <format>', 'input format: bin, asm, d, dd or ddd (default: detected)')
    .option('--to <format>', 'output format: asm, d, dd, ddd or bin (raw bytes)', { default: 'asm' })
    .option('--endian <endian>', 'byte order of bin input and output: le or be', { default: 'le' })
    .option('--json', 'print {"insns": [{pc, code, jt, jf, k, text}]}')
    .option('--seccomp', 'comment seccomp actions and seccomp_data fields (asm and --json output)')
    .option('--isa <isa>', 'classic (default) or ebpf')
    .action((file: string, options: ConvertOptions) => {
      if (isaOption(options.isa) === 'ebpf') {
        const object = elfObject(file);
        if (object !== null) return objectDisasm(file, object, options.json === true);
      }
      if (isaOption(options.isa) === 'ebpf') return ebpfDisasm(file, options.to === 'asm' ? undefined : options.to, options.json === true);
      const format = formatOption(options.format, 'format', ALL);
      const to = formatOption(options.to, 'to', ALL) ?? 'asm';
      const endian = endianOption(options.endian);
      const input = readInput(file);
      const { insns } = naming(file, () => readProgram(input, { ...(format && { format }), ...(endian && { endian }) }));
      printProgram(insns, to, endian, options.json === true, options.seccomp === true);
      return 0;
    });
}
