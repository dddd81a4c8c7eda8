/**
 * Load-time safety checks on a decoded program, the structural part of the kernel's
 * check_cfg/do_check that needs no value tracking: r10 is read-only, every jump and local call
 * lands on an instruction (not past the end, not inside a lddw), and control cannot run off the
 * end. A program that passes is a CheckedProgram, the only thing the engines accept.
 */
import { type DecodedProgram, decodeBytes } from './decode.js';
import { EbpfLoadError } from './errors.js';
import { assertNever, type Insn } from './insn.js';
import { BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE, BPF_REG_FP } from './opcodes.js';

declare const checked: unique symbol;
/** Is a program that passed check(): engines run only these. */
export interface CheckedProgram extends DecodedProgram {
  readonly [checked]: true;
}

/** Returns the register an instruction writes, or null (calls write r0-r5 by convention). */
export function writtenRegister(insn: Insn): number | null {
  switch (insn.kind) {
    case 'alu':
    case 'neg':
    case 'movsx':
    case 'end':
    case 'ldx':
    case 'lddw':
      return insn.dst;
    case 'atomic':
      return insn.op === 'cmpxchg' ? 0 : insn.fetch ? insn.src : null;
    case 'ldabs':
    case 'ldind':
    case 'call':
    case 'call_local':
    case 'callx':
      return 0;
    case 'st':
    case 'stx':
    case 'ja':
    case 'jmp':
    case 'exit':
      return null;
    default:
      return assertNever(insn);
  }
}

/** Returns the pc an instruction may jump or call to, or null. */
export function branchTarget(insn: Insn, pc: number): number | null {
  switch (insn.kind) {
    case 'ja':
    case 'jmp':
    case 'call_local':
      return pc + 1 + insn.off;
    default:
      return null;
  }
}

/** Tells whether control can continue to the next instruction after this one. */
export function fallsThrough(insn: Insn): boolean {
  return insn.kind !== 'exit' && insn.kind !== 'ja';
}

/** Checks a decoded program; throws EbpfLoadError naming the first offending pc. */
export function check(program: DecodedProgram): CheckedProgram {
  const { insns } = program;
  const n = insns.length;
  for (let pc = 0; pc < n; pc++) {
    const insn = insns[pc];
    if (insn === undefined) continue;
    if (writtenRegister(insn) === BPF_REG_FP && insn.kind !== 'call' && insn.kind !== 'call_local' && insn.kind !== 'callx') {
      throw new EbpfLoadError('write_fp', pc, 'r10 (the frame pointer) is read-only');
    }
    if (insn.kind === 'lddw' && insn.pseudo !== 0 && insn.pseudo !== BPF_PSEUDO_MAP_VALUE && insn.pseudo !== BPF_PSEUDO_MAP_IDX_VALUE) {
      // Map objects, BTF ids and subprogram addresses need a kernel-side loader (libbpf); region
      // pointers (map values) are what the engines can give a meaning to.
      throw new EbpfLoadError('unsupported', pc, `lddw with src ${insn.pseudo} (only 0, and 2/6 for a region pointer)`);
    }
    const target = branchTarget(insn, pc);
    if (target !== null) {
      if (target < 0 || target >= n) throw new EbpfLoadError('jump_out_of_range', pc, `target ${target} is outside 0..${n - 1}`);
      if (insns[target] === undefined) throw new EbpfLoadError('jump_into_lddw', pc, `target ${target} is the second half of a lddw`);
    }
    const next = pc + (insn.kind === 'lddw' ? 2 : 1);
    if (next >= n && fallsThrough(insn)) throw new EbpfLoadError('falls_off_end', pc, 'the last instruction must be exit or ja');
  }
  if (!insns.some((i) => i?.kind === 'exit')) throw new EbpfLoadError('no_exit', -1, 'the program has no exit instruction');
  return program as CheckedProgram;
}

/** Decodes and checks program bytes. */
export function load(bytes: Uint8Array): CheckedProgram {
  return check(decodeBytes(bytes));
}
