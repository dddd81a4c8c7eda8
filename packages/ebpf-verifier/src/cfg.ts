/**
 * The control-flow checks the kernel makes before any value tracking (check_subprogs and
 * check_cfg in kernel/bpf/verifier.c): subprograms start at pc 0 and at every local call's
 * target; a jump must stay inside its subprogram; a subprogram's last instruction must be an exit
 * or a jump; every instruction must be reachable in the graph (calls reach their targets). Also
 * the prune points: where state pruning compares the path's state with the states already
 * verified there (jump targets and the instructions after branches and calls).
 */
import { branchTarget, type Insn } from '@ea/ebpf';
import { EbpfVerifierError } from './errors.js';

/** Is the program's structure as the abstract interpreter needs it. */
export interface Cfg {
  /** Subprogram start pcs, ascending; the first is 0. */
  readonly subprogs: readonly number[];
  /** 1 where the state is checked against the states already verified there. */
  readonly prunePoints: Uint8Array;
}

/** Checks the structure of a decoded program (slot-indexed, second lddw halves undefined). */
export function checkCfg(insns: readonly (Insn | undefined)[]): Cfg {
  const n = insns.length;
  const starts = new Set<number>([0]);
  insns.forEach((insn, pc) => {
    if (insn?.kind !== 'call_local') return;
    const target = pc + 1 + insn.off;
    if (target < 0 || target >= n) throw new EbpfVerifierError('jump_out_of_range', pc, `call to invalid destination ${target}`);
    starts.add(target);
  });
  const subprogs = [...starts].sort((a, b) => a - b);
  subprogs.forEach((start, i) => {
    const end = subprogs[i + 1] ?? n;
    for (let pc = start; pc < end; pc++) {
      const insn = insns[pc];
      if (insn === undefined || insn.kind === 'call_local') continue;
      const target = branchTarget(insn, pc);
      if (target !== null && (target < start || target >= end)) throw new EbpfVerifierError('jump_out_of_range', pc, `jump out of range from insn ${pc} to ${target}`);
      if (target !== null && insns[target] === undefined) throw new EbpfVerifierError('jump_out_of_range', pc, `jump into the middle of ldimm64 insn ${target - 1}`);
    }
    let last = end - 1;
    if (insns[last] === undefined) last--;
    const tail = insns[last];
    if (tail === undefined || (tail.kind !== 'exit' && tail.kind !== 'ja')) throw new EbpfVerifierError('last_insn', last, 'last insn is not an exit or jmp');
  });
  const prunePoints = new Uint8Array(n);
  const seen = new Uint8Array(n);
  const work = [...subprogs.slice(0, 1)];
  seen[0] = 1;
  const visit = (pc: number): void => {
    if (pc < n && seen[pc] === 0) {
      seen[pc] = 1;
      work.push(pc);
    }
  };
  while (work.length > 0) {
    const pc = work.pop()!;
    const insn = insns[pc]!;
    const next = pc + (insn.kind === 'lddw' ? 2 : 1);
    if (insn.kind === 'exit') continue;
    const target = branchTarget(insn, pc);
    if (target !== null) {
      prunePoints[target] = 1;
      visit(target);
    }
    if (insn.kind === 'ja') continue;
    if (insn.kind === 'jmp' || insn.kind === 'call_local') prunePoints[next] = 1;
    visit(next);
  }
  for (let pc = 0; pc < n; pc++) {
    if (insns[pc] !== undefined && seen[pc] === 0) throw new EbpfVerifierError('unreachable', pc, `unreachable insn ${pc}`);
  }
  return { subprogs, prunePoints };
}
