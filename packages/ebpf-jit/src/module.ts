/**
 * toModule(): a checked eBPF program as a standalone ES module that imports nothing, for
 * ahead-of-time use where `new Function` is forbidden (a Content-Security-Policy) or where no @ea
 * package is installed. The module holds the code compile() generates (generate.ts, the same
 * checked builders) and inlines the runtime core it calls: `createCore` from portable.ts, printed
 * from the function itself, so the module runs the code the JIT's differential tests exercise,
 * plus a small typed error class. Programs that call helpers are refused: helpers are JavaScript
 * functions the caller passes to compile(), which a module cannot carry.
 */
import { print, program as script } from '@ea/codegen';
import { type CheckedProgram, createPairArithmetic, formatInsn } from '@ea/ebpf';
import { generateStatements } from './generate.js';
import { createCore } from './portable.js';

/** Options of toModule(). */
export interface ModuleOptions {
  /** Instructions a run may execute before a `budget` error (default: unlimited). */
  readonly budget?: number;
}

/** Reports a program a standalone module cannot hold, with the pc of the instruction. */
export class ModuleError extends Error {
  override readonly name = 'ModuleError';
  constructor(
    readonly pc: number,
    detail: string,
  ) {
    super(`pc ${pc}: ${detail}`);
  }
}

// The module's own typed error: the same name, fields and message as @ea/ebpf's EbpfRunError.
const ERROR_CLASS = `export class EbpfRunError extends Error {
  constructor(reason, pc, detail) {
    super(pc >= 0 ? \`pc \${pc}: \${reason}: \${detail}\` : \`\${reason}: \${detail}\`);
    this.name = 'EbpfRunError';
    this.reason = reason;
    this.pc = pc;
  }
}`;

// The factory parameters of generated code (names.ts RUNTIME_NAMES), bound to the inlined core.
const BINDINGS = `const core = createCore((reason, pc, detail) => new EbpfRunError(reason, pc, detail), () => {}, createPairArithmetic);
const { T, mulhi, ld8, ld16, ld32, ld16be, ld32be, ld64, st8, st16, st32, st64, atomic, ldpkt, udiv64, umod64, sdiv64, smod64, shl64, shr64, sar64, region, prepare, join } = core;
const S = core.state;
const imul = Math.imul;
const depth_error = core.depth;
const budget_error = core.budget;`;

const EXPORTS = `/** r0's high 32 bits, unsigned, of the last run. */
export function high() {
  return T.hi >>> 0;
}
export { run32, run };`;

/**
 * Returns the program as an ES module exporting `run32(input, regions?)` (r0's low 32 bits,
 * unsigned), `high()` (its high 32 bits from the last run), `run(input, regions?)` (r0 as a
 * BigInt) and `EbpfRunError` (what a run throws: `reason` and `pc`, as @ea/ebpf's). Throws
 * ModuleError for a program that calls a helper (`call`, `callx`).
 */
export function toModule(program: CheckedProgram, options: ModuleOptions = {}): string {
  if (program === null || typeof program !== 'object' || !Array.isArray(program.insns)) {
    throw new ModuleError(-1, 'toModule takes a checked program (@ea/ebpf load())');
  }
  program.insns.forEach((insn, pc) => {
    if (insn?.kind === 'call' || insn?.kind === 'callx') throw new ModuleError(pc, `${formatInsn(insn)} calls a helper; a standalone module has none`);
  });
  const { statements } = generateStatements(program, options);
  const slots = program.insns.length;
  return [
    `// eBPF program (${slots} instruction slot${slots === 1 ? '' : 's'}) compiled by @ea/ebpf-jit into a standalone ES module: it`,
    '// imports nothing. run32(input, regions?) returns r0\'s low 32 bits, high() its high 32 bits, run() the',
    '// BigInt r0; r1 = the input (a Uint8Array), r2 = its length; every access is bounds-checked.',
    ERROR_CLASS,
    `const createPairArithmetic = ${createPairArithmetic.toString()};`,
    `const createCore = ${createCore.toString()};`,
    BINDINGS,
    print(script('module', statements)),
    EXPORTS,
    '',
  ].join('\n');
}
