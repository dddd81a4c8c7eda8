/**
 * `ea-bpf run FILE`: runs a filter over inputs and prints one JSON line per input.
 *   --profile ea: `--calls FILE`, one call per line as JSON with its struct and memory
 *     (eacalls.ts), flattened with --strategy; --nr/--inputs refuse the catalog's EA syscalls.
 *   A profile JSON (OCI/Docker/Podman) is compiled first; one with EA rules is an `ea` filter
 *     and runs like --profile ea, its calls flattened with what the filter reads.
 *   --profile seccomp|ea (default seccomp): `--inputs FILE` with one call per line,
 *     `nr a0 a1 a2 a3 a4 a5 [# comment]` (calls.ts: nr a number or a syscall name, numbers
 *     decimal or 0x hex, negative ones as two's complement, missing args 0), or one call with
 *     `--nr N --args a,b,...`; `--arch` a name or an AUDIT_ARCH number; prints
 *     {"ret", "action", "data"} per call.
 *   --profile socket (the kernel's rules) or libpcap (tcpdump -r's: backward ja, bounded runs):
 *     `--packets FILE` with one packet per line in hex (`-` is the empty packet);
 *     prints {"ret"} per packet.
 * A bad input line prints {"line": n, "error": "..."} in its place (and the error on stderr): the
 * other lines still run, and the exit code is 1. `--trace` prints each executed instruction with
 * A and X before the result (always through the interpreter).
 */
import { type Endian, formatInsn, readProgram } from '@ea/bpf';
import { type Interpreter, type PacketContext, packetContext, prepare } from '@ea/interpreter';
import { AddressSpace, LayoutError, type Strategy } from '@ea/layout';
import type { EaTarget } from '@ea/profile';
import { decodeAction, SYSCALL_ARCHES, writeSeccompData } from '@ea/seccomp';
import { filterImage } from '@ea/workbench';
import { type Profile, runsOnPackets, type VerifiedProgram, verify } from '@ea/verifier';
import type { CAC } from 'cac';
import { ebpfRun, isaOption } from '../ebpf.js';
import { elfObject, objectRun } from '../ebpf-object.js';
import { clip, cutLongTokens, printJson, readInput, UsageError } from '../output.js';
import { naming } from './disasm.js';
import { type EaCallInput, eaImage, eaSyscallOf, parseEaCall } from './eacalls.js';
import { type CallInput, InputError, parseArch, parseCallLine, type RunArch, stripComment } from './calls.js';

export { type CallInput, InputError, parseCallLine } from './calls.js';
import { compileProfileInput, isProfileInput } from '../profile-input.js';

interface RunOptions {
  readonly profile?: string;
  readonly calls?: string;
  readonly strategy?: string;
  readonly needs?: string;
  readonly inputs?: string;
  readonly packets?: string;
  readonly nr?: string | number;
  readonly args?: string | number;
  readonly engine?: string;
  readonly arch?: string;
  readonly ip?: string | number;
  readonly trace?: boolean;
  readonly caps?: string;
  readonly kernel?: string;
  readonly isa?: string;
  readonly mem?: string | number;
  readonly memFile?: string;
  readonly section?: string;
  readonly pcap?: string;
  readonly dumpMaps?: boolean;
}

/** A runner for one kind of input. */
type Run<T> = (input: T) => number;

const U64_MAX = (1n << 64n) - 1n;

/** Parses a decimal or 0x-hex unsigned integer no larger than `max`, or returns why not. */
export function parseUnsigned(text: string, max: bigint): bigint | string {
  if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(text)) return `${clip(text)} is not a decimal or 0x-hex number`;
  const value = BigInt(text);
  return value > max ? `${clip(text)} is larger than 0x${max.toString(16)}` : value;
}

/** Parses a PACKETS line of hex digits (`-` for an empty packet); throws InputError. */
export function parsePacketLine(text: string, line: number): Uint8Array {
  const hex = text.trim();
  if (hex === '-') return new Uint8Array(0);
  const bad = /[^0-9a-fA-F]/.exec(hex);
  // JSON.stringify shows a control character as an escape, never raw on the terminal.
  if (bad !== null) throw new InputError(line, text.indexOf(hex) + bad.index + 1, `${JSON.stringify(bad[0])} is not a hex digit`);
  if (hex.length % 2 !== 0) throw new InputError(line, text.indexOf(hex) + hex.length, `odd number of hex digits (${hex.length})`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** The lines of an input file that carry data: numbered from 1, `# comments` cut, blank lines skipped. */
function dataLines(bytes: Uint8Array): { text: string; line: number }[] {
  return new TextDecoder()
    .decode(bytes)
    .split(/\r?\n/)
    .map((text, i) => ({ text: stripComment(text), line: i + 1 }))
    .filter(({ text }) => text.trim() !== '');
}

function profileOption(value: string | undefined): Profile {
  const profile = value ?? 'seccomp';
  if (profile !== 'seccomp' && profile !== 'socket' && profile !== 'ea' && profile !== 'libpcap') {
    throw new UsageError(`--profile must be seccomp, socket, ea or libpcap (got ${JSON.stringify(profile)})`);
  }
  return profile;
}

function archOption(value: string | undefined): RunArch {
  const arch = parseArch(value ?? 'x86_64');
  if (typeof arch === 'string') throw new UsageError(`--arch ${arch}`);
  return arch;
}

function numberOption(value: string | number | undefined, option: string, max: bigint): bigint | undefined {
  if (value === undefined) return undefined;
  const v = parseUnsigned(String(value), max);
  if (typeof v === 'string') throw new UsageError(`--${option}: ${v}`);
  return v;
}

/**
 * Returns an option's text exactly as typed (the last occurrence), or undefined. cac's parser turns
 * numeric-looking values into JavaScript numbers, which cannot hold every u64 argument.
 */
function rawOption(rawArgs: readonly string[], name: string): string | undefined {
  let found: string | undefined;
  rawArgs.forEach((arg, i) => {
    if (arg === `--${name}` && i + 1 < rawArgs.length) found = rawArgs[i + 1];
    else if (arg.startsWith(`--${name}=`)) found = arg.slice(name.length + 3);
  });
  return found;
}

/** Loads the JIT at run time so this command works whether or not @ea/jit is built. */
async function jitRun(program: VerifiedProgram, endian: Endian): Promise<Run<DataView | PacketContext>> {
  const specifier = '@ea/jit';
  const jit = (await import(specifier).catch(() => ({}))) as { compile?: unknown };
  if (typeof jit.compile !== 'function') throw new UsageError('--engine jit: the JIT is not available in this build');
  const compiled = jit.compile(program, { endian }) as { run?: unknown };
  if (typeof compiled.run !== 'function') throw new UsageError('--engine jit: compile() returned no runner');
  return compiled.run as Run<DataView | PacketContext>;
}

/** Returns a runner that prints each executed instruction with A and X first. */
function tracing<T extends DataView | PacketContext>(interpreter: Interpreter): Run<T> {
  const insns = interpreter.program.insns;
  return (input) =>
    interpreter.trace(input, (pc, a, x) => {
      const text = formatInsn(insns[pc]!, pc).padEnd(28);
      process.stdout.write(`  ${String(pc).padStart(4)}: ${text} A=0x${a.toString(16).padStart(8, '0')} X=0x${x.toString(16).padStart(8, '0')}\n`);
    });
}

/** Runs each line through `handle`, printing an error object for a bad one; returns the exit code. */
function eachLine<T>(lines: { text: string; line: number }[], parse: (text: string, line: number) => T, handle: (value: T) => void): number {
  let failed = 0;
  for (const { text, line } of lines) {
    let value: T;
    try {
      value = parse(text, line);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      failed++;
      process.stderr.write(`ea-bpf: ${cutLongTokens(error.message)}\n`);
      printJson({ line, error: error.reason });
      continue;
    }
    handle(value);
  }
  return failed === 0 ? 0 : 1;
}

/** Registers `run` on the CLI. */
export function register(cli: CAC): void {
  cli
    .command('run <file>', 'Run a filter over syscalls (seccomp, ea) or packets (socket); one JSON line per input')
    .option('--profile <profile>', 'seccomp, ea, socket (the kernel) or libpcap (tcpdump -r)', { default: 'seccomp' })
    .option('--inputs <file>', 'seccomp: one call per line, `nr a0 a1 a2 a3 a4 a5` (nr may be a name; numbers decimal or 0x hex, negative = two\'s complement; # comments)')
    .option('--nr <n>', 'seccomp: a single call with this syscall number or name')
    .option('--args <list>', 'seccomp: comma-separated arguments of the --nr call')
    .option('--calls <file>', 'ea: one call per line as JSON with its struct (fields by name, or bytes) and memory; see the README')
    .option('--strategy <strategy>', 'ea: how the struct is flattened: jump-table (default) or fixed-window')
    .option('--needs <list>', 'ea, fixed-window: the pointees the filter reads, path=bytes,... (set_tid=8)')
    .option('--packets <file>', 'socket: one packet per line in hex (- for an empty packet)')
    .option('--engine <engine>', 'jit or interp (--trace always interprets)', { default: 'jit' })
    .option('--arch <arch>', `seccomp: the architecture seccomp_data describes (${SYSCALL_ARCHES.join(', ')}, or an AUDIT_ARCH number)`, { default: 'x86_64' })
    .option('--ip <n>', 'seccomp: the instruction pointer in seccomp_data', { default: 0 })
    .option('--trace', 'print every executed instruction with A and X (interpreter)')
    .option('--caps <caps>', 'profile JSON: bounding capabilities (default, none, all or CAP_A,CAP_B)')
    .option('--kernel <version>', 'profile JSON: kernel version for minKernel (default: the running kernel)')
    .option('--isa <isa>', 'classic (default) or ebpf (prints {"r0": "0x…"})')
    .option('--mem <hex>', 'ebpf: the input memory in hex (r1 = its address, r2 = its length)')
    .option('--mem-file <file>', 'ebpf: the input memory as a file of raw bytes')
    .option('--section <name>', 'ebpf object (ELF): the program to run, by section or function name (default: the first)')
    .option('--pcap <capture>', 'ebpf object (ELF): run over the packets of a pcap/pcapng capture')
    .option('--dump-maps', 'ebpf object (ELF): print every map\'s entries after the packets')
    .action(async (file: string, parsed: RunOptions) => {
      if (isaOption(parsed.isa) === 'ebpf') {
        const object = elfObject(file);
        if (object !== null) {
          const engine = rawOption(cli.rawArgs, 'engine') ?? 'jit';
          return objectRun(file, object, { section: parsed.section, engine, packets: parsed.packets, pcap: parsed.pcap, dumpMaps: parsed.dumpMaps });
        }
        return ebpfRun(file, { mem: rawOption(cli.rawArgs, 'mem'), memFile: parsed.memFile, engine: rawOption(cli.rawArgs, 'engine') ?? 'interp' });
      }
      const options: RunOptions = {
        ...parsed,
        ...(parsed.nr !== undefined && { nr: rawOption(cli.rawArgs, 'nr') ?? parsed.nr }),
        ...(parsed.args !== undefined && { args: rawOption(cli.rawArgs, 'args') ?? parsed.args }),
        ...(parsed.ip !== undefined && { ip: rawOption(cli.rawArgs, 'ip') ?? parsed.ip }),
      };
      const profile = profileOption(options.profile);
      const engine = options.engine ?? 'jit';
      if (engine !== 'interp' && engine !== 'jit') throw new UsageError(`--engine must be jit or interp (got ${JSON.stringify(engine)})`);
      const arch = archOption(rawOption(cli.rawArgs, 'arch') ?? options.arch);
      const endian = arch.endian;
      const input = readInput(file);
      // A seccomp profile (OCI/Docker/Podman JSON) is compiled first, for --arch.
      const profileJson = profile === 'seccomp' && isProfileInput(file, input);
      if (profileJson && arch.name === null) throw new UsageError('--arch: a profile needs an architecture name, not an AUDIT_ARCH number');
      const compiled = profileJson
        ? compileProfileInput(input, { arch: arch.name!, caps: parsed.caps, kernel: parsed.kernel, eaStrategy: strategyOption(options.strategy) })
        : undefined;
      const program = compiled?.program ?? verify(naming(file, () => readProgram(input)).insns, { profile });
      const interpreter = prepare(program, { endian });
      const run: Run<DataView | PacketContext> = options.trace
        ? tracing(interpreter)
        : engine === 'jit'
          ? await jitRun(program, endian)
          : (input) => interpreter.run(input);
      if (runsOnPackets(profile)) return runPackets(options, run);
      if (profile === 'ea') return runEaCalls(options, arch, program, run);
      // A profile with EA rules compiles to an `ea` filter: its calls carry their structs.
      if (compiled?.profile === 'ea') return runEaCalls(options, arch, program, run, compiled.ea);
      if (options.calls !== undefined) throw new UsageError('--calls is for ea filters (--profile ea, or a profile with EA rules); seccomp programs take --inputs or --nr');
      return runCalls(options, arch, run);
    });
}

function runPackets(options: RunOptions, run: Run<PacketContext>): number {
  if (options.packets === undefined) throw new UsageError('--profile socket and libpcap need --packets FILE');
  if (options.inputs !== undefined || options.nr !== undefined) throw new UsageError('--inputs and --nr are for seccomp and ea programs');
  const ctx = packetContext(new Uint8Array(0));
  return eachLine(dataLines(readInput(options.packets)), parsePacketLine, (bytes) => {
    ctx.data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    printJson({ ret: run(ctx) });
  });
}

/** Prints a filter's return value as {"ret", "action", "data"} (plus `extra`). */
function printResult(ret: number, extra: Record<string, unknown> = {}): void {
  const decoded = decodeAction(ret);
  // Undefined actions take the kernel's kill-process path.
  printJson({ ret: decoded.ret, action: decoded.action === 'unknown' ? 'kill_process' : decoded.action, data: decoded.data, ...extra });
}

function runCalls(options: RunOptions, arch: RunArch, run: Run<DataView>, ea?: (call: CallInput) => void): number {
  if (options.packets !== undefined) throw new UsageError('--packets is for socket programs');
  const ip = numberOption(options.ip, 'ip', U64_MAX) ?? 0n;
  const view = new DataView(new ArrayBuffer(64));
  const handle =
    ea ??
    ((call: CallInput): void => {
      const args = [...call.args, ...new Array<bigint>(6 - call.args.length).fill(0n)];
      writeSeccompData(view, { nr: call.nr, arch: arch.auditArch, instructionPointer: ip, args }, arch.endian);
      printResult(run(view));
    });
  if (options.nr !== undefined) {
    if (options.inputs !== undefined) throw new UsageError('give either --inputs or --nr, not both');
    const text = [String(options.nr), ...(options.args === undefined ? [] : String(options.args).split(','))].join(' ');
    try {
      handle(parseCallLine(text, 1, arch));
    } catch (error) {
      if (error instanceof InputError) throw new UsageError(`--nr/--args: ${error.reason}`);
      throw error;
    }
    return 0;
  }
  if (options.inputs === undefined) throw new UsageError('seccomp programs need --inputs FILE or --nr N [--args a,b,...]');
  return eachLine(dataLines(readInput(options.inputs)), (text, line) => parseCallLine(text, line, arch), handle);
}

function strategyOption(value: string | undefined): Strategy {
  const strategy = value ?? 'jump-table';
  if (strategy !== 'jump-table' && strategy !== 'fixed-window') {
    throw new UsageError(`--strategy must be jump-table or fixed-window (got ${clip(strategy)})`);
  }
  return strategy;
}

function needsOption(value: string | undefined): Record<string, number> {
  const needs: Record<string, number> = {};
  for (const part of (value ?? '').split(',').filter((p) => p !== '')) {
    const m = /^([A-Za-z0-9_[\]>-]+)=([0-9]+)$/.exec(part.trim());
    if (m === null) throw new UsageError(`--needs: ${clip(part)} is not path=bytes`);
    needs[m[1]!] = Number(m[2]);
  }
  return needs;
}

/**
 * `--profile ea`, or a profile with EA rules (`targets`: what its filter reads, per syscall):
 * calls with their memory from --calls (eacalls.ts), flattened with --strategy (a profile's
 * filter was compiled for it) and the filter's needs; --nr/--inputs only for syscalls whose
 * struct the filter does not read (the filter then sees an empty ea_meta). The image is
 * zero-filled up to what the filter reads (the kernel's fill, filterImage). A call the
 * flattener refuses is that line's error, like a malformed one.
 */
function runEaCalls(options: RunOptions, arch: RunArch, program: VerifiedProgram, run: Run<DataView>, targets?: readonly EaTarget[]): number {
  if (options.packets !== undefined) throw new UsageError('--packets is for socket programs');
  if (targets !== undefined && options.needs !== undefined) throw new UsageError('--needs: a profile says what its filter reads; give it for --profile ea programs only');
  const ip = numberOption(options.ip, 'ip', U64_MAX) ?? 0n;
  const strategy = strategyOption(options.strategy);
  const needs = needsOption(options.needs);
  const imageOf = (call: EaCallInput, line: number): { view: DataView; copy: string } => {
    const target = targets?.find((t) => t.syscall === call.sys?.name);
    try {
      return eaImage(call, arch, ip, target?.strategy ?? strategy, target?.needs.pointees ?? needs);
    } catch (error) {
      if (error instanceof LayoutError) throw new InputError(line, 1, `cannot flatten the call: ${error.message}`);
      throw error;
    }
  };
  const runImage = ({ view, copy }: { view: DataView; copy: string }): void => {
    printResult(run(filterImage(view, program)), { copy });
  };
  if (options.calls !== undefined) {
    if (options.inputs !== undefined || options.nr !== undefined) throw new UsageError('give --calls, or --inputs/--nr for calls without a struct, not both');
    return eachLine(dataLines(readInput(options.calls)), (text, line) => imageOf(parseEaCall(text, line, arch), line), runImage);
  }
  // --nr / --inputs: registers only, which is no EA call: refuse the syscalls whose struct the
  // filter reads (any catalog syscall for a program, the EA rules' syscalls for a profile).
  const plain = (call: CallInput): void => {
    const found = arch.name === 'x86_64' ? eaSyscallOf(call.nr) : null;
    const sys = targets === undefined || targets.some((t) => t.syscall === found?.name) ? found : null;
    if (sys !== null) {
      throw new UsageError(
        `${targets === undefined ? '--profile ea' : "the profile's EA rules"}: ${sys.name} (${call.nr}) passes a struct the filter reads; describe the call with --calls FILE ` +
          `(one JSON object per line: {"syscall": "${sys.name}", "fields": {...}}, see the README)`,
      );
    }
    const args = [...call.args, ...new Array<bigint>(6 - call.args.length).fill(0n)];
    runImage(imageOf({ nr: call.nr, sys: null, args, memory: new AddressSpace() }, 0));
  };
  return runCalls(options, arch, run, plain);
}
