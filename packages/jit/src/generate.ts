/**
 * Builds the ESTree of a compiled filter: the analysis (flow.ts), the structured control flow
 * (structure.ts) and the instruction code (emit.ts) put together into one `run` function, with
 * its locals declared and its entry checks in place.
 */
import type * as ES from 'estree';
import type { KnownInsn } from '@ea/bpf';
import type { VerifiedProgram } from '@ea/verifier';
import { analyse } from './flow.js';
import { InsnEmitter, HELPERS, LOCALS, isPlainPacketLoad, mayExitNonZero, plainLoadEnd } from './emit.js';
import {
  Scope, bin, call, declare, fnDecl, ifElse, logical, member, ret, u32, withComments, lineComment,
} from './estree.js';
import { structure } from './structure.js';

/** Code generation options (the public ones are in compile.ts). */
export interface GenerateOptions {
  readonly little: boolean;
  /** Fewest chained `jeq` tests that become a decision tree. */
  readonly minSwitch: number;
}

/** A generated function and what it needs from outside. */
export interface Generated {
  readonly fn: ES.FunctionDeclaration;
  /** Helpers (factory parameters or module imports) the function refers to. */
  readonly helpers: readonly string[];
}

/** Generates `function <name>(view | input) {...}`; `guarded` as in LoadPlan. */
export function generateRun(
  program: VerifiedProgram,
  opts: GenerateOptions,
  name: 'run' | 'slow',
  guarded: boolean,
): Generated {
  const profile = program.profile;
  const scope = new Scope();
  for (const n of [...LOCALS, ...HELPERS, name]) scope.declare(n);
  for (let i = 0; i < 16; i++) scope.declare(`M${i}`);
  const socket = profile === 'socket';
  const flow = analyse(program.insns, {
    profile,
    // Seccomp/EA absolute loads are checked once at entry (or read through loadImageWord);
    // plain packet loads are covered by their stretch's hoisted check.
    pureAbsLoad: (ins: KnownInsn) => !socket || isPlainPacketLoad(ins),
    minSwitch: opts.minSwitch,
    loadEnd: (ins: KnownInsn) => (socket ? plainLoadEnd(ins) : 0),
    mayExitNonZero: (ins: KnownInsn) => socket && mayExitNonZero(ins),
  });
  const emit = new InsnEmitter(flow, scope, { profile, little: opts.little, guarded });
  const body = structure(flow, scope, emit);

  const head: ES.Statement[] = [];
  const param = socket ? 'input' : 'view';
  if (socket) {
    head.push(declare('const', [[scope.id('view'), member(scope.id('input'), 'data')]]));
    if (name === 'run') {
      // Not a PacketContext (a DataView, say): the interpreter throws its typed error.
      const missing: ES.Expression = { type: 'UnaryExpression', operator: '!', prefix: true, argument: scope.id('view') };
      head.push(ifElse(missing, [ret(call(scope.id('slow'), [scope.id('input')]))]));
      emit.used.add('slow');
    }
  }
  // The verifier's bound, widened by our own scan so a direct read can never throw.
  let entry = program.maxLoadEnd;
  for (const ins of program.insns) if (ins.kind === 'ld_abs') entry = Math.max(entry, ins.k + 4);
  const guard = !socket && guarded && entry > 0;
  if (socket) {
    // The packet is `len` bytes at `base` in the view; packetLength throws the interpreter's
    // typed error when offset/length do not lie inside it, so no read can leave the packet.
    head.push(declare('const', [[scope.id('len'), call(scope.id('packetLength'), [scope.id('input')])]]));
    emit.used.add('packetLength');
    if (emit.used.has('base')) {
      const offset = logical('??', member(scope.id('input'), 'offset'), u32(0));
      head.push(declare('const', [[scope.id('base'), offset]]));
    }
  } else if (emit.used.has('len') || guard) {
    head.push(declare('const', [[scope.id('len'), member(scope.id('view'), 'byteLength')]]));
  }
  if (guard) {
    // Short (or not a DataView at all): the exact slow path decides, zero-filling or throwing.
    const enough = bin('>=', scope.id('len'), u32(entry));
    head.push(
      withComments(
        ifElse({ type: 'UnaryExpression', operator: '!', prefix: true, argument: enough }, [
          ret(call(scope.id('slow'), [scope.id('view')])),
        ]),
        [lineComment(`entry: every absolute load lies below ${entry}`)],
      ),
    );
    emit.used.add('slow');
  }
  const locals: [ES.Identifier, ES.Expression][] = [];
  for (const r of ['A', 'X', 'T']) if (emit.used.has(r)) locals.push([scope.id(r), u32(0)]);
  for (const k of [...emit.cells].sort((a, b) => a - b)) locals.push([scope.id(`M${k}`), u32(0)]);
  if (locals.length > 0) head.push(declare('let', locals));
  const helpers = HELPERS.filter((h) => emit.used.has(h));
  return { fn: fnDecl(scope.id(name), [scope.id(param)], [...head, ...body]), helpers };
}
