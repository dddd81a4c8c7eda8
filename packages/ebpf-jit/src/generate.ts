/**
 * The generated code of one program, as ESTree through @ea/codegen's checked builders: one
 * function per local-call target, the specialised entry, and the entries run32 and run. compile()
 * wraps it in a factory for `new Function`; toModule() (module.ts) in a standalone ES module.
 */
import {
  array, assign, bin, call, declare, exprStmt, fnDecl, ifElse, not, print, program as script, ret, u32,
} from '@ea/codegen';
import { type CheckedProgram, REGION_CTX, REGION_STACK, STACK_BYTES } from '@ea/ebpf';
import type * as ES from 'estree';
import { Emitter } from './emit.js';
import { member, newScope, PARAMS, REGISTERS } from './names.js';
import { functionStatements } from './structure.js';

/** What shapes the generated code. */
export interface GenerateOptions {
  /** Instructions a run may execute before a `budget` error (default: unlimited). */
  readonly budget?: number;
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
export function generate(program: CheckedProgram, options: GenerateOptions = {}): string {
  const { statements, id } = generateStatements(program, options);
  return print(script('script', [...statements, ret(array([id('run32'), id('run')]))]));
}

/**
 * Builds the statements of the generated code (without the factory's `return`, which a
 * standalone module replaces by exports) and the scope's identifier lookup.
 */
export function generateStatements(program: CheckedProgram, options: GenerateOptions = {}): { statements: ES.Statement[]; id: (name: string) => ES.Identifier } {
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
  // run32: the last run's input again at the same length, no regions and a clean stack (ready)
  // needs no setup; anything else goes through prepare (checks the input and regions, points the
  // core at them). S is the core's state: the context's view and length.
  const [S, input, regions, T] = [id('S'), id('input'), id('regions'), id('T')];
  const run32 = fnDecl(id('run32'), [input, regions], [
    ifElse(not(call(id('ready'), [input, regions])), [exprStmt(call(id('prepare'), [input, regions]))]),
    assign(member(T, 'stop'), u32(0)),
    ret(bin('>>>', call(id('entry'), [member(S, 'ctx'), member(S, 'ctxLength')]), u32(0))),
  ]);
  const run = fnDecl(id('run'), [input, regions], [ret(call(id('join'), [call(id('run32'), [input, regions]), member(T, 'hi')]))]);
  return { statements: [declare('let', [[id('steps'), u32(0)]]), ...functions, entry, run32, run], id };
}

