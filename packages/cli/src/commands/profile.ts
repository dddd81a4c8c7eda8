/**
 * `ea-bpf profile compile FILE.json [--arch A] [--caps default|none|all|CAP_A,CAP_B] [--kernel 6.18]
 * [--enosys] [--to bin|asm|ddd|js] [-o OUT]`: compiles a seccomp profile (OCI, Docker or Podman JSON) to a
 * verified filter. bin is the raw struct sock_filter array (what seccomp(2), prctl and
 * `bwrap --seccomp FD` take) in the architecture's byte order; js is a standalone ES module
 * exporting run. Text goes to stdout without -o; bin needs -o (`-o -` for stdout). Warnings, and
 * the names the architecture does not know, go to stderr. --enosys adds runc's answer: ERRNO(ENOSYS)
 * for syscall numbers above the largest the profile names (docs/runc-enosys.md).
 */
import { writeFileSync } from 'node:fs';
import { writeProgram } from '@ea/bpf';
import { toModule } from '@ea/jit';
import { ARCHES, SYSCALL_ARCHES, type ArchName } from '@ea/seccomp';
import type { CAC } from 'cac';
import { readInput, UsageError } from '../output.js';
import { compileProfileInput } from '../profile-input.js';

interface ProfileOptions {
  readonly arch?: string;
  readonly caps?: string;
  readonly kernel?: string | number;
  readonly enosys?: boolean;
  readonly to?: string;
  readonly o?: string;
}

const TARGETS = ['bin', 'asm', 'ddd', 'js'] as const;

/** Registers `profile` on the CLI. */
export function register(cli: CAC): void {
  cli
    .command('profile <action> <file>', 'Compile a seccomp profile (OCI, Docker or Podman JSON): profile compile FILE.json')
    .option('--arch <arch>', `the native architecture: ${SYSCALL_ARCHES.join(', ')}`, { default: 'x86_64' })
    .option('--caps <caps>', 'bounding capabilities: default (Docker\'s), none, all or CAP_A,CAP_B', { default: 'default' })
    .option('--kernel <version>', 'kernel version for minKernel, e.g. 6.18 (default: the running kernel)')
    .option('--enosys', 'answer ERRNO(ENOSYS) for numbers above the largest the profile names, as runc does')
    .option('--to <format>', 'bin, asm, ddd or js', { default: 'asm' })
    .option('-o <file>', 'write to FILE (- for stdout)')
    .action((action: string, file: string, options: ProfileOptions) => {
      if (action !== 'compile') throw new UsageError(`unknown profile action ${JSON.stringify(action)} (expected compile)`);
      const to = options.to ?? 'asm';
      if (!(TARGETS as readonly string[]).includes(to)) throw new UsageError(`--to must be ${TARGETS.join(', ')} (got ${JSON.stringify(to)})`);
      const arch = String(options.arch ?? 'x86_64');
      if (!(SYSCALL_ARCHES as readonly string[]).includes(arch)) {
        throw new UsageError(`--arch must be one of ${SYSCALL_ARCHES.join(', ')} (got ${JSON.stringify(arch)})`);
      }
      const compiled = compileProfileInput(readInput(file), {
        arch,
        ...(options.caps !== undefined && { caps: String(options.caps) }),
        ...(options.kernel !== undefined && { kernel: options.kernel }),
        ...(options.enosys === true && { enosys: true }),
      });
      const endian = ARCHES[arch as ArchName].endian;
      const out: string | Uint8Array =
        to === 'bin'
          ? writeProgram(compiled.insns, 'bin', { endian })
          : to === 'js'
            ? toModule(compiled.program, { endian })
            : writeProgram(compiled.insns, to as 'asm' | 'ddd');
      process.stderr.write(`ea-bpf: ${compiled.insns.length} instructions for ${compiled.resolved.arches.join(', ')}\n`);
      const target = options.o;
      if (target === undefined || target === '-') {
        if (typeof out !== 'string' && target === undefined) throw new UsageError('--to bin writes bytes: give -o FILE (or -o - for stdout)');
        process.stdout.write(out);
      } else {
        writeFileSync(target, out);
      }
      return 0;
    });
}
