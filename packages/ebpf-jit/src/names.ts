/**
 * The names generated code uses, declared once: registers as int32 pairs (`r3l`, `r3h`), the
 * scratch locals, the runtime's members (factory parameters), and function and label names.
 */
import { memberBuilder, Scope } from '@ea/codegen';
import type * as ES from 'estree';

/** Lists the runtime members the factory receives, in parameter order. */
export const RUNTIME_NAMES = [
  'T', 'imul', 'mulhi', 'ld8', 'ld16', 'ld32', 'ld16be', 'ld32be', 'ld64', 'st8', 'st16', 'st32', 'st64', 'atomic', 'ldpkt', 'helper',
  'udiv64', 'umod64', 'sdiv64', 'smod64', 'shl64', 'shr64', 'sar64', 'depth_error', 'budget_error', 'region',
  'S', 'prepare', 'join',
] as const;
/** Names one runtime member. */
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

/** Lists the registers r0-r9 as pairs, the parameters of a local call's function. */
export const REGISTERS = Array.from({ length: 10 }, (_, r) => [`r${r}l`, `r${r}h`]).flat();

/**
 * Lists the parameters of a function a local call enters: the registers, the call depth, and the
 * context's view and length (parameters rather than closure variables, so reads of them in hot
 * code are register reads).
 */
export const PARAMS = [...REGISTERS, 'depth', 'cv', 'cl'];

/** Returns a scope with every fixed name declared. */
export function newScope(): Scope {
  const scope = new Scope();
  for (const name of [...RUNTIME_NAMES, ...PARAMS, 'r10l', 'r10h', 't', 'c', 'pc', 'top', 'steps', 'entry', 'run32', 'run', 'input', 'regions', 'lastInput', 'ctxView', 'ctxLength']) scope.declare(name);
  return scope;
}

/**
 * Builds `T.hi`, `T.stop`, the core state's `S.ctx`, `S.ctxLength`, `S.stackDirty` and the
 * input's `length`: the only members generated code touches.
 */
export const member: (object: ES.Expression, name: string) => ES.MemberExpression = memberBuilder(['hi', 'stop', 'ctx', 'ctxLength', 'stackDirty', 'length']);

/** Builds `cv.getUint8` and its kin: the context view's accessors the inline bounds-checked path calls. */
export const view: (object: ES.Expression, name: string) => ES.MemberExpression = memberBuilder([
  'getUint8', 'getUint16', 'getInt32', 'setUint8', 'setUint16', 'setInt32',
]);
