/**
 * `ea-bpf verify FILE --profile seccomp|socket|ea`: says whether Linux would load the program,
 * and if not, why, in the manner of a compiler error (listing around the failing instruction).
 *   --json      one line {"accepted", "reason", "pc", "errno"} (plus "analysis" with --explain)
 *   --explain   reachability, CFG, longest path, seccomp_data fields read, load bounds and the
 *               syscalls the kernel's constant-action cache would always allow (--arch, and
 *               --kernel: the release modelled, which sizes the cache; default the newest table)
 *   --batch     FILE holds many programs in tcpdump -ddd form separated by blank lines; one JSON
 *               line per program, in order
 * Exit 0 when every program is accepted, 1 when one is refused or unreadable, 2 on usage errors.
 */
import { countOf, FormatError, type Insn, readProgram } from '@ea/bpf';
import { ARCHES, type ArchName, hardwiredAllow, kernelRelease, NEWEST_KERNEL, SeccompError, SYSCALL_ARCHES, syscallCount, syscallName } from '@ea/seccomp';
import {
  type Analysis, analyze, check, constantAllowed, formatDiagnostic, type Profile, type VerifiedProgram,
  type VerifyError, type VerifyOptions, VerifyUsageError,
} from '@ea/verifier';
import type { CAC } from 'cac';
import { EXIT_OK, EXIT_REJECTED, inputName, printJson, readInput, UsageError } from '../output.js';
import { isaOption } from '../ebpf.js';
import { type EbpfVerifyOptions, ebpfVerifyCommand } from '../ebpf-verify.js';
import { endianOption, formatOption, naming } from './disasm.js';

interface VerifyCliOptions {
  readonly profile?: string;
  readonly json?: boolean;
  readonly explain?: boolean;
  readonly format?: string;
  readonly endian?: string;
  readonly batch?: string;
  readonly eaBound?: string | number;
  readonly optmemMax?: string | number;
  readonly arch?: string;
  readonly kernel?: string;
}

const PROFILES: readonly Profile[] = ['seccomp', 'socket', 'ea'];

function profileOption(value: unknown): Profile {
  const name = value === undefined ? 'seccomp' : String(value);
  const found = PROFILES.find((p) => p === name);
  if (found === undefined) throw new UsageError(`--profile must be seccomp, socket or ea (got ${JSON.stringify(name)})`);
  return found;
}

function intOption(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${option} must be a non-negative integer (got ${JSON.stringify(text)})`);
  }
  return Number(text);
}

function archOption(value: unknown): ArchName {
  const name = value === undefined ? 'x86_64' : String(value);
  const found = SYSCALL_ARCHES.find((a) => a === name);
  if (found === undefined) throw new UsageError(`--arch must be one of ${SYSCALL_ARCHES.join(', ')} (got ${JSON.stringify(name)})`);
  return found;
}

function kernelOption(value: unknown): string {
  try {
    return kernelRelease(value === undefined ? NEWEST_KERNEL : String(value)).release;
  } catch (error) {
    if (error instanceof SeccompError) throw new UsageError(`--kernel: ${error.message}`);
    throw error;
  }
}

/** The JSON line for one verdict. */
function verdictJson(error: VerifyError | null): Record<string, unknown> {
  if (error === null) return { accepted: true, reason: null, pc: null, errno: null };
  return { accepted: false, reason: error.reason, pc: error.pc, errno: error.errno };
}

/** The --explain data: the analysis plus the cache emulation for one arch. */
function explainData(program: VerifiedProgram, arch: ArchName, kernel: string): Record<string, unknown> {
  const info = ARCHES[arch];
  const analysis: Analysis = analyze(program, info.endian);
  const unreachable = analysis.reachable.flatMap((r, pc) => (r ? [] : [pc]));
  const data: Record<string, unknown> = {
    instructions: program.insns.length,
    unreachable,
    successors: analysis.successors,
    longestPath: analysis.longestPath,
    longestPathPcs: analysis.longestPathPcs,
    maxLoadEnd: analysis.maxLoadEnd,
    hasIndexedLoads: analysis.hasIndexedLoads,
    convertedLength: analysis.convertedLength,
  };
  if (program.profile !== 'socket') {
    data['fieldsRead'] = analysis.fieldsRead;
    // x32 numbers carry X32_SYSCALL_BIT: they are outside every bitmap (count 0) and always run the filters.
    const count = syscallCount(arch, kernel);
    const hardwired = hardwiredAllow(arch, kernel);
    const allowed = constantAllowed([program], { arch: info.auditArch, kernel, syscalls: count, hardwired });
    data['cache'] = {
      arch,
      kernel,
      syscalls: count,
      alwaysAllowed: allowed.map((nr) => ({ nr, name: syscallName(arch, nr) ?? null })),
      hardwired,
    };
  }
  return data;
}

function explainText(data: Record<string, unknown>): string {
  const lines = [
    `instructions: ${String(data['instructions'])}, converted eBPF length: ${String(data['convertedLength'])}`,
    `unreachable: ${(data['unreachable'] as number[]).join(', ') || 'none'}`,
    `longest path: ${countOf(data['longestPath'] as number, 'instruction')} (${(data['longestPathPcs'] as number[]).join(' -> ')})`,
    `max load end: ${String(data['maxLoadEnd'])}${data['hasIndexedLoads'] === true ? ' (plus indexed loads)' : ''}`,
    `cfg: ${(data['successors'] as number[][]).map((s, pc) => `${pc}->${s.length === 0 ? 'ret' : s.join('|')}`).join(' ')}`,
  ];
  if (data['fieldsRead'] !== undefined) lines.push(`seccomp_data read: ${(data['fieldsRead'] as string[]).join(', ') || 'nothing'}`);
  const cache = data['cache'] as
    | { arch: string; kernel: string; syscalls: number; alwaysAllowed: { nr: number; name: string | null }[] }
    | undefined;
  if (cache !== undefined) {
    const names = cache.alwaysAllowed.map((a) => (a.name === null ? String(a.nr) : `${a.name}(${a.nr})`));
    lines.push(
      `always allowed on ${cache.arch} under Linux ${cache.kernel} (constant-action cache, ${cache.syscalls} numbers): ${names.join(', ') || 'none'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function verifyOptions(profile: Profile, options: VerifyCliOptions): VerifyOptions {
  const eaBound = intOption(options.eaBound, 'ea-bound');
  const optmemMax = intOption(options.optmemMax, 'optmem-max');
  return { profile, ...(eaBound !== undefined && { eaBound }), ...(optmemMax !== undefined && { optmemMax }) };
}

function runOne(file: string, options: VerifyCliOptions): number {
  const profile = profileOption(options.profile);
  const vopts = verifyOptions(profile, options);
  const arch = archOption(options.arch);
  const kernel = kernelOption(options.kernel);
  const format = formatOption(options.format, 'format', ['asm', 'd', 'dd', 'ddd', 'bin']);
  const endian = endianOption(options.endian);
  const input = readInput(file);
  const { insns } = naming(file, () => readProgram(input, { ...(format && { format }), ...(endian && { endian }) }));
  const result = guarded(() => check(insns, vopts));
  const name = inputName(file);
  if (options.json === true) {
    const line = verdictJson(result.ok ? null : result.error);
    if (result.ok && options.explain === true) line['analysis'] = explainData(result.program, arch, kernel);
    printJson(line);
  } else if (result.ok) {
    process.stdout.write(`${name}: accepted (${profile} profile, ${countOf(insns.length, 'instruction')})\n`);
    if (options.explain === true) process.stdout.write(explainText(explainData(result.program, arch, kernel)));
  } else {
    process.stdout.write(formatDiagnostic(name, insns, result.error));
  }
  return result.ok ? EXIT_OK : EXIT_REJECTED;
}

function guarded<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    // Option errors from verify() (eaBound out of range) are the caller's mistake.
    if (error instanceof VerifyUsageError) throw new UsageError(error.message);
    throw error;
  }
}

/** Splits a batch file into programs: blocks of non-blank lines, with the line each starts on. */
export function splitBatch(text: string): { text: string; line: number }[] {
  const blocks: { text: string; line: number }[] = [];
  let current: string[] = [];
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') {
      if (current.length > 0) blocks.push({ text: current.join('\n'), line: start + 1 });
      current = [];
    } else {
      if (current.length === 0) start = i;
      current.push(raw);
    }
  });
  if (current.length > 0) blocks.push({ text: current.join('\n'), line: start + 1 });
  return blocks;
}

function runBatch(file: string, options: VerifyCliOptions): number {
  const profile = profileOption(options.profile);
  const vopts = verifyOptions(profile, options);
  const bytes = readInput(file);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  let code = EXIT_OK;
  for (const block of splitBatch(text)) {
    let insns: Insn[];
    try {
      insns = readProgram(block.text, { format: 'ddd' }).insns;
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      printJson({ accepted: false, reason: 'FORMAT_ERROR', pc: null, errno: null, line: block.line, error: error.message });
      code = EXIT_REJECTED;
      continue;
    }
    const result = guarded(() => check(insns, vopts));
    printJson(verdictJson(result.ok ? null : result.error));
    if (!result.ok) code = EXIT_REJECTED;
  }
  return code;
}

/** Registers `verify` on the CLI. */
export function register(cli: CAC): void {
  cli
    .command('verify [file]', 'Check a program as Linux would load it (exit 0 accepted, 1 refused)')
    .option('--profile <profile>', 'seccomp, socket or ea', { default: 'seccomp' })
    .option('--json', 'print {"accepted", "reason", "pc", "errno"}')
    .option('--explain', 'also print reachability, CFG, longest path, fields read and the cache emulation')
    .option('--format <format>', 'input format: bin, asm, d, dd or ddd (default: detected)')
    .option('--endian <endian>', 'byte order of bin input: le or be')
    .option('--batch <file>', 'many programs in -ddd form separated by blank lines; one JSON line each')
    .option('--ea-bound <n>', 'ea profile: one past the last image byte a load may read')
    .option('--optmem-max <n>', 'socket profile: net.core.optmem_max (default: this machine)')
    .option('--arch <arch>', `--explain cache emulation arch: ${SYSCALL_ARCHES.join(', ')}`, { default: 'x86_64' })
    .option('--kernel <release>', `--explain cache emulation: the Linux release modelled (default: ${NEWEST_KERNEL}, the newest table)`)
    .option('--isa <isa>', 'classic (default) or ebpf (the eBPF load-time checks and verifier; FILE may be a clang-built object)')
    .option('--prog-type <type>', 'eBPF: xdp, socket, tc or raw (r1 = --mem-size bytes): run the verifier on a raw program')
    .option('--mem-size <n>', 'eBPF raw programs: bytes r1 points to')
    .option('--unprivileged', 'eBPF: the view of CAP_BPF without CAP_PERFMON (default: root)')
    .option('--section <name>', 'eBPF objects: only this program (section or function name)')
    .action((file: string | undefined, options: VerifyCliOptions & EbpfVerifyOptions & { readonly isa?: string }) => {
      if (isaOption(options.isa) === 'ebpf') {
        if (file === undefined) throw new UsageError('missing FILE argument (use - for standard input)');
        return ebpfVerifyCommand(file, options);
      }
      if (options.batch !== undefined) {
        if (file !== undefined) throw new UsageError('give either FILE or --batch FILE, not both');
        return runBatch(String(options.batch), options);
      }
      if (file === undefined) throw new UsageError('missing FILE argument (use - for standard input)');
      return runOne(file, options);
    });
}
