/**
 * Which registers may still be read at each instruction, by a backward data-flow pass over the
 * control-flow graph (the static counterpart of the kernel's REG_LIVE_READ marks). State pruning
 * ignores a register nobody reads any more: its value cannot change what the rest of the path does.
 * Calls read r1-r5 and write r0-r5; an exit reads r0.
 */
import { assertNever, branchTarget, type Insn } from '@ea/ebpf';

const ARGS = 0b111110;
const CALLER_SAVED = 0b111111;
const bit = (r: number): number => 1 << r;

/** Returns the registers an instruction reads and writes, as bit masks. */
function useDef(insn: Insn): [number, number] {
  switch (insn.kind) {
    case 'alu': {
      const src = 'reg' in insn.src ? bit(insn.src.reg) : 0;
      return [insn.op === 'mov' ? src : src | bit(insn.dst), bit(insn.dst)];
    }
    case 'neg':
    case 'end':
      return [bit(insn.dst), bit(insn.dst)];
    case 'movsx':
      return [bit(insn.src), bit(insn.dst)];
    case 'ldx':
      return [bit(insn.src), bit(insn.dst)];
    case 'st':
      return [bit(insn.dst), 0];
    case 'stx':
      return [bit(insn.dst) | bit(insn.src), 0];
    case 'atomic': {
      const use = bit(insn.dst) | bit(insn.src) | (insn.op === 'cmpxchg' ? 1 : 0);
      return [use, insn.op === 'cmpxchg' ? 1 : insn.fetch ? bit(insn.src) : 0];
    }
    case 'lddw':
      return [0, bit(insn.dst)];
    case 'ldabs':
      return [bit(6), CALLER_SAVED];
    case 'ldind':
      return [bit(6) | bit(insn.src), CALLER_SAVED];
    case 'ja':
      return [0, 0];
    case 'jmp':
      return [bit(insn.dst) | ('reg' in insn.src ? bit(insn.src.reg) : 0), 0];
    case 'call':
    case 'call_local':
      return [ARGS, CALLER_SAVED];
    case 'callx':
      return [ARGS | bit(insn.reg), CALLER_SAVED];
    case 'exit':
      return [1, 0];
    default:
      return assertNever(insn);
  }
}

/** Returns, for each pc, the registers that may be read from there on (bit r set for register r). */
export function liveRegisters(insns: readonly (Insn | undefined)[]): Uint16Array {
  const n = insns.length;
  const liveIn = new Uint16Array(n);
  const preds: number[][] = Array.from({ length: n }, () => []);
  insns.forEach((insn, pc) => {
    if (insn === undefined || insn.kind === 'exit') return;
    const target = insn.kind === 'call_local' ? null : branchTarget(insn, pc);
    if (target !== null && target >= 0 && target < n) preds[target]!.push(pc);
    const next = pc + (insn.kind === 'lddw' ? 2 : 1);
    if (insn.kind !== 'ja' && next < n) preds[next]!.push(pc);
  });
  const work: number[] = [];
  for (let pc = 0; pc < n; pc++) if (insns[pc] !== undefined) work.push(pc);
  const queued = new Uint8Array(n).fill(1);
  while (work.length > 0) {
    const pc = work.pop()!;
    queued[pc] = 0;
    const insn = insns[pc]!;
    let out = 0;
    if (insn.kind !== 'exit') {
      const target = insn.kind === 'call_local' ? null : branchTarget(insn, pc);
      if (target !== null) out |= liveIn[target] ?? 0;
      if (insn.kind !== 'ja') out |= liveIn[pc + (insn.kind === 'lddw' ? 2 : 1)] ?? 0;
    }
    const [use, def] = useDef(insn);
    const live = (out & ~def) | use | bit(10);
    if (live !== liveIn[pc]) {
      liveIn[pc] = live;
      for (const p of preds[pc]!) {
        if (queued[p] === 0) {
          queued[p] = 1;
          work.push(p);
        }
      }
    }
  }
  return liveIn;
}
