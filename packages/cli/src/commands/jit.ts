/**
 * `ea-bpf jit FILE --profile seccomp|socket|ea [--standalone]`: verifies a program (any format)
 * and prints the JavaScript @ea/jit generates for it: the factory body `compile()` instantiates,
 * or with --standalone an ES module exporting `run` (imports from @ea/jit/runtime).
 * `--isa ebpf`: the same for an eBPF program through @ea/ebpf-jit, whose standalone module
 * imports nothing.
 */
import { type Endian, isProgramFormat, readProgram } from '@ea/bpf';
import { factorySource, toModule } from '@ea/jit';
import { type Profile, verify } from '@ea/verifier';
import type { CAC } from 'cac';
import { ebpfJit, isaOption } from '../ebpf.js';
import { readInput, UsageError } from '../output.js';
import { naming } from './disasm.js';

interface JitOptions {
  readonly profile?: string;
  readonly standalone?: boolean;
  readonly batch?: boolean;
  readonly format?: string;
  readonly endian?: string;
  readonly isa?: string;
}

function profileOf(value: string | undefined): Profile {
  const profile = value ?? 'seccomp';
  if (profile !== 'seccomp' && profile !== 'socket' && profile !== 'ea') {
    throw new UsageError(`--profile must be seccomp, socket or ea (got ${JSON.stringify(profile)})`);
  }
  return profile;
}

function endianOf(value: string | undefined): Endian {
  const endian = value ?? 'le';
  if (endian !== 'le' && endian !== 'be') throw new UsageError(`--endian must be le or be (got ${JSON.stringify(endian)})`);
  return endian;
}

/** Registers `jit` on the CLI. */
export function register(cli: CAC): void {
  cli
    .command('jit <file>', 'Print the JavaScript the JIT generates for a verified program (FILE may be -)')
    .option('--profile <profile>', 'seccomp, socket or ea', { default: 'seccomp' })
    .option('--standalone', 'print a standalone ES module exporting run (and runBatch for socket; CSP-safe, ahead of time)')
    .option('--batch', 'socket: print the runBatch loop (one call per capture) instead of run')
    .option('--format <format>', 'input format: bin, asm, d, dd or ddd (default: detected)')
    .option('--endian <endian>', 'byte order of seccomp_data / EA image loads (and of bin input): le or be', {
      default: 'le',
    })
    .option('--isa <isa>', 'classic (default) or ebpf (then --standalone prints a module that imports nothing)')
    .action((file: string, options: JitOptions) => {
      if (isaOption(options.isa) === 'ebpf') {
        if (options.batch === true) throw new UsageError('--batch is for classic socket programs');
        return ebpfJit(file, options.standalone === true);
      }
      const profile = profileOf(options.profile);
      const endian = endianOf(options.endian);
      const format = options.format;
      if (format !== undefined && !isProgramFormat(String(format))) {
        throw new UsageError(`--format must be bin, asm, d, dd or ddd (got ${JSON.stringify(String(format))})`);
      }
      const input = readInput(file);
      const { insns } = naming(file, () => readProgram(input, format === undefined ? { endian } : { format: String(format) as never, endian }));
      const program = verify(insns, { profile });
      if (options.batch === true && (profile !== 'socket' || options.standalone === true)) {
        throw new UsageError('--batch is for socket programs, without --standalone (the module has runBatch already)');
      }
      const text =
        options.standalone === true
          ? toModule(program, { endian })
          : factorySource(program, { endian, entry: options.batch === true ? 'runBatch' : 'run' }).source;
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      return 0;
    });
}
