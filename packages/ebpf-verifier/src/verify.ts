/**
 * The walk (do_check and is_state_visited in kernel/bpf/verifier.c): every path from the entry is
 * interpreted over abstract states, one instruction at a time; a conditional jump whose outcome is
 * not known forks the path (the taken side waits on a stack). At prune points the state is
 * compared with the states already verified there: one that covers it ends the path (it is safe),
 * one still being explored that equals it is an infinite loop. Loops therefore terminate when
 * their bound is provable — each turn differs until the exit branch is the only one — and an
 * unprovable loop runs out of the instruction budget ("BPF program is too large"), as in the kernel.
 */
import { assertNever, type DecodedProgram, type Insn, SIZE_BYTES } from '@ea/ebpf';
import { checkAccess } from './access.js';
import { checkAlu, loadedBounds } from './alu.js';
import { branchTaken, immOperand, NEGATE, narrow, pointerCompare, setScalar } from './branch.js';
import { checkHelperCall, enterCall, leave } from './call.js';
import { checkCfg } from './cfg.js';
import { liveRegisters } from './liveness.js';
import { EbpfVerifierError } from './errors.js';
import { mayLdAbs } from './context.js';
import { BPF_COMPLEXITY_LIMIT_INSNS, BPF_COMPLEXITY_LIMIT_JMP_SEQ, Machine, type VerifyOptions } from './machine.js';
import { known, scalarMovsx, UNKNOWN } from './scalar.js';
import { copyFrame, copyState, isPointer, newFrame, NOT_INIT, pointer, type Reg, scalar, type Snapshot, type State, statesCovered, statesIdentical } from './state.js';

/** What a successful verification measured. */
export interface VerifyStats {
  /** Instructions processed over all paths (the kernel's "processed N insns"). */
  readonly processed: number;
  /** States kept at prune points. */
  readonly states: number;
}

interface Pending {
  readonly state: State;
  readonly pc: number;
}

/** Returns the initial registers of a program type. */
function entryState(m: Machine): State {
  const frame = newFrame(-1, 0, 0);
  if (m.progType === 'raw') {
    const size = m.options.memSize ?? 0;
    frame.regs[1] = pointer('mem', { map: size });
    frame.regs[2] = scalar(known(BigInt(size)));
  } else frame.regs[1] = pointer('ctx');
  return { frames: [frame], parent: null };
}

/** update_branch_counts: a path ended; states with no path left under them become complete. */
function endPath(parent: Snapshot | null): void {
  for (let s = parent; s !== null; s = s.parent) {
    s.branches--;
    if (s.branches > 0) return;
  }
}

/** Walks a decoded program; throws EbpfVerifierError at the first refusal. */
export function walk(program: DecodedProgram, options: VerifyOptions = {}): VerifyStats {
  const insns = program.insns;
  const cfg = checkCfg(insns);
  const liveIn = liveRegisters(insns);
  const m = new Machine(options, options.progType ?? 'raw', options.maps ?? [], options.privileged ?? true);
  const budget = options.budget ?? BPF_COMPLEXITY_LIMIT_INSNS;
  const explored = new Map<number, Snapshot[]>();
  const pending: Pending[] = [];
  let processed = 0;
  let states = 0;
  let jumps = 0;
  let lastAdd = { processed: 0, jumps: 0 };
  m.state = entryState(m);
  let pc: number | null = 0;
  // The registers each frame still reads: the top frame's at pc; a caller's after its call
  // returns, less r0-r5 (r0 is the callee's result, r1-r5 become unreadable).
  const liveAt = (frame: number): number => {
    const frames = m.state.frames;
    if (frame === frames.length - 1) return liveIn[pc!]!;
    return liveIn[frames[frame + 1]!.callsite + 1]! & ~0b111111;
  };
  for (;;) {
    if (pc === null) {
      endPath(m.state.parent);
      const next = pending.pop();
      if (next === undefined) return { processed, states };
      m.state = next.state;
      pc = next.pc;
    }
    m.pc = pc;
    if (++processed > budget) m.fail('too_large', `BPF program is too large. Processed ${processed} insn`);
    if (cfg.prunePoints[pc] === 1) {
      let list = explored.get(pc) ?? [];
      let pruned = false;
      for (const seen of list) {
        if (seen.branches === 0 ? statesCovered(seen.frames, m.state.frames, liveAt) : false) {
          seen.hits++;
          pruned = true;
          break;
        }
        if (seen.branches > 0 && statesIdentical(seen.frames, m.state.frames)) m.fail('infinite_loop', `infinite loop detected at insn ${pc}`);
        seen.misses++;
      }
      if (pruned) {
        pc = null;
        continue;
      }
      // is_state_visited's eviction: a state that keeps missing is unlikely to prune anything.
      list = list.filter((seen) => seen.misses <= seen.hits * 3 + 3);
      explored.set(pc, list);
      // And its thrift: a new state is kept only after 2 jumps and 8 instructions since the last.
      const add = jumps - lastAdd.jumps >= 2 && processed - lastAdd.processed >= 8;
      if (!add) {
        step1();
        continue;
      }
      lastAdd = { processed, jumps };
      const snapshot: Snapshot = { frames: m.state.frames.map(copyFrame), branches: 1, parent: m.state.parent, hits: 0, misses: 0 };
      list.push(snapshot);
      explored.set(pc, list);
      m.state.parent = snapshot;
      states++;
    }
    step1();
  }
  function step1(): void {
    const insn = insns[pc!];
    if (insn === undefined) throw new EbpfVerifierError('unsupported', pc!, `invalid insn at ${pc}`);
    if (insn.kind === 'jmp' || insn.kind === 'ja' || insn.kind === 'call' || insn.kind === 'call_local' || insn.kind === 'exit') jumps++;
    pc = step(m, insn, pc!, (target, state) => {
      if (m.state.parent !== null) m.state.parent.branches++;
      pending.push({ state, pc: target });
      if (pending.length > BPF_COMPLEXITY_LIMIT_JMP_SEQ) m.fail('too_complex', `The sequence of ${pending.length} jumps is too complex.`);
    });
  }
}

/** Executes one instruction on the current state; returns the next pc (null: the path ended). */
function step(m: Machine, insn: Insn, pc: number, fork: (target: number, state: State) => void): number | null {
  switch (insn.kind) {
    case 'alu':
    case 'neg':
    case 'movsx':
    case 'end':
      checkAlu(m, insn);
      return pc + 1;
    case 'ldx': {
      if (insn.dst === 10) m.fail('write_fp', 'frame pointer is read only');
      const loaded = checkAccess(m, insn.src, insn.off, SIZE_BYTES[insn.size], false, null, 'load')!;
      const size = SIZE_BYTES[insn.size];
      let value: Reg = loaded;
      if (insn.signed && loaded.type === 'scalar' && size < 8) value = scalar(scalarMovsx((size * 8) as 8 | 16 | 32, 64, loaded.b));
      m.write(insn.dst, value);
      return pc + 1;
    }
    case 'stx': {
      const value = m.read(insn.src);
      checkAccess(m, insn.dst, insn.off, SIZE_BYTES[insn.size], true, { reg: value, srcNo: insn.src }, 'store');
      return pc + 1;
    }
    case 'st':
      checkAccess(m, insn.dst, insn.off, SIZE_BYTES[insn.size], true, { imm: BigInt(insn.imm) }, 'store');
      return pc + 1;
    case 'atomic': {
      const src = m.read(insn.src);
      if (insn.op === 'cmpxchg') m.read(0);
      if (isPointer(src) && !m.privileged) m.fail('leak', `R${insn.src} leaks addr into mem`);
      const size = SIZE_BYTES[insn.size];
      checkAccess(m, insn.dst, insn.off, size, false, null, 'atomic');
      checkAccess(m, insn.dst, insn.off, size, true, { reg: scalar(UNKNOWN) }, 'atomic');
      if (insn.op === 'cmpxchg') m.write(0, scalar(loadedBounds(size)));
      else if (insn.fetch) m.write(insn.src, scalar(loadedBounds(size)));
      return pc + 1;
    }
    case 'lddw':
      m.write(insn.dst, lddwValue(m, insn));
      return pc + 2;
    case 'ldabs':
    case 'ldind': {
      if (!mayLdAbs(m.progType)) m.fail('ld_abs', 'BPF_LD_[ABS|IND] instructions not allowed for this program type');
      if (m.read(6).type !== 'ctx') m.fail('ld_abs', 'at the time of BPF_LD_ABS|IND R6 != pointer to skb');
      if (insn.kind === 'ldind') m.read(insn.src);
      const regs = m.frame.regs;
      for (let r = 1; r <= 5; r++) regs[r] = NOT_INIT;
      regs[0] = scalar(loadedBounds(SIZE_BYTES[insn.size]));
      return pc + 1;
    }
    case 'ja':
      return pc + 1 + insn.off;
    case 'jmp':
      return jump(m, insn, pc, fork);
    case 'call':
      checkHelperCall(m, insn.helper);
      return pc + 1;
    case 'call_local':
      return enterCall(m, pc + 1 + insn.off);
    case 'callx':
      return m.fail('unsupported', `unknown opcode 8d`);
    case 'exit':
      return leave(m);
    default:
      return assertNever(insn);
  }
}

/** lddw: a number, a map (src 1, 5) or a pointer into a map's value (src 2, 6). */
function lddwValue(m: Machine, insn: Insn & { kind: 'lddw' }): Reg {
  switch (insn.pseudo) {
    case 0:
      return scalar(known((BigInt(insn.hi >>> 0) << 32n) | BigInt(insn.lo >>> 0)));
    case 1:
    case 5:
      m.map(insn.lo);
      return pointer('map_ptr', { map: insn.lo });
    case 2:
    case 6: {
      const shape = m.map(insn.lo);
      const off = insn.hi >>> 0;
      if (off >= shape.valueSize) m.fail('map_access', `invalid access to map value pointer, value_size=${shape.valueSize} off=${off}`);
      return pointer('map_value', { map: insn.lo, off });
    }
    default:
      return m.fail('unsupported', `unsupported lddw src ${insn.pseudo} (BTF ids, functions, arenas need a kernel loader)`);
  }
}

/** A conditional jump: decides or forks, narrowing each side. */
function jump(m: Machine, insn: Insn & { kind: 'jmp' }, pc: number, fork: (target: number, state: State) => void): number | null {
  const target = pc + 1 + insn.off;
  const a = m.read(insn.dst);
  const srcReg = 'reg' in insn.src ? insn.src.reg : -1;
  const b: Reg = srcReg >= 0 ? m.read(srcReg) : scalar(immOperand((insn.src as { imm: number }).imm, insn.width));
  if (isPointer(a) || isPointer(b)) {
    const outcome = pointerCompare(insn.op, insn.width, a, b);
    const handled = outcome.onTaken !== undefined || outcome.onFall !== undefined || outcome.taken !== null;
    if (!handled && !m.privileged) m.fail('ptr_arith', `R${isPointer(a) ? insn.dst : srcReg} pointer comparison prohibited`);
    if (outcome.taken === true) return target;
    if (outcome.taken === false) return pc + 1;
    const other = copyState(m.state);
    outcome.onTaken?.(other);
    outcome.onFall?.(m.state);
    fork(target, other);
    return pc + 1;
  }
  const taken = branchTaken(insn.op, insn.width, a.b, b.b);
  if (taken === true) return target;
  if (taken === false) return pc + 1;
  const yes = narrow(insn.op, insn.width, a.b, b.b, false);
  const no = narrow(NEGATE[insn.op], insn.width, a.b, b.b, insn.op === 'jset');
  const apply = (state: State, bounds: [typeof a.b, typeof b.b]): void => {
    const regs = state.frames[state.frames.length - 1]!.regs;
    setScalar(state, regs, insn.dst, bounds[0]);
    if (srcReg >= 0) setScalar(state, state.frames[state.frames.length - 1]!.regs, srcReg, bounds[1]);
  };
  if (yes === null && no === null) return null;
  if (yes === null) {
    apply(m.state, no!);
    return pc + 1;
  }
  if (no === null) {
    apply(m.state, yes);
    return target;
  }
  const other = copyState(m.state);
  apply(other, yes);
  apply(m.state, no);
  fork(target, other);
  return pc + 1;
}
