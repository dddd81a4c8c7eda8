/**
 * compile(): a checked eBPF program to a JavaScript function. The code is built as ESTree through
 * @ea/codegen's checked builders, printed by astring and instantiated with `new Function`; the
 * runtime enters as factory parameters, never as text. Where code cannot be generated (a
 * Content-Security-Policy forbids `new Function`, or `accelerate: false`), `run` is the
 * interpreter and `accelerated` says so.
 */
import { CodegenError } from '@ea/codegen';
import { assertCheckedProgram, type BoundEbpf, bindRegions, type CheckedProgram, type HelperRegistry, interpret, windowLength } from '@ea/ebpf';
import { generate, type GenerateOptions } from './generate.js';
import { RUNTIME_NAMES } from './names.js';
import { Runtime } from './runtime.js';

/** Options of compile(). */
export interface CompileOptions extends GenerateOptions {
  /** Helpers by id (none by default). */
  readonly helpers?: HelperRegistry;
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
  /** Binds regions 1.. (@ea/ebpf's bound.ts) for runs that give only the input and region 0; `high` above also gives their r0's high half. */
  readonly bind: (rest: readonly Uint8Array[]) => BoundEbpf;
  /** Whether `run` is generated code. */
  readonly accelerated: boolean;
  /** Why `run` is the interpreter, when it is. */
  readonly reason?: string;
}

/** Compiles a checked program; falls back to the interpreter when code cannot be generated. */
export function compile(program: CheckedProgram, options: CompileOptions = {}): CompiledEbpf {
  assertCheckedProgram(program, 'compile');
  const interpreted = (reason: string): CompiledEbpf => {
    let last = 0n;
    const run: RunEbpf = (input, regions = NO_REGIONS) => {
      last = interpret(program, input, { regions, ...(options.helpers && { helpers: options.helpers }), ...(options.budget !== undefined && { budget: options.budget }) });
      return last;
    };
    const run32: RunEbpf32 = (input, regions) => Number(BigInt.asUintN(32, run(input, regions)));
    return {
      run,
      run32,
      high: () => Number(BigInt.asUintN(64, last) >> 32n),
      bind: (rest) => {
        const list = bindRegions(rest).list.slice();
        return {
          run32: (input, data, offset = 0, length) => {
            const n = windowLength(data, offset, length);
            list[0] = data.subarray(offset, offset + n);
            return run32(input, list);
          },
          high: () => Number(BigInt.asUintN(64, last) >> 32n),
        };
      },
      source: '',
      accelerated: false,
      reason,
    };
  };
  if (options.accelerate === false) return interpreted('accelerate: false');
  let source: string;
  let entries: [RunEbpf32, RunEbpf];
  const rt = new Runtime(options.helpers);
  const c = rt.core;
  try {
    source = generate(program, options);
    const members: Record<(typeof RUNTIME_NAMES)[number], unknown> = {
      T: c.T, imul: Math.imul, mulhi: c.mulhi, ld8: c.ld8, ld16: c.ld16, ld32: c.ld32, ld16be: c.ld16be, ld32be: c.ld32be, ld64: c.ld64, st8: c.st8, st16: c.st16,
      st32: c.st32, st64: c.st64, atomic: c.atomic, ldpkt: c.ldpkt, helper: rt.helper, udiv64: c.udiv64,
      umod64: c.umod64, sdiv64: c.sdiv64, smod64: c.smod64, shl64: c.shl64, shr64: c.shr64, sar64: c.sar64,
      depth_error: c.depth, budget_error: c.budget, region: c.region, S: c.state, prepare: c.prepare, join: c.join,
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
  const bind = (rest: readonly Uint8Array[]): BoundEbpf => {
    const binding = bindRegions(rest);
    const regions = binding as unknown as Uint8Array[]; // the core's enter() recognises the binding select() prepared
    return {
      run32: (input, data, offset = 0, length) => {
        c.select(binding, data, offset, windowLength(data, offset, length));
        return run32(input, regions);
      },
      high,
    };
  };
  return { run, run32, high, bind, source, accelerated: true };
}
