/**
 * compile() and toModule(): a verified program to a specialized JavaScript function. The
 * generated text is printed by astring from the checked ESTree (generate.ts) and instantiated
 * with `new Function`; every helper enters as a factory parameter, never as source text. Where
 * `new Function` is forbidden (Content-Security-Policy) or switched off, `run` is the
 * interpreter and `accelerated` says so.
 */
import type * as ES from 'estree';
import {
  array, bool, CodegenError, call, declare, exportNamed, importFrom, print, program as script, ret, Scope, u32,
} from '@ea/codegen';
import { type EngineOptions, type Interpreter, type PacketContext, prepare } from '@ea/interpreter';
import { runsOnPackets, type VerifiedProgram } from '@ea/verifier';
import { TABLE_NAME } from './access.js';
import { HELPERS } from './emit.js';
import { generateBatch } from './batch.js';
import { type Generated, generateRun, type GenerateOptions } from './generate.js';
import * as runtime from './runtime.js';
import type { RunBatch } from './runtime.js';

/** A compiled filter's entry point: the interpreter's `run` signature. */
export type RunFilter = (input: DataView | PacketContext) => number;

export type { RunBatch };

/** Options of compile() and toModule(). */
export interface CompileOptions extends EngineOptions {
  /** false: do not generate code, run the interpreter (`accelerated` is false). */
  readonly accelerate?: boolean;
  /** Interpret the first N runs, then compile (for filters that run only a few times). */
  readonly tierAfter?: number;
  /** Fewest tests on A (jeq/jgt/jge regions, regions.ts) turned into one dispatch (default 4). */
  readonly minSwitch?: number;
  /**
   * Socket programs: run a branch-free form of the program (if-conversion, ifconvert.ts) ahead of
   * the ordinary code, for traffic whose branches mispredict: true always (programs of up to 64
   * reachable instructions), false never; default (undefined) for programs of up to 8
   * instructions. Measured over 27 filters (benchmarks/README.md): on unpredictable traffic the
   * branch-free form halves the cost of 4-6 instruction filters and gains 0-20% above 8; on
   * traffic the predictor learns (the resident workload replays the same 2,000 packets) plain
   * branches win everywhere, by ~10% below 8 instructions and 2-3x above.
   */
  readonly ifConvert?: boolean | undefined;
}

/** What compile() returns. */
export interface Compiled {
  readonly run: RunFilter;
  /**
   * Socket programs: `run` over many packets in one call, the loop inside the generated code
   * (generated on first use; the interpreter's loop when code cannot be generated).
   * Other profiles throw InterpreterError 'WRONG_PROFILE'.
   */
  readonly runBatch: RunBatch;
  /** The generated batch factory: empty until runBatch first ran, and when it is the interpreter. */
  readonly batchSource: string;
  /** The generated factory body (empty when nothing was generated). */
  readonly source: string;
  /** Whether `run` is generated code (false: the interpreter runs). */
  readonly accelerated: boolean;
  /** Why `run` is the interpreter, when it is. */
  readonly reason?: string;
}

// The intrinsics the generated code calls through the view; captured when this module loads
// so that compile() can refuse to accelerate if someone replaced them since.
const DATAVIEW_METHODS = ['getUint8', 'getUint16', 'getUint32'] as const;
const pristine = DATAVIEW_METHODS.map((m) => DataView.prototype[m]);
const pristineByteLength = Object.getOwnPropertyDescriptor(DataView.prototype, 'byteLength')?.get;

/** Tells whether the DataView methods generated code calls are still the ones present at load. */
export function dataViewIsPristine(): boolean {
  return (
    DATAVIEW_METHODS.every((m, i) => DataView.prototype[m] === pristine[i]) &&
    Object.getOwnPropertyDescriptor(DataView.prototype, 'byteLength')?.get === pristineByteLength
  );
}

/** Checks the public options and returns the code generator's. */
export function generateOptions(options: CompileOptions): GenerateOptions {
  const minSwitch = options.minSwitch ?? 4;
  if (!Number.isInteger(minSwitch) || minSwitch < 2) throw new RangeError('minSwitch must be an integer >= 2');
  return { little: (options.endian ?? 'le') === 'le', minSwitch, ifConvert: options.ifConvert };
}

const PROFILES: ReadonlySet<string> = new Set(['socket', 'seccomp', 'ea', 'libpcap']);

/** FNV-1a over the instructions: a stable name for the sourceURL, the same for the same program. */
function programHash(program: VerifiedProgram): string {
  let h = 0x811c9dc5;
  const mix = (v: number): void => {
    h = Math.imul(h ^ v, 0x01000193) >>> 0;
  };
  for (const i of program.insns) {
    mix(i.code);
    mix(i.jt);
    mix(i.jf);
    mix(i.k & 0xffff);
    mix(i.k >>> 16);
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * Returns the factory body and the helpers it takes, for a program: the factory returns `run`,
 * or with `entry: 'runBatch'` (socket programs) the loop over a PacketBatch.
 */
export function factorySource(
  program: VerifiedProgram,
  options: CompileOptions & { readonly entry?: 'run' | 'runBatch' } = {},
): { source: string; helpers: readonly string[]; tables: Generated['tables'] } {
  if (!PROFILES.has(program.profile)) throw new CodegenError('unknown profile');
  const entry = options.entry ?? 'run';
  const gen = entry === 'run' ? generateRun(program, generateOptions(options), 'run', true) : generateBatch(program, generateOptions(options));
  const scope = new Scope();
  scope.declare(entry);
  const body = script('script', [gen.fn, ret(scope.id(entry))]);
  const url = `ea-jit/${program.profile}-${entry === 'run' ? '' : 'batch-'}${programHash(program)}.js`;
  return { source: `${print(body)}//# sourceURL=${url}\n`, helpers: gen.helpers, tables: gen.tables };
}

/**
 * Returns why a program runs only in the interpreter, or null: libpcap-profile programs with
 * backward jumps (the structurer knows only forward jumps; the interpreter's libpcap loop runs
 * them and counts their budget).
 */
function interpreterOnly(program: VerifiedProgram): string | null {
  return program.backwardJumps ? 'a libpcap-profile program with backward jumps runs in the interpreter' : null;
}

/** Compiles a verified program to a specialized function, falling back to the interpreter. */
export function compile(program: VerifiedProgram, options: CompileOptions = {}): Compiled {
  // The interpreter serves the fallbacks and the generated code's slow path (a short view). It
  // is prepared on first use: most compiled filters never need it, and decoding a long program
  // is a good part of compiling it (a tenth at 4,096 instructions). A `budget` is checked by
  // prepare(), so a caller's bad option still throws here.
  let prepared: Interpreter | undefined;
  const interpreter = (): Interpreter => {
    prepared ??= prepare(program, options);
    return prepared;
  };
  if (options.budget !== undefined) interpreter();
  const interpret: RunFilter = (input) => interpreter().run(input);
  const interpretBatch: RunBatch = (batch, results) => interpreter().runBatch(batch, results);
  if (options.accelerate === false) {
    return { run: interpret, runBatch: interpretBatch, batchSource: '', source: '', accelerated: false, reason: 'accelerate: false' };
  }
  const unsupported = interpreterOnly(program);
  if (unsupported !== null) {
    generateOptions(options);
    return { run: interpret, runBatch: interpretBatch, batchSource: '', source: '', accelerated: false, reason: unsupported };
  }
  generateOptions(options); // option errors are the caller's, not a reason to fall back
  const tier = options.tierAfter ?? 0;
  if (!Number.isInteger(tier) || tier < 0) throw new RangeError('tierAfter must be a non-negative integer');
  const batch = lazyBatch(program, options, interpreter);
  const runBatch = batch.run;
  if (tier === 0) {
    return {
      ...build(program, options, interpret),
      runBatch,
      get batchSource() {
        return batch.source();
      },
    };
  }
  // Tiering: the interpreter serves the first `tier` runs, then the compiled code takes over.
  let left = tier;
  let compiled: Omit<Compiled, 'runBatch' | 'batchSource'> | undefined;
  let fast: RunFilter = interpret;
  const run: RunFilter = (input) => {
    if (compiled === undefined) {
      if (left > 0) {
        left -= 1;
        return interpret(input);
      }
      compiled = build(program, options, interpret);
      fast = compiled.run;
    }
    return fast(input);
  };
  return {
    run,
    runBatch,
    get batchSource() {
      return batch.source();
    },
    get source() {
      return compiled?.source ?? '';
    },
    get accelerated() {
      return compiled?.accelerated ?? false;
    },
  };
}

/** What instantiate() made of a factory: the function, or why there is none. */
type Instance<F> =
  | { readonly fn: F; readonly source: string; readonly helpers: readonly string[] }
  | { readonly fn: null; readonly source: string; readonly reason: string };

/** Generates a factory and calls it with the runtime helpers (and `slow`). */
function instantiate<F>(
  program: VerifiedProgram,
  options: CompileOptions,
  entry: 'run' | 'runBatch',
  slow: RunFilter,
): Instance<F> {
  if (!dataViewIsPristine()) return { fn: null, source: '', reason: 'DataView.prototype was modified' };
  let source = '';
  try {
    const factory = factorySource(program, { ...options, entry });
    source = factory.source;
    const values: Record<string, unknown> = { ...runtime, slow };
    // Helpers, then the dispatch tables (data we made, passed in: never source text).
    const args = [...factory.helpers.map((h) => values[h]), ...factory.tables.map((t) => t.slots)];
    const params = [...factory.helpers, ...factory.tables.map((t) => t.name)];
    // Looked up at call time, so a Content-Security-Policy (or a test) can take it away.
    const FunctionCtor = globalThis.Function;
    const make = new FunctionCtor(...params, source) as (...helpers: unknown[]) => F;
    return { fn: make(...args), source, helpers: factory.helpers };
  } catch (error) {
    if (error instanceof CodegenError) throw error;
    // EvalError under CSP; RangeError when a huge program nests deeper than the stack allows.
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { fn: null, source, reason: why };
  }
}

function build(program: VerifiedProgram, options: CompileOptions, interpret: RunFilter): Omit<Compiled, 'runBatch' | 'batchSource'> {
  const made = instantiate<RunFilter>(program, options, 'run', interpret);
  if (made.fn === null) return { run: interpret, source: made.source, accelerated: false, reason: made.reason };
  return { run: made.fn, source: made.source, accelerated: true };
}

/**
 * Returns runBatch: generated on first use (most callers never batch), the interpreter's loop
 * when generation fails, WRONG_PROFILE from the interpreter for seccomp/EA programs. The batch is
 * checked here, so the generated loop only ever indexes typed arrays long enough for `count`.
 */
function lazyBatch(
  program: VerifiedProgram,
  options: CompileOptions,
  interpreter: () => Interpreter,
): { readonly run: RunBatch; readonly source: () => string } {
  let fast: RunBatch | null | undefined;
  let source = '';
  const run: RunBatch = (batch, results) => {
    if (fast === undefined) {
      if (!runsOnPackets(program.profile)) return interpreter().runBatch(batch, results);
      const made = instantiate<runtime.BatchLoop>(program, options, 'runBatch', (input) => interpreter().run(input));
      fast = made.fn === null ? null : runtime.batchEntry(made.fn, made.helpers.includes('moveContext'));
      if (made.fn !== null) source = made.source;
    }
    return fast === null ? interpreter().runBatch(batch, results) : fast(batch, results);
  };
  return { run, source: () => source };
}

/** Options of toModule(). */
export interface ModuleOptions extends CompileOptions {
  /** Where the module imports its helpers from (default '@ea/jit/runtime'). */
  readonly runtime?: string;
}

/**
 * Returns a standalone ES module exporting `run` (and `runBatch` for socket programs), for
 * ahead-of-time use where `new Function` is forbidden. It imports only the helpers it calls. Seccomp/EA inputs shorter than the largest
 * absolute load run a second generated function that reads through the zero-fill helper.
 */
export function toModule(program: VerifiedProgram, options: ModuleOptions = {}): string {
  const unsupported = interpreterOnly(program);
  if (unsupported !== null) throw new CodegenError(unsupported);
  const spec = options.runtime ?? '@ea/jit/runtime';
  // The caller's mistake, not a codegen bug: checked before anything is built.
  try {
    importFrom([], spec);
  } catch {
    throw new RangeError('runtime must be a plain module specifier');
  }
  const gopts = generateOptions(options);
  // The module's top level: its own functions and constants, and the helpers it imports.
  const top = new Scope();
  for (const name of ['run', 'runBatch', 'batchEntry', 'batchLoop', 'table', ...HELPERS]) top.declare(name);
  const id = (name: string): ES.Identifier => top.id(name);
  const main = generateRun(program, gopts, 'run', true);
  const fns: (ES.Statement | ES.ModuleDeclaration)[] = [];
  const helpers = new Set<string>(main.helpers);
  // Dispatch tables become module constants: `const t0 = table([0, 1, 1, 2, ...]);` (numbers only).
  const addTables = (tables: Generated['tables']): void => {
    for (const t of tables) {
      if (!TABLE_NAME.test(t.name)) throw new CodegenError(`bad table name ${JSON.stringify(t.name)}`);
      helpers.add('table');
      fns.push(declare('const', [[id(top.declare(t.name)), call(id('table'), [array([...t.slots].map((v) => u32(v)))])]]));
    }
  };
  addTables(main.tables);
  if (helpers.has('slow')) {
    const slow = generateRun(program, gopts, 'slow', false);
    for (const h of slow.helpers) helpers.add(h);
    addTables(slow.tables);
    fns.push(slow.fn);
    helpers.delete('slow');
  }
  fns.push(exportNamed(main.fn));
  if (runsOnPackets(program.profile)) {
    // `export const runBatch = batchEntry(batchLoop, needsContext);`: the runtime checks the batch.
    const loop = generateBatch(program, gopts, 'batchLoop');
    for (const h of loop.helpers) helpers.add(h);
    addTables(loop.tables);
    helpers.add('batchEntry');
    const entry = call(id('batchEntry'), [id('batchLoop'), bool(loop.helpers.includes('moveContext'))]);
    fns.push(loop.fn, exportNamed(declare('const', [[id('runBatch'), entry]])));
  }
  const imports = helpers.size === 0 ? [] : [importFrom([...helpers].map(id), spec)];
  const mod = script('module', [...imports, ...fns]);
  const head = `// Generated by @ea/jit from a verified ${program.profile} program of ${program.insns.length} instructions.\n`;
  return head + print(mod);
}
