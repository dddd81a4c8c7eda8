/**
 * Control flow of one generated function. A function is what a local call enters (pc 0 and every
 * `call local` target): the instructions reachable from its entry by falling through and jumping,
 * compiled into its own JavaScript function, so r6-r9 and r10 are its own locals and the call
 * stack is JavaScript's. Forward-only code becomes nested labelled blocks, one per jump target,
 * and a jump is `break L<target>` (the classic JIT's shape). A function with a backward jump (a
 * bounded loop) becomes a loop around a switch over its jump targets: a jump sets `pc` and
 * continues the loop, so loops run as loops without a dispatch per instruction.
 */
import { assign, brk, cont, labelled, lineComment, type Scope, switchOn, u32, withComments } from '@ea/codegen';
import { formatInsn, type Insn } from '@ea/ebpf';
import type * as ES from 'estree';
import type { Emitter } from './emit.js';
import { analyse, type KnownState } from './known.js';

/** Returns the pcs of the function entered at `entry`, ascending, and whether it jumps backward. */
export function functionBody(insns: readonly (Insn | undefined)[], entry: number): { pcs: number[]; targets: Set<number>; backward: boolean } {
  const seen = new Set<number>();
  const targets = new Set<number>();
  let backward = false;
  const work = [entry];
  while (work.length > 0) {
    const pc = work.pop()!;
    if (seen.has(pc)) continue;
    seen.add(pc);
    const insn = insns[pc]!;
    const next = pc + (insn.kind === 'lddw' ? 2 : 1);
    if (insn.kind === 'ja' || insn.kind === 'jmp') {
      const target = pc + 1 + insn.off;
      if (target <= pc) backward = true;
      targets.add(target); // even the next instruction: a conditional jump there still breaks to it
      work.push(target);
    }
    if (insn.kind !== 'exit' && insn.kind !== 'ja') work.push(next);
  }
  return { pcs: [...seen].sort((a, b) => a - b), targets, backward };
}

/**
 * Returns the loads whose value the next instruction byte-swaps in place: `ldxh` then `be16` (or
 * `bswap16`), `ldxw` then `be32` (or `bswap32`), on the same register, the swap not a jump target
 * (so it runs only after the load). The load then reads big-endian and the swap emits nothing.
 */
export function bigEndianLoads(insns: readonly (Insn | undefined)[], pcs: readonly number[], targets: ReadonlySet<number>): Set<number> {
  const out = new Set<number>();
  for (const pc of pcs) {
    const load = insns[pc];
    const swap = insns[pc + 1];
    if (load?.kind !== 'ldx' || load.signed || (load.size !== 'h' && load.size !== 'w')) continue;
    if (swap?.kind !== 'end' || swap.order === 'le' || swap.dst !== load.dst || targets.has(pc + 1)) continue;
    if (swap.bits === (load.size === 'h' ? 16 : 32)) out.add(pc);
  }
  return out;
}

/** Builds the statements of one function's code; `initial` is what is known at its entry. */
export function functionStatements(emitter: Emitter, scope: Scope, insns: readonly (Insn | undefined)[], entry: number, initial: KnownState): ES.Statement[] {
  const { pcs, targets, backward } = functionBody(insns, entry);
  const bigEndian = bigEndianLoads(insns, pcs, targets);
  emitter.begin({ before: analyse(insns, entry, pcs, targets, backward, initial), bigEndian });
  const comment = (pc: number): ES.Comment =>
    lineComment(`${pc}: ${formatInsn(insns[pc]!)}${bigEndian.has(pc - 1) ? ` (done by ${pc - 1}'s big-endian load)` : ''}`);
  const attach = (stmts: ES.Statement[], pending: ES.Comment[], out: ES.Statement[]): ES.Comment[] => {
    if (stmts.length === 0) return pending;
    out.push(withComments(stmts[0]!, pending), ...stmts.slice(1));
    return [];
  };
  if (!backward) {
    let current: ES.Statement[] = [];
    let pending: ES.Comment[] = [];
    const jump = (target: number): ES.Statement[] => [brk(scope.id(scope.label(target)))];
    for (const pc of pcs) {
      if (targets.has(pc)) current = [labelled(scope.id(scope.label(pc)), current)];
      pending = attach(emitter.emit(insns[pc]!, pc, jump), [...pending, comment(pc)], current);
    }
    return current;
  }
  const pcVar = scope.id('pc');
  const top = scope.id('top');
  const jump = (target: number): ES.Statement[] => [assign(pcVar, u32(target)), cont(top)];
  const cases: [number, ES.Statement[]][] = [];
  let pending: ES.Comment[] = [];
  for (const pc of pcs) {
    if (cases.length === 0 || targets.has(pc) || pc === entry) cases.push([pc, []]);
    pending = attach(emitter.emit(insns[pc]!, pc, jump), [...pending, comment(pc)], cases[cases.length - 1]![1]);
  }
  const loop: ES.ForStatement = { type: 'ForStatement', init: null, test: null, update: null, body: { type: 'BlockStatement', body: [switchOn(pcVar, cases)] } };
  return [assign(pcVar, u32(entry)), labelled(top, loop)];
}
