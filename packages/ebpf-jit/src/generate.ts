/**
 * The generated code of one program, as ESTree through @ea/codegen's checked builders: one
 * function per local-call target, the specialised entry, and the entries run32 and run. compile()
 * wraps it in a factory for `new Function`; toModule() (module.ts) in a standalone ES module.
 */
import {
  array, assign, bin, call, declare, exprStmt, fnDecl, ifElse, logical, nullLiteral, print, program as script, ret, u32, undefinedValue,
} from '@ea/codegen';
import { type CheckedProgram, type Insn, REGION_CTX, REGION_STACK, STACK_BYTES } from '@ea/ebpf';
import type * as ES from 'estree';
import { Emitter } from './emit.js';
import { calleeState, entryState } from './known.js';
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

/** Collects every identifier name in generated statements (read, written or called). */
function namesIn(nodes: readonly ES.Node[]): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
    } else if (value !== null && typeof value === 'object') {
      const node = value as { type?: string; name?: string };
      if (node.type === 'Identifier' && node.name !== undefined) names.add(node.name);
      for (const v of Object.values(value)) visit(v);
    }
  };
  visit(nodes);
  return names;
}

/**
 * Declares, with their initial values, only the locals a function's body mentions (a register or
 * scratch local the program never touches is left out, for readable code); no statement when none.
 */
function declareUsed(locals: readonly [ES.Identifier, ES.Expression][], body: readonly ES.Statement[]): ES.Statement[] {
  const used = namesIn(body);
  const kept = locals.filter(([name]) => used.has(name.name));
  return kept.length === 0 ? [] : [declare('let', kept)];
}

/** Returns whether an instruction reads or writes register r (as dst, src or callx's register). */
function mentions(insn: Insn, r: number): boolean {
  if ('dst' in insn && insn.dst === r) return true;
  if (insn.kind === 'callx') return insn.reg === r;
  if (!('src' in insn)) return false;
  return typeof insn.src === 'number' ? insn.src === r : 'reg' in insn.src && insn.src.reg === r;
}

/**
 * Says what a run's setup must look at, from the instructions the program has: `memory`, whether it
 * reads its input at all (a memory access, a call, a legacy packet load, or any use of r2, the
 * length); `stack`, whether a run can leave the stack written (a store, an atomic, a helper);
 * `stop`, whether it reads `T.stop` (a helper or a legacy packet load can end the program).
 */
export function setupNeeds(program: CheckedProgram): { memory: boolean; stack: boolean; stop: boolean } {
  const has = (...kinds: Insn['kind'][]): boolean => program.insns.some((insn) => insn !== undefined && kinds.includes(insn.kind));
  return {
    memory: has('ldx', 'st', 'stx', 'atomic', 'ldabs', 'ldind', 'call', 'callx', 'call_local') || program.insns.some((insn) => insn !== undefined && mentions(insn, 2)),
    stack: has('st', 'stx', 'atomic', 'call', 'callx'),
    stop: has('call', 'callx', 'ldabs', 'ldind'),
  };
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
  const functions = entries.map((pc) => {
    const body = functionStatements(emitter, scope, program.insns, pc, calleeState());
    return fnDecl(id(`f${pc}`), PARAMS.map(id), [...declareUsed(frame(id('depth')), body), ...body]);
  });
  const registers = REGISTERS.map((name): [ES.Identifier, ES.Expression] => [id(name), name === 'r1h' ? u32(REGION_CTX) : name === 'r2l' ? id('cl') : u32(0)]);
  const entryBody = functionStatements(emitter, scope, program.insns, 0, entryState());
  const entry = fnDecl(id('entry'), [id('cv'), id('cl')], [
    ...(options.budget === undefined ? [] : [assign(id('steps'), u32(0))]),
    ...declareUsed([...registers, [id('depth'), u32(0)], ...frame(u32(0))], entryBody),
    ...entryBody,
  ]);
  // run32: the input the last run was set up for (lastInput, with its view and length) again,
  // without regions, needs no setup. Otherwise prepare checks the input and regions (a typed
  // error, fail closed) and points the core at them. The reuse test asks only what the program
  // can see: the input's length when it reads memory or r2 (a length-tracking array can change),
  // the stack's state when a run can write it. A program that looks at neither (ret1) checks only
  // that the input is the array it already accepted.
  const needs = setupNeeds(program);
  const [S, input, regions, T] = [id('S'), id('input'), id('regions'), id('T')];
  const [lastInput, ctxView, ctxLength] = [id('lastInput'), id('ctxView'), id('ctxLength')];
  let reuse: ES.Expression = logical('||', bin('!==', input, lastInput), bin('!==', regions, undefinedValue()));
  if (needs.memory) reuse = logical('||', reuse, bin('!==', member(input, 'length'), ctxLength));
  if (needs.stack) reuse = logical('||', reuse, member(S, 'stackDirty'));
  const run32 = fnDecl(id('run32'), [input, regions], [
    ifElse(reuse, [
      exprStmt(call(id('prepare'), [input, regions])),
      ifElse(bin('===', regions, undefinedValue()), [assign(lastInput, input)], [assign(lastInput, S)]),
      assign(ctxView, member(S, 'ctx')),
      assign(ctxLength, member(S, 'ctxLength')),
    ]),
    ...(needs.stop ? [assign(member(T, 'stop'), u32(0))] : []),
    ret(bin('>>>', call(id('entry'), [ctxView, ctxLength]), u32(0))),
  ]);
  const run = fnDecl(id('run'), [input, regions], [ret(call(id('join'), [call(id('run32'), [input, regions]), member(T, 'hi')]))]);
  // lastInput starts as (and returns to) S, an object no caller holds, so that no input, not even
  // null, passes the reuse test before prepare has accepted it. `var`, not `let`: V8 checks a
  // closure's read of an outer `let` for its temporal dead zone on every read, and run32 reads
  // these on every run (ret1: 2.8 -> 2.3 ns per run, measured here).
  const state = declare('var', [[id('steps'), u32(0)], [lastInput, S], [ctxView, nullLiteral()], [ctxLength, u32(0)]]);
  return { statements: [state, ...functions, entry, run32, run], id };
}

