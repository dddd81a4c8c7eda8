/**
 * The `--isa ebpf` side of asm, disasm, verify and run, and the bpf_conformance plugin: each reads
 * a program in any eBPF format (@ea/ebpf's readProgramBytes: raw bytes, hex, llvm-objdump -d or
 * assembly), and prints what the classic commands print in their eBPF form.
 */
import {
  conformanceHelpers, decodeBytes, disassemble, EbpfLoadError, EbpfRunError, EbpfSyntaxError, interpret, load,
  parseHex, readProgramBytes, toHex,
} from '@ea/ebpf';
import { compile, generate, ModuleError, toModule } from '@ea/ebpf-jit';
import { inputName, printJson, readInput, UsageError } from './output.js';

/** Names the instruction sets the program commands take. */
export type Isa = 'classic' | 'ebpf';

/** Checks an --isa value. */
export function isaOption(value: unknown): Isa {
  if (value === undefined || value === 'classic' || value === 'cbpf') return 'classic';
  if (value === 'ebpf') return 'ebpf';
  throw new UsageError(`--isa must be classic or ebpf (got ${JSON.stringify(String(value))})`);
}

/** Tells whether an error is one of @ea/ebpf's typed errors about the program or its input. */
function isEbpfError(error: unknown): error is EbpfLoadError | EbpfRunError | EbpfSyntaxError {
  return error instanceof EbpfLoadError || error instanceof EbpfRunError || error instanceof EbpfSyntaxError;
}

/** Runs `body`, prefixing the file name to a typed eBPF error (exit 1 via reportError). */
function naming<T>(file: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (isEbpfError(error)) {
      error.message = `${inputName(file)}: ${error.message}`;
    }
    throw error;
  }
}

/**
 * Prints the JavaScript the eBPF JIT generates: `jit FILE --isa ebpf [--standalone]`, the factory
 * body compile() instantiates, or a standalone ES module that imports nothing (exports run32, high,
 * run and EbpfRunError). A program that calls a helper has no standalone module: exit 1, with its pc.
 */
export function ebpfJit(file: string, standalone: boolean): number {
  const { bytes } = naming(file, () => readProgramBytes(readInput(file)));
  const program = naming(file, () => load(bytes));
  let text: string;
  try {
    text = standalone ? toModule(program) : generate(program);
  } catch (error) {
    if (error instanceof ModuleError) error.message = `${inputName(file)}: ${error.message}`;
    throw error;
  }
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}

/** Assembles (or re-encodes) a program: `asm FILE --isa ebpf [--to hex|bin|asm]`. */
export function ebpfAsm(file: string, to: unknown): number {
  const { bytes } = naming(file, () => readProgramBytes(readInput(file)));
  naming(file, () => decodeBytes(bytes));
  const format = to === undefined || to === 'ddd' ? 'hex' : String(to);
  if (format === 'bin') process.stdout.write(bytes);
  else if (format === 'hex') process.stdout.write(`${toHex(bytes)}\n`);
  else if (format === 'asm') process.stdout.write(disassemble(decodeBytes(bytes)));
  else throw new UsageError(`--to for eBPF must be hex, bin or asm (got ${JSON.stringify(format)})`);
  return 0;
}

/** Prints a program as assembly: `disasm FILE --isa ebpf [--to asm|hex|bin] [--json]`. */
export function ebpfDisasm(file: string, to: unknown, json: boolean): number {
  const { bytes } = naming(file, () => readProgramBytes(readInput(file)));
  const program = naming(file, () => decodeBytes(bytes));
  if (json) {
    const lines = disassemble(program, { pcs: true }).trimEnd().split('\n');
    printJson({ insns: lines.map((l) => ({ pc: Number(l.slice(0, 4)), text: l.slice(6) })) });
    return 0;
  }
  if (to === undefined || to === 'asm') process.stdout.write(disassemble(program));
  else return ebpfAsm(file, to);
  return 0;
}

/** Reads the input memory of `run`/`ebpf-plugin`: hex text, a file, or nothing. */
export function memoryOption(hex: unknown, file: unknown): Uint8Array {
  if (hex !== undefined && file !== undefined) throw new UsageError('give either --mem or --mem-file, not both');
  if (file !== undefined) return readInput(String(file));
  if (hex === undefined) return new Uint8Array(0);
  const bytes = parseHex(String(hex));
  if (bytes === null) throw new UsageError(`--mem must be hex bytes (got ${JSON.stringify(String(hex))})`);
  return bytes;
}

function engineRun(engine: unknown): (bytes: Uint8Array, mem: Uint8Array) => bigint {
  const name = engine ?? 'interp';
  if (name === 'interp') return (bytes, mem) => interpret(load(bytes), mem, { helpers: conformanceHelpers() });
  if (name === 'jit') return (bytes, mem) => compile(load(bytes), { helpers: conformanceHelpers() }).run(mem);
  throw new UsageError(`--engine must be interp or jit (got ${JSON.stringify(String(name))})`);
}

/** Runs a program and prints {"r0": "0x…"}: `run FILE --isa ebpf [--mem HEX | --mem-file F] [--engine interp|jit]`. */
export function ebpfRun(file: string, options: { mem?: unknown; memFile?: unknown; engine?: unknown }): number {
  const mem = memoryOption(options.mem, options.memFile);
  const run = engineRun(options.engine);
  const { bytes } = naming(file, () => readProgramBytes(readInput(file)));
  const r0 = naming(file, () => run(bytes, mem));
  printJson({ r0: `0x${r0.toString(16)}` });
  return 0;
}

/**
 * Implements the bpf_conformance plugin protocol: the program as hex on stdin, the memory as the first
 * argument (hex), r0 in hex on stdout and exit 0; or a message on stderr and exit 1.
 */
export function ebpfPlugin(memHex: string | undefined, engine: unknown, stdin: Uint8Array): number {
  const run = engineRun(engine);
  const mem = memHex === undefined ? new Uint8Array(0) : parseHex(memHex);
  if (mem === null) throw new UsageError(`MEM_HEX must be hex bytes (got ${JSON.stringify(memHex)})`);
  const bytes = parseHex(new TextDecoder().decode(stdin));
  if (bytes === null) throw new EbpfSyntaxError(1, 1, 'the program on standard input must be hex bytes');
  process.stdout.write(`${run(bytes, mem).toString(16)}\n`);
  return 0;
}
