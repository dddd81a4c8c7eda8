/**
 * compile(): a checked eBPF program to a JavaScript function. The code is built as ESTree through
 * @ea/codegen's checked builders, printed by astring and instantiated with `new Function`; the
 * runtime enters as factory parameters, never as text. Where code cannot be generated (a
 * Content-Security-Policy forbids `new Function`, or `accelerate: false`), `run` is the
 * interpreter and `accelerated` says so.
 */
import {
  array, assign, bin, call, CodegenError, declare, exprStmt, fnDecl, ifElse, not, print, program as script, ret, u32,
} from '@ea/codegen';
import { type CheckedProgram, EbpfRunError, type HelperRegistry, interpret, REGION_CTX, REGION_STACK, STACK_BYTES } from '@ea/ebpf';
import type * as ES from 'estree';
import { Emitter } from './emit.js';
import { member, newScope, PARAMS, REGISTERS, RUNTIME_NAMES } from './names.js';
import { Runtime, mulhi } from './runtime.js';
import { functionStatements } from './structure.js';

/** Options of compile(). */
export interface CompileOptions {
  /** Helpers by id (none by default). */
  readonly helpers?: HelperRegistry;
  /** Instructions a run may execute before a `budget` error (default: unlimited). */
  readonly budget?: number;
  /** false: run the interpreter instead of generating code. */
  readonly accelerate?: boolean;
}

/** A compiled program's entry: input memory (r1, r2 = its length) and extra regions in, r0 out. */
export type RunEbpf = (input: Uint8Array, regions?: readonly Uint8Array[]) => bigint;

/**
 * The allocation-free entry: r0's low 32 bits as an unsigned number (what the kernel's
 * bpf_prog_run returns, a u32); `high()` then gives the high 32 bits of the same run.
 */
export type RunEbpf32 = (input: Uint8Array, regions?: readonly Uint8Array[]) => number;

const NO_REGIONS: readonly Uint8Array[] = [];

/** What compile() returns. */
export interface CompiledEbpf {
  /** r0 as a BigInt (built from run32 and high). */
  readonly run: RunEbpf;
  /** r0's low 32 bits, unsigned, without allocating. */
  readonly run32: RunEbpf32;
  /** r0's high 32 bits, unsigned, of the last run (run or run32). */
  readonly high: () => number;
  /** The generated factory body (empty when the interpreter runs). */
  readonly source: string;
  /** Whether `run` is generated code. */
  readonly accelerated: boolean;
  /** Why `run` is the interpreter, when it is. */
  readonly reason?: string;
}

/** Returns the entry pcs of the program's functions: 0 and every local call's target. */
export function functionEntries(program: CheckedProgram): number[] {
  const entries = new Set<number>([0]);
  program.insns.forEach((insn, pc) => {
    if (insn?.kind === 'call_local') entries.add(pc + 1 + insn.off);
  });
  return [...entries].sort((a, b) => a - b);
}

/** Returns whether some local call enters pc 0 (then `f0` exists beside the entry). */
function callsZero(program: CheckedProgram): boolean {
  return program.insns.some((insn, pc) => insn?.kind === 'call_local' && pc + 1 + insn.off === 0);
}

/**
 * Generates the factory body: one function per local-call target; `entry(cv, cl)`, the
 * program's first function specialised for the calling mode every run uses (r1 = the context,
 * r2 = its length, everything else 0); and the entries `run32` and `run`, returned as a pair.
 * The entry's registers are locals with constant initial values, not parameters of a 23-argument
 * call, so V8 folds what the program never changes (r1's region tag in each inline bounds check,
 * the zero high halves of r2 and of 32-bit results). `run32` and `run` are generated too, not
 * closures of one function in this file: closures of one literal share V8's call feedback, and
 * with many programs compiled their call to `entry` would be megamorphic and never inlined.
 */
export function generate(program: CheckedProgram, options: CompileOptions = {}): string {
  const scope = newScope();
  const entries = functionEntries(program).filter((pc) => pc !== 0 || callsZero(program));
  const fname = (pc: number): string => scope.declare(`f${pc}`);
  for (const pc of entries) fname(pc);
  const emitter = new Emitter(scope, options.budget, fname);
  const id = (name: string): ES.Identifier => scope.id(name);
  const frame = (depth: ES.Expression): [ES.Identifier, ES.Expression][] => [
    [id('r10l'), bin('-', u32(STACK_BYTES), bin('<<', depth, u32(9)))],
    [id('r10h'), u32(REGION_STACK)],
    [id('t'), u32(0)],
    [id('c'), u32(0)],
    [id('pc'), u32(0)],
  ];
  const functions = entries.map((pc) =>
    fnDecl(id(`f${pc}`), PARAMS.map(id), [declare('let', frame(id('depth'))), ...functionStatements(emitter, scope, program.insns, pc)]),
  );
  const registers = REGISTERS.map((name): [ES.Identifier, ES.Expression] => [id(name), name === 'r1h' ? u32(REGION_CTX) : name === 'r2l' ? id('cl') : u32(0)]);
  const entry = fnDecl(id('entry'), [id('cv'), id('cl')], [
    ...(options.budget === undefined ? [] : [assign(id('steps'), u32(0))]),
    declare('let', [...registers, [id('depth'), u32(0)], ...frame(u32(0))]),
    ...functionStatements(emitter, scope, program.insns, 0),
  ]);
  // run32: the last run's input again at the same length, no regions and a clean stack (R.ready)
  // needs no setup; anything else goes through prepare (checks the input, points R at it).
  const [R, input, regions, T] = [id('R'), id('input'), id('regions'), id('T')];
  const run32 = fnDecl(id('run32'), [input, regions], [
    ifElse(not(call(member(R, 'ready'), [input, regions])), [exprStmt(call(id('prepare'), [input, regions]))]),
    assign(member(T, 'stop'), u32(0)),
    ret(bin('>>>', call(id('entry'), [member(R, 'ctx'), member(R, 'ctxLength')]), u32(0))),
  ]);
  const run = fnDecl(id('run'), [input, regions], [ret(call(id('join'), [call(id('run32'), [input, regions]), member(T, 'hi')]))]);
  const body: ES.Statement[] = [declare('let', [[id('steps'), u32(0)]]), ...functions, entry, run32, run, ret(array([id('run32'), id('run')]))];
  return print(script('script', body));
}

/** Compiles a checked program; falls back to the interpreter when code cannot be generated. */
export function compile(program: CheckedProgram, options: CompileOptions = {}): CompiledEbpf {
  const interpreted = (reason: string): CompiledEbpf => {
    let last = 0n;
    const run: RunEbpf = (input, regions = NO_REGIONS) => {
      last = interpret(program, input, { regions, ...(options.helpers && { helpers: options.helpers }), ...(options.budget !== undefined && { budget: options.budget }) });
      return last;
    };
    return {
      run,
      run32: (input, regions) => Number(BigInt.asUintN(32, run(input, regions))),
      high: () => Number(BigInt.asUintN(64, last) >> 32n),
      source: '',
      accelerated: false,
      reason,
    };
  };
  if (options.accelerate === false) return interpreted('accelerate: false');
  let source: string;
  let entries: [RunEbpf32, RunEbpf];
  const rt = new Runtime(options.helpers);
  // The slow half of every run32 that cannot reuse the last run's state: checks the caller's
  // arguments (fail closed: a typed error, never a crash) and points the runtime at them.
  const prepare = (input: unknown, regions: unknown): void => {
    // `length`, not `byteLength`: the same number for a Uint8Array, and V8 inlines only the former.
    if (!(input instanceof Uint8Array) || input.length > 0x7fffffff) throw new EbpfRunError('bad_input', -1, 'the input must be a Uint8Array of less than 2 GiB');
    rt.enter(input, regions);
  };
  const join = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo);
  try {
    source = generate(program, options);
    const members: Record<(typeof RUNTIME_NAMES)[number], unknown> = {
      T: rt.T, imul: Math.imul, mulhi, ld8: rt.ld8, ld16: rt.ld16, ld32: rt.ld32, ld64: rt.ld64, st8: rt.st8, st16: rt.st16,
      st32: rt.st32, st64: rt.st64, atomic: rt.atomic, ldpkt: rt.ldpkt, helper: rt.helper, udiv64: rt.udiv64,
      umod64: rt.umod64, sdiv64: rt.sdiv64, smod64: rt.smod64, shl64: rt.shl64, shr64: rt.shr64, sar64: rt.sar64,
      depth_error: rt.depth, budget_error: rt.budget, region: rt.region, R: rt, prepare, join,
    };
    const factory = new Function(...RUNTIME_NAMES, source) as (...args: unknown[]) => [RunEbpf32, RunEbpf];
    entries = factory(...RUNTIME_NAMES.map((n) => members[n]));
  } catch (error) {
    if (error instanceof CodegenError) throw error; // a generator bug, not a property of the program
    return interpreted(`code generation failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const [run32, run] = entries;
  const T = rt.T;
  const high = (): number => T.hi >>> 0;
  return { run, run32, high, source, accelerated: true };
}
