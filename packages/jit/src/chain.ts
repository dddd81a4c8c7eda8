/**
 * compileChain(): a stack of verified seccomp (or EA) filters compiled into ONE generated
 * function with the kernel's precedence rules inside it, as seccomp_run_filters evaluates them
 * (kernel/seccomp.c): every filter runs, newest first, on the same seccomp_data; a result
 * replaces the running one only when its action part, as a signed 32-bit number, is strictly
 * lower, so ties go to the newest filter; the running result starts as ALLOW. On x86_64 the
 * native-ABI uretprobe/uprobe calls (335/336) bypass every filter on the kernels that have that
 * rule (chainBypass in @ea/seccomp: 335 from 6.14, 336 from 6.18; docs/kernel-facts.md).
 *
 * `runChain` (@ea/seccomp) calls each filter through one generic loop: that call site sees
 * every filter and V8 turns it megamorphic. Here each filter's body is inlined as its own
 * block (`filter: { ... R = value; break filter; }`, its registers block-scoped), followed by
 * the precedence test, so V8 optimises the whole stack as one function.
 */
import type * as ES from 'estree';
import { AUDIT_ARCH_X86_64, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_KILL_PROCESS } from '@ea/bpf';
import {
  Scope, assign, bin, block, bool, call, CodegenError, declare, exprStmt, fnDecl, ifElse, labelled, lineComment, logical, print,
  program as script, ret, tryCatch, u32, withComments,
} from '@ea/codegen';
import { type EngineOptions, InterpreterError, imageSize, prepare } from '@ea/interpreter';
import { chainBypass, runChain } from '@ea/seccomp';
import type { VerifiedProgram } from '@ea/verifier';
import { member } from './access.js';
import { dataViewIsPristine, generateOptions } from './compile.js';
import { HELPERS, LOCALS } from './emit.js';
import type { Generated, GenerateOptions } from './generate.js';
import { programBody, registerLocals } from './generate.js';
import * as runtime from './runtime.js';

/** Options of compileChain(). */
export interface ChainOptions extends EngineOptions {
  /** false: do not generate code, run runChain over the interpreter (`accelerated` is false). */
  readonly accelerate?: boolean;
  /** Fewest tests on A turned into one dispatch (default 4), as in compile(). */
  readonly minSwitch?: number;
  /**
   * The kernel release whose rules the chain follows ("6.13", "6.18.0-1-amd64", "newest"; the
   * newest by default): which x86_64 calls bypass every filter (@ea/seccomp's chainBypass).
   * A release @ea/seccomp cannot model is SeccompError UNKNOWN_KERNEL.
   */
  readonly kernel?: string;
}

/** What compileChain() returns. */
export interface CompiledChain {
  /** The final u32 the kernel acts on for this seccomp_data (nr and arch read from the view). */
  readonly run: (view: DataView) => number;
  /** The generated factory body (empty when nothing was generated). */
  readonly source: string;
  /** Whether `run` is generated code (false: runChain over the interpreter). */
  readonly accelerated: boolean;
  /** Why `run` is the interpreter, when it is. */
  readonly reason?: string;
}

const CHAIN_PROFILES: ReadonlySet<string> = new Set(['seccomp', 'ea']);

/**
 * Generates `function run(view) {...}` for the chain (`programs` oldest first); `bypass` are
 * the native x86_64 numbers that skip every filter (chainBypass).
 */
export function generateChain(programs: readonly VerifiedProgram[], opts: GenerateOptions, bypass: readonly number[]): Generated {
  const scope = new Scope();
  for (const n of [...LOCALS, ...HELPERS, 'run', 'R', 'best', 'filter']) scope.declare(n);
  const id = (n: string): ES.Identifier => scope.id(n);
  const view = id('view');
  const used = new Set<string>(['slow']);
  const tables: Generated['tables'][number][] = [];
  // The view must hold what every filter reads; checked once, by the probe below.
  let need = 64;
  for (const p of programs) need = Math.max(need, imageSize(p));
  const stmts: ES.Statement[] = [exprStmt(call(member(view, 'getUint8'), [u32(need - 1, 'offset')]))];
  if (programs.length === 0) {
    // seccomp_run_filters with no filter: fail closed (runChain does the same).
    stmts.push(ret(u32(SECCOMP_RET_KILL_PROCESS, 'imm')));
  } else {
    const word = (k: number): ES.Expression => call(member(view, 'getUint32'), [u32(k, 'offset'), bool(opts.little)]);
    let hardwired: ES.Expression | null = null;
    for (const nr of bypass) {
      const is = bin('===', word(0), u32(nr));
      hardwired = hardwired === null ? is : logical('||', hardwired, is);
    }
    if (hardwired !== null) {
      const skip = ifElse(logical('&&', bin('===', word(4), u32(AUDIT_ARCH_X86_64, 'imm')), hardwired), [ret(u32(SECCOMP_RET_ALLOW, 'imm'))]);
      stmts.push(withComments(skip, [lineComment(`x86_64 calls ${bypass.join(', ')} bypass every filter on this kernel`)]));
    }
    stmts.push(declare('let', [[id('R'), u32(0)], [id('best'), u32(SECCOMP_RET_ALLOW, 'imm')]]));
    const rank = (e: ES.Expression): ES.Expression => bin('&', e, u32(SECCOMP_RET_ACTION_FULL, 'imm'));
    for (let i = programs.length - 1; i >= 0; i--) {
      const program = programs[i] as VerifiedProgram;
      const plan = { profile: program.profile, little: opts.little, guarded: true, batch: false, chained: true, tablePrefix: `t${i}_` } as const;
      const { emit, body } = programBody(program, opts, scope, plan);
      const last = body[body.length - 1];
      if (last?.type === 'BreakStatement' && last.label?.name === 'filter') body.pop();
      for (const h of emit.used) used.add(h);
      tables.push(...emit.tables);
      const inner = [...registerLocals(emit, scope, []), labelled(id('filter'), body)];
      stmts.push(withComments(block(inner), [lineComment(`filter ${i} (${program.insns.length} instructions)`)]));
      // `&` yields a signed 32-bit number: KILL_PROCESS ranks lowest, as in seccomp_run_filters.
      stmts.push(ifElse(bin('<', rank(id('R')), rank(id('best'))), [assign(id('best'), id('R'))]));
    }
    stmts.push(ret(id('best')));
  }
  const head: ES.Statement[] = [];
  if (used.has('len')) head.push(declare('const', [[id('len'), member(view, 'byteLength')]]));
  const attempt = tryCatch([...head, ...stmts], [ret(call(id('slow'), [view]))]);
  const entry = withComments(attempt, [lineComment(`entry: the view must hold ${need} bytes`)]);
  const helpers = HELPERS.filter((h) => used.has(h));
  return { fn: fnDecl(id('run'), [view], [entry]), helpers, tables };
}

/** Returns the factory body of a chain and what it takes, like factorySource(). */
export function chainFactorySource(
  programs: readonly VerifiedProgram[],
  options: ChainOptions = {},
): { source: string; helpers: readonly string[]; tables: Generated['tables'] } {
  const gen = generateChain(programs, generateOptions(options), chainBypass(options.kernel));
  const scope = new Scope();
  scope.declare('run');
  const body = script('script', [gen.fn, ret(scope.id('run'))]);
  return { source: `${print(body)}//# sourceURL=ea-jit/chain-${programs.length}.js\n`, helpers: gen.helpers, tables: gen.tables };
}

/**
 * Compiles a chain of verified seccomp/EA filters, oldest (first installed) first, into one
 * function with runChain's results. Falls back to runChain over the interpreter when code cannot
 * be generated (`new Function` forbidden by a Content-Security-Policy, DataView.prototype
 * modified, `accelerate: false`), and says so in `accelerated` and `reason`.
 */
export function compileChain(programs: readonly VerifiedProgram[], options: ChainOptions = {}): CompiledChain {
  if (!Array.isArray(programs)) throw new TypeError('compileChain takes an array of verified programs');
  for (const [i, p] of programs.entries()) {
    if (!CHAIN_PROFILES.has(p?.profile)) {
      throw new InterpreterError('WRONG_PROFILE', `compileChain: filter ${i} is a ${String(p?.profile)} program, not seccomp or ea`);
    }
  }
  const opts = generateOptions(options); // option errors are the caller's, not a reason to fall back
  const kernel = options.kernel;
  chainBypass(kernel); // an unknown release too
  const filters = programs.map((p) => {
    const it = prepare(p, options);
    return (view: DataView): number => it.run(view);
  });
  let need = 64;
  for (const p of programs) need = Math.max(need, imageSize(p));
  // The interpreter's chain: a short view or a non-DataView is the typed BAD_INPUT error first.
  const slow = (view: DataView): number => {
    runtime.checkView(view, need);
    return runChain(filters, view, { arch: view.getUint32(4, opts.little), nr: view.getUint32(0, opts.little) }, kernel);
  };
  const fallback = (reason: string, source = ''): CompiledChain => ({ run: slow, source, accelerated: false, reason });
  if (options.accelerate === false) return fallback('accelerate: false');
  if (!dataViewIsPristine()) return fallback('DataView.prototype was modified');
  let source = '';
  try {
    const factory = chainFactorySource(programs, options);
    source = factory.source;
    const values: Record<string, unknown> = { ...runtime, slow };
    const args = [...factory.helpers.map((h) => values[h]), ...factory.tables.map((t) => t.slots)];
    const params = [...factory.helpers, ...factory.tables.map((t) => t.name)];
    const FunctionCtor = globalThis.Function;
    const run = new FunctionCtor(...params, source)(...args) as (view: DataView) => number;
    return { run, source, accelerated: true };
  } catch (error) {
    if (error instanceof CodegenError) throw error;
    return fallback(error instanceof Error ? `${error.name}: ${error.message}` : String(error), source);
  }
}
