/**
 * compile(): a checked eBPF program to a JavaScript function. The code is built as ESTree through
 * @ea/codegen's checked builders, printed by astring and instantiated with `new Function`; the
 * runtime enters as factory parameters, never as text. Where code cannot be generated (a
 * Content-Security-Policy forbids `new Function`, or `accelerate: false`), `run` is the
 * interpreter and `accelerated` says so.
 */
import {
  assign, bin, call, CodegenError, declare, fnDecl, nullLiteral, print, program as script, ret, u32,
} from '@ea/codegen';
import { type CheckedProgram, EbpfRunError, type HelperRegistry, interpret } from '@ea/ebpf';
import type * as ES from 'estree';
import { Emitter } from './emit.js';
import { newScope, PARAMS, RUNTIME_NAMES } from './names.js';
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

/** Generates the factory body: one function per entry and `entry(len)`. */
export function generate(program: CheckedProgram, options: CompileOptions = {}): string {
  const scope = newScope();
  const entries = functionEntries(program);
  const fname = (pc: number): string => scope.declare(`f${pc}`);
  for (const pc of entries) fname(pc);
  const emitter = new Emitter(scope, options.budget, fname);
  const id = (name: string): ES.Identifier => scope.id(name);
  const functions = entries.map((pc) => {
    const locals = declare('let', [
      [id('r10l'), bin('-', u32(4096), bin('<<', id('depth'), u32(9)))],
      [id('r10h'), u32(2)],
      [id('t'), u32(0)],
      [id('c'), u32(0)],
      [id('pc'), u32(0)],
    ]);
    return fnDecl(id(`f${pc}`), PARAMS.map(id), [locals, ...functionStatements(emitter, scope, program.insns, pc)]);
  });
  const args = PARAMS.map((name): ES.Expression => (name === 'r1h' ? u32(1) : name === 'r2l' ? id('len') : u32(0)));
  // cv/cl: the context's view and length, for the inline bounds check of loads and stores (access.ts).
  const entry = fnDecl(id('entry'), [id('len'), id('cv0')], [
    assign(id('steps'), u32(0)), assign(id('cv'), id('cv0')), assign(id('cl'), id('len')), ret(call(id('f0'), args)),
  ]);
  const body: ES.Statement[] = [declare('let', [[id('steps'), u32(0)], [id('cv'), nullLiteral()], [id('cl'), u32(0)]]), ...functions, entry, ret(id('entry'))];
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
  let entry: (len: number, view: DataView) => number;
  const rt = new Runtime(options.helpers);
  try {
    source = generate(program, options);
    const members: Record<(typeof RUNTIME_NAMES)[number], unknown> = {
      T: rt.T, imul: Math.imul, mulhi, ld8: rt.ld8, ld16: rt.ld16, ld32: rt.ld32, ld64: rt.ld64, st8: rt.st8, st16: rt.st16,
      st32: rt.st32, st64: rt.st64, atomic: rt.atomic, ldpkt: rt.ldpkt, helper: rt.helper, udiv64: rt.udiv64,
      umod64: rt.umod64, sdiv64: rt.sdiv64, smod64: rt.smod64, shl64: rt.shl64, shr64: rt.shr64, sar64: rt.sar64,
      depth_error: rt.depth, budget_error: rt.budget, region: rt.region,
    };
    const factory = new Function(...RUNTIME_NAMES, source) as (...args: unknown[]) => (len: number, view: DataView) => number;
    entry = factory(...RUNTIME_NAMES.map((n) => members[n]));
  } catch (error) {
    if (error instanceof CodegenError) throw error; // a generator bug, not a property of the program
    return interpreted(`code generation failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const T = rt.T;
  const run32: RunEbpf32 = (input, regions = NO_REGIONS) => {
    // `length`, not `byteLength`: the same number for a Uint8Array, and V8 inlines only the former.
    if (!(input instanceof Uint8Array) || input.length > 0x7fffffff) throw new EbpfRunError('bad_input', -1, 'the input must be a Uint8Array of less than 2 GiB');
    return entry(input.length, rt.enter(input, regions)) >>> 0;
  };
  const high = (): number => T.hi >>> 0;
  const run: RunEbpf = (input, regions = NO_REGIONS) => {
    const lo = run32(input, regions);
    return (BigInt(T.hi >>> 0) << 32n) | BigInt(lo);
  };
  return { run, run32, high, source, accelerated: true };
}
