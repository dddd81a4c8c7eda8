/**
 * Builds the ESTree of a compiled filter: the analysis (flow.ts), the structured control flow
 * (structure.ts) and the instruction code (emit.ts) put together into one `run` function, with
 * its locals declared and its entry checks in place.
 */
import type * as ES from 'estree';
import type { KnownInsn } from '@ea/bpf';
import { runsOnPackets, type VerifiedProgram } from '@ea/verifier';
import { analyse } from './flow.js';
import { InsnEmitter, HELPERS, LOCALS, type LoadPlan, mayExitNonZero } from './emit.js';
import { isPlainPacketLoad, plainLoadEnd } from './lower.js';
import {
  Scope, assign, bin, call, declare, exprStmt, fnDecl, ifElse, lineComment, logical,
  not, optional, ret, toU32, tryCatch, u32, withComments,
} from '@ea/codegen';
import { imageSize } from '@ea/interpreter';
import { member } from './access.js';
import type { Slots } from './dispatch.js';
import { ifConvert, ifConvertMinLength } from './ifconvert.js';
import { structure } from './structure.js';

/** Code generation options (the public ones are in compile.ts). */
export interface GenerateOptions {
  readonly little: boolean;
  /** Fewest chained `jeq` tests that become a decision tree. */
  readonly minSwitch: number;
  /**
   * Socket programs: run the branch-free form first (ifconvert.ts): always (true), never (false),
   * or undefined for programs of up to IF_CONVERT_DEFAULT instructions.
   */
  readonly ifConvert: boolean | undefined;
}

/** A generated function and what it needs from outside. */
export interface Generated {
  readonly fn: ES.FunctionDeclaration;
  /** Helpers (factory parameters or module imports) the function refers to. */
  readonly helpers: readonly string[];
  /** Dispatch tables it reads (factory parameters, or module constants), by name. */
  readonly tables: readonly { readonly name: string; readonly slots: Slots }[];
}

/** Analyses a program and emits its body under `plan`; `scope` must declare every name it may use. */
export function programBody(program: VerifiedProgram, opts: GenerateOptions, scope: Scope, plan: LoadPlan): { emit: InsnEmitter; body: ES.Statement[] } {
  // Socket and libpcap programs read packets (libpcap's far loads check the length themselves).
  const socket = runsOnPackets(plan.profile);
  for (let i = 0; i < 16; i++) scope.declare(`M${i}`);
  const flow = analyse(program.insns, {
    profile: plan.profile,
    // Seccomp/EA absolute loads are checked once at entry (or read through loadImageWord);
    // plain packet loads are covered by their stretch's hoisted check.
    pureAbsLoad: (ins: KnownInsn) => !socket || isPlainPacketLoad(ins),
    minSwitch: opts.minSwitch,
    loadEnd: (ins: KnownInsn) => (socket ? plainLoadEnd(ins) : 0),
    mayExitNonZero: (ins: KnownInsn) => socket && mayExitNonZero(ins),
  });
  const emit = new InsnEmitter(flow, scope, plan);
  return { emit, body: structure(flow, scope, emit) };
}

/**
 * The size up to which socket programs get the branch-free form by default. Measured on the
 * ten-filter resident set (benchmarks/README.md): when every pass replays the same packets,
 * the branch predictor learns each packet's outcome and branches win everywhere (runBatch
 * geomean 3.7 vs 6.2 ns/packet over 27 filters); when each pass runs the same packets in a new
 * order, the branch-free form wins (7.6 vs 9.0), by 2x on filters of 4-6 instructions and by
 * 0-20% (or losing) above 8. Up to 8 it costs ~10% on replayed traffic and halves the cost on
 * unpredictable traffic; above, branches cost at most ~20% on unpredictable traffic and save
 * 2-3x on replayed (or bursty) traffic.
 */
const IF_CONVERT_DEFAULT = 8;

/**
 * Returns the branch-free form of a small socket program (ifconvert.ts), to run ahead of the ordinary
 * code: `if (len >= minLength) { ...; <exit with the result> }` (the exit guarded by `esc === 0`
 * when a negative indirect offset can escape), or null when the program does not qualify or
 * `opts.ifConvert` (by default: its size) says no.
 */
export function branchFree(
  program: VerifiedProgram,
  opts: GenerateOptions,
  scope: Scope,
  emit: InsnEmitter,
  wire: () => ES.Identifier,
): ES.Statement | null {
  const insns = program.insns as readonly KnownInsn[];
  if (!(opts.ifConvert ?? insns.length <= IF_CONVERT_DEFAULT)) return null;
  // ifconvert.ts has the kernel's shift counts; libpcap's differ (emit.ts).
  const libpcap = program.profile === 'libpcap';
  if (libpcap && insns.some((i) => i.kind === 'alu' && i.src === 'x' && (i.op === 'lsh' || i.op === 'rsh'))) return null;
  const minLength = ifConvertMinLength(insns);
  if (minLength === null) return null;
  const names = { view: scope.id('view'), base: emit.id('base'), len: scope.id('len'), wire, imul: () => emit.id('imul'), libpcap };
  const p = ifConvert(insns, scope, names);
  const done = emit.exit(p.result, p.nonZero ?? undefined);
  withComments(done[0] as ES.Statement, p.comments);
  const tail = p.escape === null ? done : [ifElse(bin('===', p.escape, u32(0)), done)];
  return ifElse(bin('>=', scope.id('len'), u32(minLength, 'offset')), [...p.stmts, ...tail]);
}

/** Declares `let A = 0, X = 0, ..., M3 = 0;` for the registers and cells the body uses. */
export function registerLocals(emit: InsnEmitter, scope: Scope, extra: readonly string[]): ES.Statement[] {
  const locals: [ES.Identifier, ES.Expression][] = [];
  for (const r of ['A', 'X', 'T', ...extra]) if (emit.used.has(r)) locals.push([scope.id(r), u32(0)]);
  for (const k of [...emit.cells].sort((a, b) => a - b)) locals.push([scope.id(`M${k}`), u32(0)]);
  return locals.length > 0 ? [declare('let', locals)] : [];
}

/** Generates `function <name>(view | input) {...}`; `guarded` as in LoadPlan. */
export function generateRun(
  program: VerifiedProgram,
  opts: GenerateOptions,
  name: 'run' | 'slow',
  guarded: boolean,
): Generated {
  const profile = program.profile;
  const socket = runsOnPackets(profile);
  const scope = new Scope();
  for (const n of [...LOCALS, ...HELPERS, name]) scope.declare(n);
  const plan: LoadPlan = { profile, little: opts.little, guarded, batch: false, tablePrefix: name === 'slow' ? 'u' : 't' };
  const { emit, body } = programBody(program, opts, scope, plan);

  // Socket `run`: the branch-free form first when the packet holds every absolute load, as in runBatch.
  let usesWire = false;
  if (socket && name === 'run') {
    scope.declare('wire');
    const first = branchFree(program, opts, scope, emit, () => {
      usesWire = true;
      return scope.id('wire');
    });
    if (first !== null) body.unshift(first);
  }

  const head: ES.Statement[] = [];
  const param = socket ? 'input' : 'view';
  if (socket) {
    // `input?.data`, so undefined or null reaches a typed error: the interpreter's (run, below) or
    // packetLength's (the unguarded copy of a standalone module).
    const view = optional(member(scope.id('input'), 'data'));
    head.push(declare('const', [[scope.id('view'), view]]));
    if (name === 'run') {
      // Not a PacketContext (a DataView, say): the interpreter throws its typed error.
      head.push(ifElse(not(scope.id('view')), [ret(call(scope.id('slow'), [scope.id('input')]))]));
      emit.used.add('slow');
    }
  }
  // The verifier's bound, widened by our own scan so a direct read can never throw.
  let entry = program.maxLoadEnd;
  for (const ins of program.insns) if (ins.kind === 'ld_abs') entry = Math.max(entry, ins.k + 4);
  // Seccomp/EA: the view must hold imageSize bytes (64, or the EA header and every absolute load),
  // whatever path the program takes: a short view is the caller's error, never a verdict.
  const need = socket ? 0 : imageSize(program);
  const guard = !socket && guarded;
  if (socket) {
    // The packet is `len` bytes at `base` in the view; packetLength throws the interpreter's
    // typed error when offset/length do not lie inside it, so no read can leave the packet.
    const id = (n: string): ES.Identifier => scope.id(n);
    const offset = logical('??', member(id('input'), 'offset'), u32(0));
    const measured = call(id('packetLength'), [id('input')]);
    emit.used.add('packetLength');
    if (name === 'run') {
      // Both given as integers, the length non-zero: reading the packet's last byte proves it lies
      // inside the view (the read throws otherwise, and the slow path gives the typed error),
      // cheaper than packetLength's byteLength, which node 20 calls out of line.
      const u32Int = (e: ES.Identifier): ES.Expression => bin('===', toU32(e), e);
      const given = logical('&&', logical('&&', u32Int(id('base')), u32Int(id('len'))), bin('>', id('len'), u32(0)));
      const last = call(member(id('view'), 'getUint8'), [bin('-', bin('+', id('base'), id('len')), u32(1))]);
      const probe = tryCatch([exprStmt(last)], [ret(call(id('slow'), [id('input')]))]);
      head.push(
        declare('let', [[id('base'), member(id('input'), 'offset')], [id('len'), member(id('input'), 'length')]]),
        ifElse(given, [probe], [assign(id('len'), measured), assign(id('base'), offset)]),
      );
    } else {
      head.push(declare('const', [[id('len'), measured]]));
      if (emit.used.has('base')) head.push(declare('const', [[id('base'), offset]]));
    }
    if (usesWire) {
      // The interpreter's `ld #len`: ctx.wireLength when given, else the bytes we hold; as u32.
      head.push(declare('const', [[scope.id('wire'), toU32(logical('??', member(scope.id('input'), 'wireLength'), scope.id('len')))]]));
    }
  } else if (emit.used.has('len')) {
    head.push(declare('const', [[scope.id('len'), member(scope.id('view'), 'byteLength')]]));
  }
  if (!socket && !guarded) {
    // The unguarded copy (toModule's `slow`) is reached only when the guarded one threw: the
    // runtime's checkView throws the interpreter's typed error for a short view or a non-DataView.
    head.unshift(exprStmt(call(scope.id('checkView'), [scope.id('view'), u32(need, 'offset')])));
    emit.used.add('checkView');
  }
  let main = body;
  if (guard) {
    // Loads read the view directly: on a view shorter than `need` (or no DataView at all) the
    // probe throws before any of them, and the slow path throws the interpreter's typed error.
    // Cheaper than testing byteLength, which node 20 does not inline.
    // The probe of the view's last needed byte throws first for a short view or a non-DataView
    // (undefined, a Uint8Array), so no such input can reach a return: the slow path throws.
    const probe = exprStmt(call(member(scope.id('view'), 'getUint8'), [u32(need - 1, 'offset')]));
    const attempt = tryCatch([probe, ...body], [ret(call(scope.id('slow'), [scope.id('view')]))]);
    main = [withComments(attempt, [lineComment(`entry: the view must hold ${need} bytes (absolute loads end by ${entry})`)])];
    emit.used.add('slow');
  }
  head.push(...registerLocals(emit, scope, []));
  const helpers = HELPERS.filter((h) => emit.used.has(h));
  return { fn: fnDecl(scope.id(name), [scope.id(param)], [...head, ...main]), helpers, tables: emit.tables };
}
